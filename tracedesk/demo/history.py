"""Replay plausible tracing work on a loaded outbreak so that the demo's pages show a
service in motion: older tasks mostly done, recent ones waiting, a few overdue."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from tracedesk.accounts.models import User
from tracedesk.accounts.roles import Role
from tracedesk.demo.people import history_tracer
from tracedesk.tracing.actions import claim_task, record_call_attempt
from tracedesk.tracing.models import Outcome, TaskStatus, TracingTask

SOURCE = "demo"


def replay_tracing(*, seed: int, reach_share: float = 0.85) -> dict[str, int]:
    """Work the tasks older than a day; claim a few recent ones for each demo tracer.

    Each area's past calls are made by a tracer scoped to that area, so the audit
    trail of the demo shows no access outside anyone's scope.
    """
    rng = random.Random(seed)  # noqa: S311  (a reproducible demo, not a secret)
    now = timezone.now()
    counts = {"reached": 0, "not_reached": 0, "claimed": 0}
    tracers: dict[int, User] = {}
    old = TracingTask.objects.filter(
        status=TaskStatus.OPEN, created_at__lt=now - dt.timedelta(days=1)
    )
    for task in old.select_related("jurisdiction").order_by("created_at"):
        if task.jurisdiction_id not in tracers:
            tracers[task.jurisdiction_id] = history_tracer(task.jurisdiction)
        started = task.created_at + dt.timedelta(hours=rng.uniform(1, 40))
        reached = rng.random() < reach_share
        record_call_attempt(
            task,
            tracer=tracers[task.jurisdiction_id],
            outcome=Outcome.REACHED if reached else Outcome.NO_ANSWER,
            started_at=started,
            ended_at=started + dt.timedelta(minutes=rng.uniform(3, 25)),
            source=SOURCE,
        )
        counts["reached" if reached else "not_reached"] += 1
    signed_in = User.objects.filter(role=Role.TRACER, username__startswith="demo.", is_active=True)
    for tracer in signed_in:
        recent = TracingTask.objects.filter(
            status=TaskStatus.OPEN, jurisdiction__in=tracer.jurisdictions.all()
        )
        for task in recent.order_by("due_by")[:3]:
            claim_task(task, tracer=tracer, source=SOURCE)
            counts["claimed"] += 1
    return counts
