"""The monthly service-credit statement, computed from the records through the KPI engine.

A statement is never typed in: each line is a service level measured over one
measurement period of the month (the whole month, or each Monday-to-Sunday week
cut at the month's edges), with the days of declared force majeure and the days
outside the contract left out. The arithmetic is ``tracedesk.lib.service_credits``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from tracedesk.contracts import measures
from tracedesk.contracts.models import Contract, Period, ServiceLevel
from tracedesk.geography.models import Jurisdiction
from tracedesk.lib import service_credits as sc

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
Interval = tuple[dt.datetime, dt.datetime]


def parse_month(text: str) -> dt.date:
    """Return the first day of the month written ``YYYY-MM``, or raise ValidationError."""
    found = MONTH.match(text or "")
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 2000:
        raise ValidationError({"month": f"'{text}' is not a month written YYYY-MM."})
    return dt.date(int(found.group(1)), int(found.group(2)), 1)


def next_month(first: dt.date) -> dt.date:
    return dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)


def local_midnight(day: dt.date) -> dt.datetime:
    """Return the start of ``day`` in the display time zone (Europe/London), aware."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


def measurement_periods(period: str, first: dt.date) -> list[tuple[dt.date, dt.date]]:
    """Return the ``[first day, day after last)`` ranges of the month's measurement periods."""
    end = next_month(first)
    if period == Period.MONTH:
        return [(first, end)]
    ranges, start = [], first
    while start < end:
        stop = min(start + dt.timedelta(days=7 - start.weekday()), end)
        ranges.append((start, stop))
        start = stop
    return ranges


def _days(start: dt.date, stop: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((stop - start).days)]


def _runs(days: list[dt.date]) -> list[Interval]:
    """Return consecutive days as ``[midnight, midnight)`` intervals."""
    intervals: list[Interval] = []
    run_start: dt.date | None = None
    for position, day in enumerate(days):
        following = days[position + 1] if position + 1 < len(days) else None
        run_start = run_start or day
        if following != day + dt.timedelta(days=1):
            intervals.append(
                (local_midnight(run_start), local_midnight(day + dt.timedelta(days=1)))
            )
            run_start = None
    return intervals


@dataclass(frozen=True)
class StatementLine:
    service_level: ServiceLevel
    index: int  # the period's position within the month, for the drill-down URL
    first_day: dt.date
    last_day: dt.date  # inclusive
    force_majeure_days: int
    intervals: tuple[Interval, ...]
    numerator: int
    denominator: int
    result: sc.LineResult

    @property
    def failed(self) -> bool:
        return self.result.status == sc.Status.FAILED

    @property
    def failing_count(self) -> int:
        """How many records count against the service level (the drill-down's length)."""
        if self.service_level.direction == sc.Direction.AT_MOST:
            return self.numerator
        return self.denominator - self.numerator

    @property
    def status_label(self) -> str:
        return self.result.status.value.replace("_", " ")


@dataclass(frozen=True)
class Statement:
    contract: Contract
    month: dt.date
    lines: list[StatementLine]
    totals: sc.Totals
    computed_at: dt.datetime

    @property
    def month_label(self) -> str:
        return self.month.strftime("%B %Y")

    @property
    def payable(self) -> Decimal:
        return self.contract.monthly_charge - self.totals.total


def area_ids(contract: Contract) -> list[int]:
    """Return the ids of the contract's jurisdiction and every one below it."""
    return list(
        Jurisdiction.objects.filter(path__startswith=contract.jurisdiction.path).values_list(
            "id", flat=True
        )
    )


def _excluded_days(contract: Contract, first: dt.date, end: dt.date) -> tuple[set[dt.date], set]:
    """Return (force-majeure days, days outside the contract) within the month."""
    force = set()
    for period in contract.force_majeure.filter(starts_on__lt=end, ends_on__gte=first):
        force.update(
            _days(max(period.starts_on, first), min(period.ends_on, end) + dt.timedelta(1))
        )
    outside = {
        day
        for day in _days(first, end)
        if day < contract.starts_on or (contract.ends_on is not None and day > contract.ends_on)
    }
    return {day for day in force if first <= day < end}, outside


def compute_statement(contract: Contract, month: dt.date) -> Statement:
    """Measure every service level of ``contract`` over ``month`` and price the shortfalls."""
    first = month.replace(day=1)
    end = next_month(first)
    force, outside = _excluded_days(contract, first, end)
    ids = area_ids(contract)
    lines: list[StatementLine] = []
    for level in contract.service_levels.all():
        for index, (start, stop) in enumerate(measurement_periods(level.period, first)):
            in_contract = [day for day in _days(start, stop) if day not in outside]
            if not in_contract:
                continue  # the contract did not run in this period: no line at all
            measured_days = [day for day in in_contract if day not in force]
            intervals = tuple(_runs(measured_days))
            share = measures.measure_share(
                level.kpi_key, intervals, jurisdiction_ids=ids, contractor_id=contract.contractor_id
            )
            line = sc.Line(
                numerator=share.numerator,
                denominator=share.denominator,
                target=level.target_percent,
                direction=sc.Direction(level.direction),
                weight=level.weight,
                exempt=not measured_days,
            )
            lines.append(
                StatementLine(
                    service_level=level,
                    index=index,
                    first_day=in_contract[0],
                    last_day=in_contract[-1],
                    force_majeure_days=len(in_contract) - len(measured_days),
                    intervals=intervals,
                    numerator=share.numerator,
                    denominator=share.denominator,
                    result=sc.assess(
                        line,
                        rate_percent=contract.credit_rate_percent,
                        monthly_charge=contract.monthly_charge,
                    ),
                )
            )
    return Statement(
        contract=contract,
        month=first,
        lines=lines,
        totals=sc.totals(
            (line.result.credit for line in lines),
            cap_percent=contract.cap_percent,
            monthly_charge=contract.monthly_charge,
        ),
        computed_at=timezone.now(),
    )


def find_line(statement: Statement, level_id: int, index: int) -> StatementLine | None:
    """Return the statement's line for one service level and period, if it has one."""
    for line in statement.lines:
        if line.service_level.pk == level_id and line.index == index:
            return line
    return None


def records_behind(contract: Contract, line: StatementLine) -> list[QuerySet[Any]]:
    """Return the records that count against a line's service level (one queryset per run)."""
    return measures.failing_records(
        line.service_level.kpi_key,
        line.intervals,
        jurisdiction_ids=area_ids(contract),
        contractor_id=contract.contractor_id,
        failing=line.service_level.direction != sc.Direction.AT_MOST,
    )
