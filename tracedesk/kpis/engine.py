"""The KPI engine: any KPI, any half-open period [start, end), any jurisdiction, team or contractor.

``measure`` computes a figure; ``records`` lists the records behind it (for the
drill-down from a failed service level). Definitions: ``KPIS`` and docs/kpis.md.

Figures come from the records themselves or from the summary tables that
``kpis.jobs`` keeps up to date (``source="summary"``; the same arithmetic on the
same cells, proven equal by tests). ``source="auto"`` reads the summaries when the
period is whole local days (whole hours for utilisation), the records otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from django.apps import apps
from django.db.models import Max, Model, QuerySet, Sum
from django.utils import timezone

from tracedesk.bulk import among
from tracedesk.cases.models import Case, Contact
from tracedesk.kpis import facts
from tracedesk.kpis.definitions import KPIS, KpiDefinition
from tracedesk.kpis.formulas import (
    CaseFact,
    CellKey,
    CellValue,
    ContactFact,
    Filter,
    Measure,
    StateChange,
    Totals,
    cells,
    evaluate,
    meets,
    state_seconds,
    totals,
    utilisation,
)

__all__ = ["KPIS", "KpiDefinition", "Measure", "definition", "measure", "records"]

Source = Literal["auto", "records", "summary"]


def definition(key: str) -> KpiDefinition:
    try:
        return KPIS[key]
    except KeyError:
        raise ValueError(f"Unknown KPI {key!r}; see docs/kpis.md for the list") from None


def _check_period(start: dt.datetime, end: dt.datetime) -> None:
    if timezone.is_naive(start) or timezone.is_naive(end):
        raise ValueError("KPI periods take timezone-aware datetimes (start and end)")
    if end <= start:
        raise ValueError(f"The period is empty: end {end.isoformat()} is not after start")


def is_whole_days(start: dt.datetime, end: dt.datetime) -> bool:
    return all(facts.day_start(facts.local_day(t)) == t for t in (start, end))


def is_whole_hours(start: dt.datetime, end: dt.datetime) -> bool:
    return all(t.minute == t.second == t.microsecond == 0 for t in (start, end))


def measure(
    key: str,
    *,
    start: dt.datetime,
    end: dt.datetime,
    jurisdiction_ids: Iterable[int] | None = None,
    team_id: int | None = None,
    contractor_id: int | None = None,
    source: Source = "auto",
) -> Measure:
    """Compute KPI ``key`` over cases transferred to tracing in [start, end).

    ``jurisdiction_ids`` are matched exactly (pass a user's ``scope_ids``, which
    already includes the jurisdictions below theirs); None means everywhere.
    Tracer utilisation is over tracer time in [start, end) and ignores jurisdictions.
    """
    d = definition(key)
    _check_period(start, end)
    places = None if jurisdiction_ids is None else frozenset(jurisdiction_ids)
    if d.subject == "tracer":
        busy, available = tracer_seconds(
            start=start, end=end, team_id=team_id, contractor_id=contractor_id, source=source
        )
        return utilisation(busy, available)
    keep = Filter(places, team_id, contractor_id, d.segment)
    use_summary = source == "summary" or (source == "auto" and is_whole_days(start, end))
    if use_summary:
        return evaluate(d, summary_totals(start=start, end=end, keep=keep))
    return evaluate(d, totals(record_cells(start=start, end=end, places=places).items(), keep))


def record_cells(
    *, start: dt.datetime, end: dt.datetime, places: frozenset[int] | None
) -> dict[CellKey, CellValue]:
    """The cells of the records transferred in [start, end), computed from the records."""
    case_qs = facts.scoped(facts.cases_in(start, end), places)
    contact_qs = facts.scoped(facts.contacts_in(start, end), places)
    return cells(facts.case_facts(case_qs), facts.contact_facts(contact_qs))  # type: ignore[arg-type]


def summary_totals(*, start: dt.datetime, end: dt.datetime, keep: Filter) -> Totals:
    """Totals read from the summary table, for whole local days [start, end)."""
    if not is_whole_days(start, end):
        raise ValueError(
            "The summary table holds whole days: start and end must be local midnights"
        )
    from tracedesk.kpis.models import KpiCell

    rows = KpiCell.objects.filter(day__gte=facts.local_day(start), day__lt=facts.local_day(end))
    if keep.jurisdiction_ids is not None:
        rows = rows.filter(jurisdiction_id__in=sorted(keep.jurisdiction_ids))
    if keep.team_id is not None:
        rows = rows.filter(team_id=keep.team_id)
    if keep.contractor_id is not None:
        rows = rows.filter(contractor_id=keep.contractor_id)
    grouped = (
        rows.values("subject", "measure", "is_complex", "is_household", "hours")
        .annotate(total_n=Sum("n"), total_seconds=Sum("seconds"))
        .order_by()
    )
    day = facts.local_day(start)
    items = (
        (
            CellKey(
                day,
                0,
                None,
                None,
                r["subject"],
                r["is_complex"],
                r["is_household"],
                r["measure"],
                r["hours"],
            ),
            CellValue(int(r["total_n"]), int(r["total_seconds"])),
        )
        for r in grouped
    )
    # Place, team and contractor were filtered in the query; the segment is kept here.
    return totals(items, Filter(segment=keep.segment))


def records(
    key: str,
    *,
    start: dt.datetime,
    end: dt.datetime,
    jurisdiction_ids: Iterable[int] | None = None,
    team_id: int | None = None,
    contractor_id: int | None = None,
    failing: bool = True,
) -> QuerySet[Case] | QuerySet[Contact] | QuerySet[Model]:
    """The records behind a figure: those in its denominator that fail it (or that meet it).

    Cases for case KPIs, contacts for contact KPIs, tracer state changes for
    utilisation (``failing`` does not apply: every change in the period is returned).
    Always computed from the records, so it agrees with ``measure(source="records")``.
    """
    d = definition(key)
    _check_period(start, end)
    places = None if jurisdiction_ids is None else frozenset(jurisdiction_ids)
    if d.subject == "tracer":
        return _state_changes(start, end, team_id=team_id, contractor_id=contractor_id)
    # Refuse a KPI without a per-record verdict before reading anything.
    if d.subject == "contact":
        meets(d, ContactFact(0, start.date(), 0, None, None, False, False, 0, 0))
    else:
        meets(d, CaseFact(0, start.date(), 0, None, None, False, 0, 0))
    keep = Filter(places, team_id, contractor_id, d.segment)
    wanted = not failing
    found: Iterable[CaseFact | ContactFact]
    model: type[Case] | type[Contact]
    if d.subject == "case":
        model = Case
        found = facts.case_facts(facts.scoped(facts.cases_in(start, end), places))  # type: ignore[arg-type]
    else:
        model = Contact
        found = facts.contact_facts(facts.scoped(facts.contacts_in(start, end), places))  # type: ignore[arg-type]
    ids = [f.id for f in found if _kept(keep, f) and meets(d, f) is wanted]
    return model.objects.filter(among(model, "id", ids))


def _kept(keep: Filter, fact: CaseFact | ContactFact) -> bool:
    subject = "case" if isinstance(fact, CaseFact) else "contact"
    household = isinstance(fact, ContactFact) and fact.is_household
    key = CellKey(
        fact.day,
        fact.jurisdiction_id,
        fact.team_id,
        fact.contractor_id,
        subject,
        fact.is_complex,
        household,
        "reach",
        None,
    )
    return keep.keeps(key)


# --- Tracer utilisation -------------------------------------------------------------------


def state_change_model() -> type[Model]:
    """``tracing.TracerStateChange(user, state, at)``, written by the tracing queue."""
    try:
        return apps.get_model("tracing", "TracerStateChange")
    except LookupError:
        raise RuntimeError(
            "Tracer utilisation needs tracing.TracerStateChange, which is not installed"
        ) from None


def _tracers(team_id: int | None, contractor_id: int | None) -> list[int] | None:
    if team_id is None and contractor_id is None:
        return None
    workers = facts._workers()
    return [
        pk
        for pk, (team, contractor) in workers.items()
        if (team_id is None or team == team_id)
        and (contractor_id is None or contractor == contractor_id)
    ]


def _state_changes(
    start: dt.datetime, end: dt.datetime, *, team_id: int | None, contractor_id: int | None
) -> QuerySet[Model]:
    model = state_change_model()
    rows = model.objects.filter(at__gte=start, at__lt=end)  # type: ignore[attr-defined]
    tracers = _tracers(team_id, contractor_id)
    if tracers is not None:
        rows = rows.filter(user_id__in=tracers)
    return rows.order_by("at", "pk")


def state_changes_for(
    start: dt.datetime, end: dt.datetime, tracers: list[int] | None = None
) -> list[StateChange]:
    """Each tracer's state at ``start`` and every change in [start, end)."""
    model = state_change_model()
    manager = model.objects  # type: ignore[attr-defined]
    before = manager.filter(at__lt=start)
    inside = manager.filter(at__gte=start, at__lt=end)
    if tracers is not None:
        before, inside = before.filter(user_id__in=tracers), inside.filter(user_id__in=tracers)
    latest = dict(before.values("user_id").annotate(last=Max("at")).values_list("user_id", "last"))
    out: list[StateChange] = []
    if latest:
        # One tracer may have two changes at the same instant: the later row wins.
        openers: dict[int, StateChange] = {}
        for user, state, at in (
            manager.filter(user_id__in=list(latest), at__in=set(latest.values()))
            .order_by("at", "pk")
            .values_list("user_id", "state", "at")
        ):
            if latest[user] == at:
                openers[user] = StateChange(user, state, at)
        out.extend(openers.values())
    out.extend(
        StateChange(user, state, at)
        for user, state, at in inside.order_by("at", "pk").values_list("user_id", "state", "at")
    )
    return out


def tracer_seconds(
    *,
    start: dt.datetime,
    end: dt.datetime,
    team_id: int | None = None,
    contractor_id: int | None = None,
    source: Source = "auto",
    now: dt.datetime | None = None,
) -> tuple[int, int]:
    """(busy seconds, available seconds) of the tracers chosen, in [start, end)."""
    use_summary = source == "summary" or (source == "auto" and is_whole_hours(start, end))
    if use_summary:
        from tracedesk.kpis.models import KpiTracerHour

        rows = KpiTracerHour.objects.filter(hour__gte=start, hour__lt=end)
        if team_id is not None:
            rows = rows.filter(team_id=team_id)
        if contractor_id is not None:
            rows = rows.filter(contractor_id=contractor_id)
        sums = rows.aggregate(busy=Sum("busy_seconds"), available=Sum("available_seconds"))
        return int(sums["busy"] or 0), int(sums["available"] or 0)
    stop = min(end, now or timezone.now())
    if stop <= start:
        return 0, 0
    seconds = state_seconds(
        state_changes_for(start, stop, _tracers(team_id, contractor_id)), start=start, end=stop
    )
    return sum(b for b, _ in seconds.values()), sum(a for _, a in seconds.values())
