"""Service-credit arithmetic: measured share → shortfall → credit → cap. No Django.

The rules (docs/contracts.md explains them with a worked example):

- A measured share is ``numerator / denominator`` as a percentage, rounded half-up to
  2 decimal places (``percent``). Everything after uses the rounded figure, so a reader
  can redo the statement from the numbers printed on it.
- The shortfall is how many percentage points the share is on the wrong side of the
  target (0 when met). Fractions of a point count: 0.5 points short earns half the
  credit of 1 point.
- A service level's credit for one measurement period is
  ``shortfall x rate% x weight x monthly charge``, rounded half-up to the penny.
- The month's credit is the sum of those lines, then capped at ``cap% x monthly
  charge`` (also rounded half-up to the penny). The cap never raises a total.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PENNY = Decimal("0.01")
HUNDRED = Decimal(100)


class Direction(enum.StrEnum):
    AT_LEAST = "at_least"  # the share must be at least the target (e.g. reached within 24 h)
    AT_MOST = "at_most"  # the share must be at most the target (e.g. not reached at all)


class Status(enum.StrEnum):
    MET = "met"
    FAILED = "failed"
    NO_DATA = "no_data"  # nothing to measure in the period: no credit, shown as such
    EXEMPT = "exempt"  # the whole period is covered by declared force majeure


def percent(numerator: int, denominator: int) -> Decimal | None:
    """Return ``numerator / denominator`` as a percentage to 2 dp (half-up); None if 0/0."""
    if denominator < 0 or numerator < 0:
        raise ValueError(f"counts cannot be negative: {numerator}/{denominator}")
    if denominator == 0:
        return None
    if numerator > denominator:
        raise ValueError(f"numerator {numerator} is larger than denominator {denominator}")
    return (Decimal(numerator) * HUNDRED / Decimal(denominator)).quantize(
        PENNY, rounding=ROUND_HALF_UP
    )


def shortfall(value: Decimal, target: Decimal, direction: Direction) -> Decimal:
    """Return the percentage points by which ``value`` misses ``target`` (0 when met)."""
    gap = target - value if direction == Direction.AT_LEAST else value - target
    return max(gap, Decimal(0))


def credit(
    points: Decimal, *, rate_percent: Decimal, weight: Decimal, monthly_charge: Decimal
) -> Decimal:
    """Return the credit for ``points`` of shortfall, rounded half-up to the penny."""
    exact = points * rate_percent * weight * monthly_charge / HUNDRED
    return exact.quantize(PENNY, rounding=ROUND_HALF_UP)


def cap_amount(cap_percent: Decimal, monthly_charge: Decimal) -> Decimal:
    """Return the most a month's credits may come to, rounded half-up to the penny."""
    return (cap_percent * monthly_charge / HUNDRED).quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Line:
    """One service level in one measurement period."""

    numerator: int
    denominator: int
    target: Decimal
    direction: Direction
    weight: Decimal
    exempt: bool = False


@dataclass(frozen=True)
class LineResult:
    status: Status
    value: Decimal | None
    shortfall: Decimal
    credit: Decimal


def assess(line: Line, *, rate_percent: Decimal, monthly_charge: Decimal) -> LineResult:
    """Return the status, measured share, shortfall and credit of one line."""
    zero = Decimal("0.00")
    if line.exempt:
        return LineResult(Status.EXEMPT, None, zero, zero)
    value = percent(line.numerator, line.denominator)
    if value is None:
        return LineResult(Status.NO_DATA, None, zero, zero)
    points = shortfall(value, line.target, line.direction)
    if points == 0:
        return LineResult(Status.MET, value, zero, zero)
    amount = credit(
        points, rate_percent=rate_percent, weight=line.weight, monthly_charge=monthly_charge
    )
    return LineResult(Status.FAILED, value, points, amount)


@dataclass(frozen=True)
class Totals:
    before_cap: Decimal
    cap: Decimal
    total: Decimal

    @property
    def capped(self) -> bool:
        return self.total < self.before_cap


def totals(credits: Iterable[Decimal], *, cap_percent: Decimal, monthly_charge: Decimal) -> Totals:
    """Add up a month's credits and apply the cap."""
    before = sum(credits, Decimal("0.00"))
    cap = cap_amount(cap_percent, monthly_charge)
    return Totals(before_cap=before, cap=cap, total=min(before, cap))
