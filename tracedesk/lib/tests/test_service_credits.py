"""Service-credit arithmetic: rounding rules, the cap, and properties over any figures."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracedesk.lib import service_credits as sc

D = Decimal


def test_percent_rounds_half_up_to_two_places() -> None:
    assert sc.percent(1, 8) == D("12.50")
    assert sc.percent(1, 3) == D("33.33")
    assert sc.percent(2, 3) == D("66.67")
    assert sc.percent(1, 16) == D("6.25")
    assert sc.percent(1, 32) == D("3.13")  # 3.125 rounds up, not to even
    assert sc.percent(0, 0) is None
    with pytest.raises(ValueError, match="larger than"):
        sc.percent(3, 2)
    with pytest.raises(ValueError, match="negative"):
        sc.percent(-1, 2)


def test_credit_rounds_half_up_to_the_penny() -> None:
    # 0.01 points x 1% x 1 x £50.50 = £0.00505 -> £0.01
    assert sc.credit(D("0.01"), rate_percent=D(1), weight=D(1), monthly_charge=D("50.50")) == D(
        "0.01"
    )
    assert sc.cap_amount(D("12"), D("987654.32")) == D("118518.52")


def test_directions_and_statuses() -> None:
    line = sc.Line(numerator=3, denominator=20, target=D(10), direction=sc.Direction.AT_MOST,
                   weight=D(1))  # fmt: skip
    result = sc.assess(line, rate_percent=D(1), monthly_charge=D(1000))
    assert (result.status, result.value, result.shortfall, result.credit) == (
        sc.Status.FAILED, D("15.00"), D("5.00"), D("50.00"),
    )  # fmt: skip
    met = sc.assess(line.__class__(1, 20, D(10), sc.Direction.AT_MOST, D(1)),
                    rate_percent=D(1), monthly_charge=D(1000))  # fmt: skip
    assert met.status == sc.Status.MET and met.credit == 0
    exempt = sc.assess(sc.Line(0, 5, D(90), sc.Direction.AT_LEAST, D(1), exempt=True),
                       rate_percent=D(1), monthly_charge=D(1000))  # fmt: skip
    assert exempt.status == sc.Status.EXEMPT and exempt.value is None
    empty = sc.assess(sc.Line(0, 0, D(90), sc.Direction.AT_LEAST, D(1)),
                      rate_percent=D(1), monthly_charge=D(1000))  # fmt: skip
    assert empty.status == sc.Status.NO_DATA and empty.credit == 0


MONEY = st.decimals(min_value=0, max_value=10_000_000, places=2)
PERCENT = st.decimals(min_value=0, max_value=100, places=2)


@given(
    st.lists(st.tuples(st.integers(0, 500), st.integers(0, 500), PERCENT), max_size=8),
    MONEY,
    st.decimals(min_value=0, max_value=5, places=3),
    PERCENT,
)
def test_totals_never_pass_the_cap_and_add_up(
    lines: list[tuple[int, int, Decimal]], charge: Decimal, rate: Decimal, cap: Decimal
) -> None:
    results = [
        sc.assess(
            sc.Line(min(a, b), max(a, b), target, sc.Direction.AT_LEAST, D(1)),
            rate_percent=rate,
            monthly_charge=charge,
        )
        for a, b, target in lines
    ]
    totals = sc.totals((r.credit for r in results), cap_percent=cap, monthly_charge=charge)
    assert totals.before_cap == sum((r.credit for r in results), D(0))
    assert totals.total == min(totals.before_cap, totals.cap)
    assert totals.total <= charge
    for result in results:
        assert result.credit == result.credit.quantize(sc.PENNY)
        assert (result.status == sc.Status.FAILED) == (result.shortfall > 0)
