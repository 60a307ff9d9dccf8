"""KPI formulas over per-record facts: framework-free, the one place a figure is computed.

Records become *facts* (one per case, one per contact: which day, jurisdiction,
team, contractor, segment, and the elapsed seconds that matter). Facts are grouped
into *cells* — counts and sums of seconds per day x jurisdiction x team x
contractor x segment x whole hours elapsed — which is also what the summary table
stores. A figure is computed from the totals of the cells it covers, so the
figure computed from the records and the one read from the summary table are the
same arithmetic on the same cells.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from tracedesk.kpis.definitions import WITHIN_HOURS, KpiDefinition

# Elapsed times are kept in buckets of whole hours, each named by its lower bound. Every
# threshold a KPI uses (24, 48, 72 h) is a bound, so "less than 24 hours" is exact on
# buckets; the seconds are still summed exactly, for means.
BOUNDS = (0, 6, 12, 24, 48, 72, 120, 168)


@dataclass(frozen=True)
class CaseFact:
    id: int
    day: dt.date  # local date of transfer to tracing
    jurisdiction_id: int
    team_id: int | None
    contractor_id: int | None
    is_complex: bool
    reach_seconds: int | None  # transfer → reached; None: not reached
    result_seconds: int | None  # first specimen → first positive result; None: no result


@dataclass(frozen=True)
class ContactFact:
    id: int
    day: dt.date  # local date of their case's transfer to tracing
    jurisdiction_id: int  # the contact's own
    team_id: int | None
    contractor_id: int | None
    is_complex: bool  # their case's
    is_household: bool
    reach_seconds: int | None  # case transfer → contact reached
    e2e_seconds: int | None  # case's first specimen → contact reached


@dataclass(frozen=True)
class CellKey:
    day: dt.date
    jurisdiction_id: int
    team_id: int | None
    contractor_id: int | None
    subject: str  # "case" or "contact"
    is_complex: bool
    is_household: bool
    measure: str  # "reach", "result" (cases) or "e2e" (contacts)
    hours: int | None  # bucket of hours elapsed (lower bound); None: no time (not reached)


@dataclass
class CellValue:
    n: int = 0
    seconds: int = 0


def elapsed_seconds(start: dt.datetime | None, end: dt.datetime | None) -> int | None:
    """Whole seconds from ``start`` to ``end``; a time recorded before its start counts as 0."""
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def hours_bucket(seconds: int | None) -> int | None:
    """The lower bound of the bucket of whole hours holding ``seconds``; None stays None."""
    if seconds is None:
        return None
    hours = seconds // 3600
    return max(bound for bound in BOUNDS if bound <= hours)


def cells(cases: Iterable[CaseFact], contacts: Iterable[ContactFact]) -> dict[CellKey, CellValue]:
    """Group facts into cells (the summary table's rows)."""
    out: dict[CellKey, CellValue] = defaultdict(CellValue)

    def add(key: CellKey, seconds: int | None) -> None:
        value = out[key]
        value.n += 1
        value.seconds += seconds or 0

    for c in cases:
        base = (c.day, c.jurisdiction_id, c.team_id, c.contractor_id, "case", c.is_complex, False)
        add(CellKey(*base, "reach", hours_bucket(c.reach_seconds)), c.reach_seconds)
        if c.result_seconds is not None:
            add(CellKey(*base, "result", hours_bucket(c.result_seconds)), c.result_seconds)
    for k in contacts:
        base = (
            k.day,
            k.jurisdiction_id,
            k.team_id,
            k.contractor_id,
            "contact",
            k.is_complex,
            k.is_household,
        )
        add(CellKey(*base, "reach", hours_bucket(k.reach_seconds)), k.reach_seconds)
        if k.e2e_seconds is not None:
            add(CellKey(*base, "e2e", hours_bucket(k.e2e_seconds)), k.e2e_seconds)
    return dict(out)


@dataclass(frozen=True)
class Filter:
    jurisdiction_ids: frozenset[int] | None = None
    team_id: int | None = None
    contractor_id: int | None = None
    segment: str = ""

    def keeps(self, key: CellKey) -> bool:
        if self.jurisdiction_ids is not None and key.jurisdiction_id not in self.jurisdiction_ids:
            return False
        if self.team_id is not None and key.team_id != self.team_id:
            return False
        if self.contractor_id is not None and key.contractor_id != self.contractor_id:
            return False
        return segment_keeps(self.segment, key.subject, key.is_complex, key.is_household)


def segment_keeps(segment: str, subject: str, is_complex: bool, is_household: bool) -> bool:
    if segment == "complex":
        return is_complex
    if segment == "non_complex":
        return not is_complex
    if segment == "household":
        return subject == "contact" and is_household
    if segment == "non_household":
        return subject == "contact" and not is_household
    return True


@dataclass
class Totals:
    """Sums over cells: everything a case or contact KPI needs."""

    case_n: int = 0
    case_reached: int = 0
    case_within: dict[int, int] = field(default_factory=lambda: dict.fromkeys(WITHIN_HOURS, 0))
    case_reach_seconds: int = 0
    result_n: int = 0
    result_seconds: int = 0
    result_within_24: int = 0
    contact_n: int = 0
    contact_reached: int = 0
    contact_within: dict[int, int] = field(default_factory=lambda: dict.fromkeys(WITHIN_HOURS, 0))
    contact_reach_seconds: int = 0
    e2e_n: int = 0
    e2e_seconds: int = 0

    def add(self, key: CellKey, value: CellValue) -> None:
        n, hours = value.n, key.hours
        if key.subject == "case" and key.measure == "reach":
            self.case_n += n
            if hours is not None:
                self.case_reached += n
                self.case_reach_seconds += value.seconds
                for h in WITHIN_HOURS:
                    self.case_within[h] += n if hours < h else 0
        elif key.subject == "case" and key.measure == "result":
            self.result_n += n
            self.result_seconds += value.seconds
            self.result_within_24 += n if hours is not None and hours < 24 else 0
        elif key.subject == "contact" and key.measure == "reach":
            self.contact_n += n
            if hours is not None:
                self.contact_reached += n
                self.contact_reach_seconds += value.seconds
                for h in WITHIN_HOURS:
                    self.contact_within[h] += n if hours < h else 0
        elif key.subject == "contact" and key.measure == "e2e":
            self.e2e_n += n
            self.e2e_seconds += value.seconds


def totals(items: Iterable[tuple[CellKey, CellValue]], keep: Filter) -> Totals:
    out = Totals()
    for key, value in items:
        if keep.keeps(key):
            out.add(key, value)
    return out


@dataclass(frozen=True)
class Measure:
    numerator: int
    denominator: int
    value: float | None


def _share(numerator: int, denominator: int) -> Measure:
    return Measure(numerator, denominator, numerator / denominator if denominator else None)


def _mean_hours(seconds: int, n: int) -> Measure:
    return Measure(seconds, n, seconds / n / 3600 if n else None)


def evaluate(definition: KpiDefinition, t: Totals) -> Measure:
    """Compute one case, contact or composite KPI from totals."""
    m, subject = definition.measure, definition.subject
    if definition.key == "contacts_per_reached_case":
        return _share(t.contact_n, t.case_reached)
    if definition.key == "composite_coverage":
        return _share(t.case_reached * t.contact_reached, t.case_n * t.contact_n)
    if subject == "case":
        if m == "count":
            return Measure(t.case_n, 1, float(t.case_n))
        if m == "reached":
            return _share(t.case_reached, t.case_n)
        if m.startswith("within_"):
            return _share(t.case_within[int(m.removeprefix("within_"))], t.case_n)
        if m == "result_mean":
            return _mean_hours(t.result_seconds, t.result_n)
        if m == "result_within_24":
            return _share(t.result_within_24, t.result_n)
    if subject == "contact":
        if m == "count":
            return Measure(t.contact_n, 1, float(t.contact_n))
        if m == "reached":
            return _share(t.contact_reached, t.contact_n)
        if m.startswith("within_"):
            return _share(t.contact_within[int(m.removeprefix("within_"))], t.contact_n)
        if m == "e2e_mean":
            return _mean_hours(t.e2e_seconds, t.e2e_n)
    raise ValueError(f"KPI {definition.key!r} is not computed from case and contact totals")


def meets(definition: KpiDefinition, fact: CaseFact | ContactFact) -> bool | None:
    """Whether one record counts in the KPI's numerator; None when it is outside the denominator.

    Defined for counts and shares (the figures a service level can fail); a
    record behind a failed figure is one in the denominator that does not meet it.
    """
    m = definition.measure
    if m == "count":
        return True
    if m == "reached":
        return fact.reach_seconds is not None
    if m.startswith("within_"):
        limit = int(m.removeprefix("within_")) * 3600
        return fact.reach_seconds is not None and fact.reach_seconds < limit
    if m == "result_within_24" and isinstance(fact, CaseFact):
        if fact.result_seconds is None:
            return None
        return fact.result_seconds < 24 * 3600
    raise ValueError(
        f"KPI {definition.key!r} ({definition.unit}) has no per-record pass or fail; "
        "drill down from cases_reached or contacts_reached instead"
    )


# --- Tracer utilisation -------------------------------------------------------------------

BUSY_STATES = frozenset({"on_call", "wrap_up"})
OFFLINE = "offline"


@dataclass(frozen=True)
class StateChange:
    tracer_id: int
    state: str
    at: dt.datetime


def state_seconds(
    changes: Iterable[StateChange], *, start: dt.datetime, end: dt.datetime
) -> dict[int, tuple[int, int]]:
    """Per tracer: (busy seconds, available seconds) within [start, end).

    ``changes`` must hold, per tracer, the last change before ``start`` (the state
    the tracer was in when the period began) and every change up to ``end``, in
    time order. A tracer's last state lasts until ``end`` (pass "now" as ``end``
    for a period that is still running). Seconds are whole: fractions dropped per
    interval so that splitting a period into hours gives the same sums.
    """
    by_tracer: dict[int, list[StateChange]] = defaultdict(list)
    for change in changes:
        by_tracer[change.tracer_id].append(change)
    out: dict[int, tuple[int, int]] = {}
    for tracer, rows in by_tracer.items():
        rows.sort(key=lambda c: c.at)
        busy = available = 0
        for index, change in enumerate(rows):
            begin = max(change.at, start)
            finish = min(rows[index + 1].at if index + 1 < len(rows) else end, end)
            if finish <= begin or change.state == OFFLINE:
                continue
            seconds = _whole_seconds(begin, finish)
            available += seconds
            busy += seconds if change.state in BUSY_STATES else 0
        out[tracer] = (busy, available)
    return out


def _whole_seconds(begin: dt.datetime, finish: dt.datetime) -> int:
    # Floor both ends to the second, so that an interval cut at an hour boundary
    # sums to the same whole seconds as the uncut one.
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return int((finish - epoch).total_seconds()) - int((begin - epoch).total_seconds())


def utilisation(busy: int, available: int) -> Measure:
    return _share(busy, available)


def group_totals(
    items: Iterable[tuple[CellKey, CellValue]],
    keep: Filter,
    by: str,
) -> Mapping[object, Totals]:
    """Totals per value of one cell attribute (``day``, ``team_id`` …)."""
    out: dict[object, Totals] = defaultdict(Totals)
    for key, value in items:
        if keep.keeps(key):
            out[getattr(key, by)].add(key, value)
    return dict(out)
