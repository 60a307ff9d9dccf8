"""Replay plausible tracing work on a loaded outbreak so that the demo's pages show a
service in motion: older tasks mostly done, recent ones waiting, a few overdue."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from tracedesk.accounts.models import User
from tracedesk.accounts.roles import Role
from tracedesk.tracing.actions import claim_task, record_call_attempt
from tracedesk.tracing.models import Outcome, TaskStatus, TracingTask

SOURCE = "demo"


def replay_tracing(*, seed: int, reach_share: float = 0.85) -> dict[str, int]:
    """Work the tasks older than a day; claim a few recent ones for each demo tracer."""
    rng = random.Random(seed)  # noqa: S311  (a reproducible demo, not a secret)
    now = timezone.now()
    counts = {"reached": 0, "not_reached": 0, "claimed": 0}
    tracers = {
        user.jurisdictions.values_list("id", flat=True).first(): user
        for user in User.objects.filter(role=Role.TRACER, username__startswith="demo.")
    }
    anyone = next(iter(tracers.values()), None)
    if anyone is None:
        return counts
    old = TracingTask.objects.filter(
        status=TaskStatus.OPEN, created_at__lt=now - dt.timedelta(days=1)
    )
    for task in old.order_by("created_at").iterator():
        tracer = tracers.get(task.jurisdiction_id, anyone)
        started = task.created_at + dt.timedelta(hours=rng.uniform(1, 40))
        if rng.random() < reach_share:
            outcome, counts_key = Outcome.REACHED, "reached"
        else:
            outcome, counts_key = Outcome.NO_ANSWER, "not_reached"
        record_call_attempt(
            task,
            tracer=tracer,
            outcome=outcome,
            started_at=started,
            ended_at=started + dt.timedelta(minutes=rng.uniform(3, 25)),
            source=SOURCE,
        )
        counts[counts_key] += 1
    for jurisdiction_id, tracer in tracers.items():
        if jurisdiction_id is None:
            continue
        recent = TracingTask.objects.filter(status=TaskStatus.OPEN, jurisdiction_id=jurisdiction_id)
        for task in recent.order_by("due_by")[:3]:
            claim_task(task, tracer=tracer, source=SOURCE)
            counts["claimed"] += 1
    return counts
