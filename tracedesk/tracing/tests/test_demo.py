from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tracedesk.testing.world import World
from tracedesk.tracing.demo import populate
from tracedesk.tracing.models import TracerStateChange, TracingTask
from tracedesk.tracing.states import utilisation


def test_demo_step_gives_the_console_tracers_with_states_and_is_repeatable(world: World) -> None:
    summary = populate(seed=3)
    assert summary.startswith("Tracing queue:")
    pool = TracerStateChange.objects.filter(user__username__startswith="demo.pool.")
    assert pool.exists()
    changes = TracerStateChange.objects.count()
    populate(seed=3)
    assert TracerStateChange.objects.count() == changes  # a second run adds no history
    deferred = TracingTask.objects.filter(available_from__isnull=False).count()
    assert deferred >= 1
    now = timezone.now()
    ids = list(pool.values_list("user_id", flat=True).distinct())
    values = utilisation(ids, now - dt.timedelta(days=1), now)
    assert any(v is not None and 0 < v < 1 for v in values.values())
