"""Small-number suppression: no suppressed count can be worked out from what is published."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracedesk.lib.suppression import SuppressedTable, suppress, with_totals


def _lines(table: SuppressedTable) -> list[list[tuple[int, int]]]:
    rows, columns = len(table.grid), len(table.grid[0])
    by_row = [[(r, c) for c in range(columns)] for r in range(rows)]
    by_column = [[(r, c) for r in range(rows)] for c in range(columns)]
    return by_row + by_column


def determined(table: SuppressedTable) -> set[tuple[int, int]]:
    """The hidden cells whose value follows from the published cells and totals.

    Each grid row and column says: cells = total (the last cell of a line is its total).
    With the published values moved to the right-hand side, a hidden cell is determined
    exactly when its unit vector lies in the row space of the equations over the hidden
    cells (linear algebra, independent of the algorithm's graph argument).
    """
    hidden = sorted(table.hidden)
    if not hidden:
        return set()
    index = {cell: n for n, cell in enumerate(hidden)}
    equations = []
    for line in _lines(table):
        coefficients = np.zeros(len(hidden))
        for position, cell in enumerate(line):
            if cell in index:
                coefficients[index[cell]] = -1.0 if position == len(line) - 1 else 1.0
        if coefficients.any():
            equations.append(coefficients)
    if not equations:
        return set()
    matrix = np.array(equations)
    rank = np.linalg.matrix_rank(matrix)
    found = set()
    for cell, n in index.items():
        unit = np.zeros(len(hidden))
        unit[n] = 1.0
        if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
            found.add(cell)
    return found


SMALL_HEAVY = st.one_of(st.integers(0, 6), st.integers(0, 40))


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda width: st.lists(
            st.lists(SMALL_HEAVY, min_size=width, max_size=width), min_size=1, max_size=7
        )
    ),
    st.integers(1, 11),
)
def test_no_suppressed_cell_can_be_recovered(cells: list[list[int]], threshold: int) -> None:
    table = suppress(cells, threshold)
    grid = with_totals(cells)
    # Every small count (cells and totals) is hidden; nothing published is small.
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            if 0 < value < threshold:
                assert (r, c) in table.primary and table.shown(r, c) is None
            if (r, c) not in table.hidden:
                assert table.shown(r, c) == value
    # Subtraction from any published row or column total never gives a hidden cell away:
    # a line holds no hidden cell or at least two.
    for line in _lines(table):
        assert sum(cell in table.hidden for cell in line) != 1, line
    # Nor does any combination of rows and columns.
    assert determined(table) == set()


def test_a_worked_example() -> None:
    # Leeds has 3 unreached cases: hiding only that cell would let its row total give it away.
    cells = [[40, 12, 3], [55, 20, 9], [61, 18, 14]]
    table = suppress(cells, threshold=5)
    assert table.primary == {(0, 2)}
    assert (0, 2) in table.hidden and len(table.hidden) == 4  # a rectangle of four
    assert determined(table) == set()
    assert table.shown(3, 3) == 232  # the grand total is still published


def test_nothing_small_means_nothing_hidden() -> None:
    table = suppress([[10, 0], [7, 12]], threshold=5)
    assert table.hidden == frozenset()


def test_bad_tables_are_refused() -> None:
    with pytest.raises(ValueError, match="Row 1 has 1 cells"):
        suppress([[1, 2], [3]], 5)
    with pytest.raises(ValueError, match="negative"):
        suppress([[1, -2]], 5)
    with pytest.raises(ValueError, match="threshold"):
        suppress([[1]], 0)
