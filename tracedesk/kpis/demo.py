"""Demo step: tracer shifts around the replayed calls, then the KPI summaries built from it all."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from tracedesk.audit.actions import record_events
from tracedesk.audit.models import Action
from tracedesk.kpis.summary import rebuild_all
from tracedesk.tracing.models import CallAttempt, TracerState, TracerStateChange

SOURCE = "demo"


@transaction.atomic
def add_shifts(*, days: int = 14) -> int:
    """Give each tracer who made calls a working day around them: available before the first,
    on a call and in wrap-up for each, available between, offline an hour after the last.

    Only tracers with no state recorded before: a demo run is built once, from empty.
    """
    since = timezone.now() - dt.timedelta(days=days)
    calls: dict[tuple[int, dt.date], list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    for tracer, started, ended in (
        CallAttempt.objects.filter(started_at__gte=since)
        .exclude(ended_at=None)
        .order_by("tracer_id", "started_at")
        .values_list("tracer_id", "started_at", "ended_at")
    ):
        if ended is not None:
            calls[(tracer, timezone.localtime(started).date())].append((started, ended))
    busy_tracers = {tracer for tracer, _ in calls}
    TracerStateChange.objects.filter(user_id__in=busy_tracers, at__gte=since).delete()
    rows: list[TracerStateChange] = []
    for (tracer, _day), attempts in calls.items():
        rows.append(
            TracerStateChange(
                user_id=tracer,
                state=TracerState.AVAILABLE,
                at=attempts[0][0] - dt.timedelta(minutes=30),
            )
        )
        free_from = attempts[0][0]
        for started, ended in attempts:
            if started < free_from:  # overlapping replayed calls: the tracer takes them in turn
                continue
            rows.append(TracerStateChange(user_id=tracer, state=TracerState.ON_CALL, at=started))
            rows.append(TracerStateChange(user_id=tracer, state=TracerState.WRAP_UP, at=ended))
            free_from = ended + dt.timedelta(minutes=4)
            rows.append(
                TracerStateChange(user_id=tracer, state=TracerState.AVAILABLE, at=free_from)
            )
        rows.append(
            TracerStateChange(
                user_id=tracer, state=TracerState.OFFLINE, at=free_from + dt.timedelta(hours=1)
            )
        )
    made = TracerStateChange.objects.bulk_create(rows, batch_size=2000)
    record_events(
        None,
        Action.CREATE,
        TracerStateChange,
        [r.pk for r in made],
        purpose="demo tracer shifts",
        source=SOURCE,
    )
    return len(made)


def populate(*, seed: int) -> str:
    """Tracer shifts, then every KPI summary rebuilt from the records."""
    shifts = add_shifts()
    counts = rebuild_all()
    return (
        f"KPIs: {shifts} tracer state changes added; summaries for {counts['days']} days "
        f"({counts['cells']} cells, {counts['hours']} tracer hours) — see /kpis/."
    )
