"""Keep the KPI summary tables up to date, day by day, from the audit log of writes.

Every write in tracedesk records an audit event in its own transaction, naming the
records it touched. The refresh job reads the events since it last ran, finds the
days whose figures those records feed (a case's transfer day; for a contact, a
task or a call: their case's day; for a reached contact: every case that named the
same person) and rebuilds the cells of exactly those days from the records. A day
rebuilt twice gives the same rows, so the job is idempotent.

Events are re-read for ``LAG`` after they were written: a long transaction (a big
laboratory batch) may commit its events after a later, shorter one, and the
watermark must not step over them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tracedesk.audit.models import Action, AuditEvent
from tracedesk.bulk import among, insert_rows
from tracedesk.cases.models import Case, Contact
from tracedesk.geography.models import Jurisdiction
from tracedesk.ingest.models import TestResult
from tracedesk.kpis import facts
from tracedesk.kpis.formulas import OFFLINE, StateChange, cells, state_seconds
from tracedesk.kpis.models import KpiAreaCell, KpiCell, KpiRefreshState, KpiTracerHour
from tracedesk.tracing.models import CallAttempt, TracingTask

LAG = dt.timedelta(minutes=15)
STATE = "summaries"
WRITES = [Action.CREATE, Action.UPDATE, Action.DELETE]
WATCHED = [
    "cases.case",
    "cases.contact",
    "tracing.tracingtask",
    "tracing.callattempt",
    "ingest.testresult",
    "tracing.tracerstatechange",
]
CELL_COLUMNS = [
    "day",
    "jurisdiction_id",
    "team_id",
    "contractor_id",
    "subject",
    "is_complex",
    "is_household",
    "measure",
    "hours",
    "n",
    "seconds",
]


@transaction.atomic
def rebuild_day(day: dt.date) -> int:
    """Replace one day's cells with cells computed from the records; return the row count."""
    start, end = facts.day_start(day), facts.day_start(day + dt.timedelta(days=1))
    grouped = cells(
        facts.case_facts(facts.cases_in(start, end)),
        facts.contact_facts(facts.contacts_in(start, end)),
    )
    KpiCell.objects.filter(day=day).delete()
    KpiAreaCell.objects.filter(day=day).delete()
    rows = [
        (
            k.day,
            k.jurisdiction_id,
            k.team_id,
            k.contractor_id,
            k.subject,
            k.is_complex,
            k.is_household,
            k.measure,
            k.hours,
            v.n,
            v.seconds,
        )
        for k, v in grouped.items()
    ]
    insert_rows(KpiCell, CELL_COLUMNS, rows)
    areas: dict[tuple[object, ...], list[int]] = defaultdict(lambda: [0, 0])
    above = ancestors()
    for k, v in grouped.items():
        for place in above.get(k.jurisdiction_id, (k.jurisdiction_id,)):
            area = areas[
                (k.day, place, k.subject, k.is_complex, k.is_household, k.measure, k.hours)
            ]
            area[0] += v.n
            area[1] += v.seconds
    insert_rows(
        KpiAreaCell,
        [c for c in CELL_COLUMNS if c not in {"team_id", "contractor_id"}],
        [(*key, n, seconds) for key, (n, seconds) in areas.items()],
    )
    return len(rows)


def ancestors() -> dict[int, tuple[int, ...]]:
    """Each jurisdiction's id with the ids of every jurisdiction above it."""
    rows = list(Jurisdiction.objects.values_list("pk", "code", "path"))
    by_code = {code: pk for pk, code, _path in rows}
    return {
        pk: tuple(by_code[code] for code in path.strip("/").split("/") if code in by_code)
        for pk, _code, path in rows
    }


def rebuild_days(days: Iterable[dt.date]) -> int:
    return sum(rebuild_day(day) for day in sorted(set(days)))


def hour_of(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def hourly_seconds(
    changes: list[StateChange], *, start: dt.datetime, end: dt.datetime
) -> dict[tuple[dt.datetime, int], tuple[int, int]]:
    """(busy, available) seconds per (clock hour, tracer) in [start, end); start is an hour."""
    by_tracer: dict[int, list[StateChange]] = defaultdict(list)
    for change in changes:
        by_tracer[change.tracer_id].append(change)
    out: dict[tuple[dt.datetime, int], tuple[int, int]] = {}
    for tracer, rows in by_tracer.items():
        rows.sort(key=lambda c: c.at)
        for index, change in enumerate(rows):
            begin = max(change.at, start)
            finish = min(rows[index + 1].at if index + 1 < len(rows) else end, end)
            if finish <= begin or change.state == OFFLINE:
                continue
            hour = hour_of(begin)
            while hour < finish:
                cut = hour + dt.timedelta(hours=1)
                piece = state_seconds(
                    [StateChange(tracer, change.state, begin)],
                    start=max(begin, hour),
                    end=min(finish, cut),
                )
                busy, available = piece.get(tracer, (0, 0))
                old = out.get((hour, tracer), (0, 0))
                out[(hour, tracer)] = (old[0] + busy, old[1] + available)
                hour = cut
    return {key: value for key, value in out.items() if value[1]}


@transaction.atomic
def rebuild_hours(first: dt.datetime, *, now: dt.datetime) -> int:
    """Replace the tracer rows of every hour from the one holding ``first`` up to ``now``."""
    from tracedesk.kpis.engine import state_changes_for

    start = hour_of(first)
    KpiTracerHour.objects.filter(hour__gte=start).delete()
    if now <= start:
        return 0
    seconds = hourly_seconds(state_changes_for(start, now), start=start, end=now)
    workers = facts._workers()
    rows = [
        (hour, tracer, *workers.get(tracer, (None, None)), busy, available)
        for (hour, tracer), (busy, available) in sorted(seconds.items())
    ]
    insert_rows(
        KpiTracerHour,
        ["hour", "tracer_id", "team_id", "contractor_id", "busy_seconds", "available_seconds"],
        rows,
    )
    return len(rows)


def _ids(events: Iterable[tuple[str, str, list[int]]]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {label: set() for label in WATCHED}
    for label, one, many in events:
        if one.isdigit():
            out[label].add(int(one))
        out[label].update(int(i) for i in many or [])
    return out


def days_of_cases(case_ids: Iterable[int]) -> set[dt.date]:
    days: set[dt.date] = set()
    ids = list(case_ids)
    for start in range(0, len(ids), facts.CHUNK):
        part = ids[start : start + facts.CHUNK]
        days.update(
            facts.local_day(t)
            for t in Case.objects.filter(among(Case, "id", part)).values_list(
                "created_at", flat=True
            )
        )
    return days


def affected(changed: dict[str, set[int]]) -> tuple[set[dt.date], dt.datetime | None]:
    """The days whose cells, and the first hour whose tracer time, the changed records feed."""
    cases = set(changed["cases.case"])
    cases.update(
        Contact.objects.filter(among(Contact, "id", changed["cases.contact"])).values_list(
            "case_id", flat=True
        )
    )
    cases.update(
        TestResult.objects.filter(among(TestResult, "id", changed["ingest.testresult"]))
        .exclude(case=None)
        .values_list("case_id", flat=True)
    )
    task_ids = set(changed["tracing.tracingtask"])
    task_ids.update(
        CallAttempt.objects.filter(
            among(CallAttempt, "id", changed["tracing.callattempt"])
        ).values_list("task_id", flat=True)
    )
    tasks = TracingTask.objects.filter(among(TracingTask, "id", task_ids))
    cases.update(c for c in tasks.values_list("case_id", flat=True) if c is not None)
    # Reaching a person reaches every contact naming them (see facts.contact_facts).
    people = set(tasks.exclude(contact=None).values_list("contact__person_id", flat=True))
    cases.update(
        Contact.objects.filter(among(Contact, "person", people)).values_list("case_id", flat=True)
    )
    first_hour = None
    if changed["tracing.tracerstatechange"]:
        from tracedesk.kpis.engine import state_change_model

        model = state_change_model()
        first_hour = (
            model.objects.filter(pk__in=sorted(changed["tracing.tracerstatechange"]))  # type: ignore[attr-defined]
            .order_by("at")
            .values_list("at", flat=True)
            .first()
        )
    return days_of_cases(cases), first_hour


def refresh(now: dt.datetime, *, dry_run: bool = False) -> dict[str, int]:
    """Rebuild the days and hours that writes since the last run have changed."""
    state, _ = KpiRefreshState.objects.get_or_create(name=STATE)
    events = AuditEvent.objects.filter(
        Q(pk__gt=state.audit_event_id), action__in=WRITES, object_type__in=WATCHED
    )
    rows = list(events.values_list("pk", "at", "object_type", "object_id", "object_ids"))
    days, first_hour = affected(_ids((label, one, many) for _, _, label, one, many in rows))
    # The current hour of tracer time keeps growing while tracers stay in a state.
    current = hour_of(now)
    first_hour = min(hour_of(first_hour), current) if first_hour else current
    counts = {"events": len(rows), "days": len(days), "hours": 0, "cells": 0}
    if dry_run:
        return counts
    counts["cells"] = rebuild_days(days)
    try:
        counts["hours"] = rebuild_hours(first_hour, now=now)
    except RuntimeError:  # no tracer states installed: nothing to summarise
        counts["hours"] = 0
    settled = [pk for pk, at, *_ in rows if at < now - LAG]
    if settled:
        state.audit_event_id = max(settled)
    state.refreshed_at = now
    state.save(update_fields=["audit_event_id", "refreshed_at"])
    return counts


def rebuild_recent(now: dt.datetime, *, days: int = 14, dry_run: bool = False) -> dict[str, int]:
    """Rebuild the last ``days`` days outright: catches changes no audit event names
    (a tracer moving team, two people merged)."""
    today = facts.local_day(now)
    wanted = [today - dt.timedelta(days=offset) for offset in range(days)]
    if dry_run:
        return {"days": len(wanted), "cells": 0}
    return {"days": len(wanted), "cells": rebuild_days(wanted)}


def rebuild_all(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Rebuild every day with a case and every hour with tracer states (demo, restore)."""
    now = now or timezone.now()
    seen = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    days = {
        facts.local_day(t) for t in Case.objects.values_list("created_at", flat=True).iterator()
    }
    KpiCell.objects.exclude(day__in=days).delete()
    KpiAreaCell.objects.exclude(day__in=days).delete()
    counts = {"days": len(days), "cells": rebuild_days(days), "hours": 0}
    try:
        from tracedesk.kpis.engine import state_change_model

        first = state_change_model().objects.order_by("at").values_list("at", flat=True).first()  # type: ignore[attr-defined]
    except RuntimeError:
        first = None
    if first is not None:
        counts["hours"] = rebuild_hours(first, now=now)
    KpiRefreshState.objects.update_or_create(
        name=STATE,
        defaults={"audit_event_id": seen, "refreshed_at": now},
    )
    return counts
