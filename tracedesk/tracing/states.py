"""Time in each tracer state, and utilisation: (on_call + wrap_up) / time not offline."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Max

from tracedesk.tracing.models import TracerState, TracerStateChange

BUSY = frozenset({TracerState.ON_CALL, TracerState.WRAP_UP})


def time_in_states(
    user_ids: Iterable[int], start: dt.datetime, end: dt.datetime
) -> dict[int, dict[str, dt.timedelta]]:
    """Each user's time in each state between ``start`` and ``end``.

    The state at ``start`` is the user's latest change before it (offline if none).
    """
    ids = list(user_ids)
    totals: dict[int, dict[str, dt.timedelta]] = {pk: defaultdict(dt.timedelta) for pk in ids}
    before = dict(
        TracerStateChange.objects.filter(user_id__in=ids, at__lt=start)
        .values("user_id")
        .annotate(last=Max("at"))
        .values_list("user_id", "last")
    )
    state_at_start: dict[int, str] = {}
    for user_id, state, at in TracerStateChange.objects.filter(
        user_id__in=ids, at__in=list(before.values())
    ).values_list("user_id", "state", "at"):
        if before.get(user_id) == at:
            state_at_start[user_id] = state
    changes = TracerStateChange.objects.filter(user_id__in=ids, at__gte=start, at__lt=end).order_by(
        "user_id", "at", "pk"
    )
    current = {pk: (state_at_start.get(pk, TracerState.OFFLINE.value), start) for pk in ids}
    for user_id, state, at in changes.values_list("user_id", "state", "at"):
        was, since = current[user_id]
        totals[user_id][was] += at - since
        current[user_id] = (state, at)
    for user_id, (state, since) in current.items():
        totals[user_id][state] += end - since
    return {pk: dict(states) for pk, states in totals.items()}


def utilisation(
    user_ids: Iterable[int], start: dt.datetime, end: dt.datetime
) -> dict[int, float | None]:
    """(on_call + wrap_up) / time not offline, per user; None when never signed in to work."""
    result: dict[int, float | None] = {}
    for user_id, states in time_in_states(user_ids, start, end).items():
        working = sum((t for s, t in states.items() if s != TracerState.OFFLINE), dt.timedelta())
        busy = sum((t for s, t in states.items() if s in BUSY), dt.timedelta())
        result[user_id] = busy / working if working else None
    return result
