"""Small-number suppression with secondary suppression for a table with totals. No Django.

Primary suppression hides every count from 1 to ``threshold - 1`` — the cells, the row
and column totals and the grand total alike. Secondary (complementary) suppression
then hides further cells until no hidden count can be worked out from what is shown.

Why the rule is "no bridges": write the table with its totals as an extended
(rows + 1) x (columns + 1) grid. Every row and every column of that grid is one
equation (the cells add up to the total). Give the hidden cells a graph: a node
per grid row and per grid column, an edge per hidden cell joining its row and its
column. A hidden cell's value follows from the equations exactly when its edge is a
*bridge* of that graph (it lies on no cycle): along a cycle one can add +d, -d, +d…
to the hidden cells and every equation still holds, so no cell on a cycle is
determined; a bridge has no such freedom. A row or column with a single hidden cell
is the simplest bridge (subtraction from its total gives it away).

So the algorithm repeats: find a bridge; hide one more cell that closes a cycle
through it (the smallest non-zero count that does, to lose as little as possible);
when no single cell can, hide a rectangle of three. It stops when no bridge is left.
Zeros are never primary-suppressed (a zero discloses nothing about a person) and are
used as complements only when nothing else closes the cycle, because a hidden zero
can be pinned by the fact that counts are never negative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Cell = tuple[int, int]  # (row, column) in the extended grid; the last row/column are totals


@dataclass(frozen=True)
class SuppressedTable:
    """A table with totals, and which of its counts may be published."""

    grid: tuple[tuple[int, ...], ...]  # extended: cells, then row totals; last row: column totals
    hidden: frozenset[Cell]
    primary: frozenset[Cell]

    def shown(self, row: int, column: int) -> int | None:
        """Return the count to publish, or None when it is suppressed."""
        return None if (row, column) in self.hidden else self.grid[row][column]

    @property
    def secondary(self) -> frozenset[Cell]:
        return self.hidden - self.primary


def with_totals(cells: Sequence[Sequence[int]]) -> list[list[int]]:
    """Return the extended grid: each row with its total, then the column totals."""
    if not cells or not cells[0]:
        raise ValueError("A table needs at least one row and one column.")
    width = len(cells[0])
    for number, row in enumerate(cells):
        if len(row) != width:
            raise ValueError(f"Row {number} has {len(row)} cells, not {width}.")
        for column, value in enumerate(row):
            if value < 0:
                raise ValueError(f"Row {number} column {column} is negative ({value}).")
    grid = [[*row, sum(row)] for row in cells]
    grid.append([sum(row[column] for row in grid) for column in range(width + 1)])
    return grid


def _bridges(hidden: set[Cell], rows: int, columns: int) -> list[Cell]:
    """Return the hidden cells that are bridges of the row-column graph (Tarjan, iterative)."""
    adjacency: dict[int, list[tuple[int, Cell]]] = {}
    for cell in sorted(hidden):
        row_node, column_node = cell[0], rows + cell[1]
        adjacency.setdefault(row_node, []).append((column_node, cell))
        adjacency.setdefault(column_node, []).append((row_node, cell))
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    found: list[Cell] = []
    counter = 0
    for root in sorted(adjacency):
        if root in order:
            continue
        order[root] = low[root] = counter
        counter += 1
        stack: list[tuple[int, Cell | None, int]] = [(root, None, 0)]
        while stack:
            node, via, index = stack[-1]
            edges = adjacency[node]
            if index < len(edges):
                stack[-1] = (node, via, index + 1)
                neighbour, cell = edges[index]
                if cell == via:
                    continue
                if neighbour in order:
                    low[node] = min(low[node], order[neighbour])
                else:
                    order[neighbour] = low[neighbour] = counter
                    counter += 1
                    stack.append((neighbour, cell, 0))
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent] and via is not None:
                        found.append(via)
    return sorted(found)


def _side(hidden: set[Cell], start: int, rows: int, without: Cell) -> set[int]:
    """Return the nodes reachable from ``start`` over hidden cells other than ``without``."""
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        for row, column in hidden:
            if (row, column) == without:
                continue
            ends = (row, rows + column)
            if node in ends:
                other = ends[1] if node == ends[0] else ends[0]
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
    return seen


def _cost(grid: list[list[int]], cells: Sequence[Cell]) -> tuple[int, int]:
    values = [grid[row][column] for row, column in cells]
    return (sum(1 for value in values if value == 0), sum(values))


def suppress(
    cells: Sequence[Sequence[int]], threshold: int, *, also: frozenset[Cell] = frozenset()
) -> SuppressedTable:
    """Suppress counts from 1 to ``threshold - 1`` and enough others that none can be derived.

    ``also`` names grid cells to hide whatever their value (a total that another
    published table hid, so the two tables stay consistent).
    """
    if threshold < 1:
        raise ValueError(f"The threshold must be at least 1, not {threshold}.")
    grid = with_totals(cells)
    rows, columns = len(grid), len(grid[0])
    primary = {
        (row, column)
        for row in range(rows)
        for column in range(columns)
        if 0 < grid[row][column] < threshold
    } | set(also)
    hidden = set(primary)
    while bridges := _bridges(hidden, rows, columns):
        row, column = bridges[0]
        side_a = _side(hidden, row, rows, (row, column))
        side_b = _side(hidden, rows + column, rows, (row, column))
        candidates = [
            (r, c)
            for r in range(rows)
            for c in range(columns)
            if (r, c) not in hidden
            and ((r in side_a and rows + c in side_b) or (r in side_b and rows + c in side_a))
        ]
        if candidates:
            best = min(candidates, key=lambda cell: (*_cost(grid, [cell]), cell))
            hidden.add(best)
            continue
        rectangles = [
            [cell for cell in ((r, column), (row, c), (r, c)) if cell not in hidden]
            for r in range(rows)
            for c in range(columns)
            if r != row and c != column
        ]
        hidden.update(min(rectangles, key=lambda group: (*_cost(grid, list(group)), group)))
    return SuppressedTable(
        grid=tuple(tuple(row) for row in grid),
        hidden=frozenset(hidden),
        primary=frozenset(primary),
    )
