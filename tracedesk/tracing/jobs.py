"""Time-driven tracing work, run by ``tracedesk worker`` (each job idempotent).

- ``tracing.callbacks_due``: a callback whose time has come goes to the front of the
  queue (priority 1): the person was promised a call then.
- ``tracing.deadline_breaches``: a waiting task past its deadline goes to the front of
  the queue; a task whose retry window has run out without a last attempt is escalated.
- ``tracing.release_abandoned``: a task held by a tracer who went offline more than
  ``ABANDONED_AFTER`` ago goes back to the queue.
- ``tracing.lend_idle_capacity``: idle tracers (available, holding nothing) are given
  at-risk tasks of any team or contractor whose area, language and skills they cover,
  by a min-cost assignment (most urgent tasks first, own team preferred).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from scipy.optimize import linear_sum_assignment

from tracedesk.accounts.models import TracerProfile, User
from tracedesk.accounts.roles import Role
from tracedesk.accounts.scope import scope_ids
from tracedesk.audit.actions import record_events
from tracedesk.audit.models import Action
from tracedesk.tracing.actions import assign_tasks, current_states
from tracedesk.tracing.models import (
    CallAttempt,
    Escalation,
    Outcome,
    TaskStatus,
    TracerState,
    TracingTask,
)
from tracedesk.worker.registry import Job

SOURCE = "worker"
ABANDONED_AFTER = dt.timedelta(minutes=30)
MAX_MATCH = 500  # tasks and tracers considered by one assignment round
UNFIT = 1e9


def _raise_to_front(ids: list[int], *, purpose: str) -> None:
    with transaction.atomic():
        TracingTask.objects.filter(pk__in=ids).update(priority=1)
        record_events(None, Action.UPDATE, TracingTask, ids, purpose=purpose, source=SOURCE)


def callbacks_due(now: dt.datetime, dry_run: bool) -> dict[str, int]:
    last_outcome = Subquery(
        CallAttempt.objects.filter(task=OuterRef("pk"))
        .order_by("-started_at", "-pk")
        .values("outcome")[:1]
    )
    due = list(
        TracingTask.objects.filter(status=TaskStatus.OPEN, available_from__lte=now, priority__gt=1)
        .annotate(last=last_outcome)
        .filter(last=Outcome.CALLBACK)
        .values_list("pk", flat=True)
    )
    if due and not dry_run:
        _raise_to_front(due, purpose="callback due")
    return {"callbacks_due": len(due)}


def deadline_breaches(now: dt.datetime, dry_run: bool) -> dict[str, int]:
    overdue = list(
        TracingTask.objects.filter(
            status=TaskStatus.OPEN, due_by__lt=now, priority__gt=1
        ).values_list("pk", flat=True)
    )
    if overdue and not dry_run:
        _raise_to_front(overdue, purpose="deadline passed")
    window = dt.timedelta(hours=settings.TRACING_RETRY_WINDOW_HOURS)
    first_attempt = Subquery(
        CallAttempt.objects.filter(task=OuterRef("pk"))
        .order_by("started_at")
        .values("started_at")[:1]
    )
    expired = list(
        TracingTask.objects.filter(status=TaskStatus.OPEN)
        .annotate(first=first_attempt)
        .filter(first__lt=now - window)
        .values_list("pk", flat=True)
    )
    if expired and not dry_run:
        with transaction.atomic():
            TracingTask.objects.filter(pk__in=expired, status=TaskStatus.OPEN).update(
                status=TaskStatus.ESCALATED,
                escalation=Escalation(settings.TRACING_ESCALATE_TO),
                completed_at=now,
            )
            record_events(None, Action.UPDATE, TracingTask, expired,
                          purpose="retry window over: escalated", source=SOURCE)  # fmt: skip
    return {"overdue_moved_up": len(overdue), "escalated": len(expired)}


def release_abandoned(now: dt.datetime, dry_run: bool) -> dict[str, int]:
    holders = set(
        TracingTask.objects.filter(status=TaskStatus.CLAIMED, assignee__isnull=False).values_list(
            "assignee_id", flat=True
        )
    )
    gone = [
        pk
        for pk, (state, since) in current_states(holders).items()
        if state == TracerState.OFFLINE and since is not None and since < now - ABANDONED_AFTER
    ]
    ids = list(
        TracingTask.objects.filter(
            status=TaskStatus.CLAIMED, assignee_id__in=gone, claimed_at__lt=now - ABANDONED_AFTER
        ).values_list("pk", flat=True)
    )
    if ids and not dry_run:
        with transaction.atomic():
            TracingTask.objects.filter(pk__in=ids, status=TaskStatus.CLAIMED).update(
                status=TaskStatus.OPEN, assignee=None, claimed_at=None
            )
            record_events(None, Action.UPDATE, TracingTask, ids,
                          purpose="tracer offline: back to the queue", source=SOURCE)  # fmt: skip
    return {"released": len(ids)}


def _idle_tracers(now: dt.datetime) -> list[User]:
    holding = TracingTask.objects.filter(status=TaskStatus.CLAIMED).values("assignee_id")
    candidates = list(
        User.objects.filter(role=Role.TRACER, is_active=True)
        .exclude(pk__in=holding)
        .select_related("team")
        .order_by("pk")
    )
    states = current_states([u.pk for u in candidates])
    return [u for u in candidates if states[u.pk][0] == TracerState.AVAILABLE][:MAX_MATCH]


def plan_assignment(
    tasks: list[TracingTask], tracers: list[User], *, now: dt.datetime
) -> list[tuple[TracingTask, User]]:
    """Pair idle tracers with at-risk tasks: most urgent first, own team preferred.

    The cost of giving task j to tracer i is minus the task's urgency (priority, then
    minutes left), plus a small penalty when the tracer is from another team or
    contractor; a pair the tracer may not take costs ``UNFIT`` and is never kept.
    """
    if not tasks or not tracers:
        return []
    profiles = {
        p.user_id: p for p in TracerProfile.objects.filter(user__in=tracers)
    }  # languages and skills
    team_of_area: dict[int, set[int]] = {}
    for user_id, area in User.jurisdictions.through.objects.filter(
        user__role=Role.TRACER
    ).values_list("user_id", "jurisdiction_id"):
        team_of_area.setdefault(area, set()).add(user_id)
    teams = {u.pk: u.team_id for u in User.objects.filter(role=Role.TRACER)}
    cost = np.full((len(tracers), len(tasks)), UNFIT)
    for i, tracer in enumerate(tracers):
        covered = scope_ids(tracer)
        profile = profiles.get(tracer.pk)
        languages = set(profile.languages if profile and profile.languages else ["en"])
        skills = set(profile.skills if profile else [])
        for j, task in enumerate(tasks):
            if task.jurisdiction_id not in covered or task.language not in languages:
                continue
            if not set(task.required_skills) <= skills:
                continue
            minutes_left = (task.due_by - now).total_seconds() / 60
            urgency = (6 - task.priority) * 100_000 - minutes_left
            local_teams = {teams.get(u) for u in team_of_area.get(task.jurisdiction_id, set())}
            penalty = 0 if tracer.team_id in local_teams else 1
            cost[i, j] = -urgency + penalty
    rows, cols = linear_sum_assignment(cost)
    return [(tasks[j], tracers[i]) for i, j in zip(rows, cols, strict=True) if cost[i, j] < UNFIT]


def lend_idle_capacity(now: dt.datetime, dry_run: bool) -> dict[str, int]:
    soon = now + dt.timedelta(hours=settings.TRACING_AT_RISK_HOURS)
    tasks = list(
        TracingTask.objects.filter(status=TaskStatus.OPEN, due_by__lt=soon)
        .filter(Q(available_from__isnull=True) | Q(available_from__lte=now))
        .order_by("priority", "due_by", "pk")[:MAX_MATCH]
    )
    tracers = _idle_tracers(now) if tasks else []
    pairs = plan_assignment(tasks, tracers, now=now)
    assigned = 0
    if not dry_run:
        for task, tracer in pairs:
            assigned += len(
                assign_tasks(
                    [task.pk],
                    to=tracer,
                    actor=None,
                    source=SOURCE,
                    purpose="idle capacity: at-risk task",
                    only_waiting=True,
                )
            )
    return {
        "at_risk": len(tasks),
        "idle_tracers": len(tracers),
        "assigned": assigned if not dry_run else len(pairs),
    }


JOBS = [
    Job("tracing.callbacks_due", every=dt.timedelta(minutes=1), run=callbacks_due),
    Job("tracing.deadline_breaches", every=dt.timedelta(minutes=5), run=deadline_breaches),
    Job("tracing.release_abandoned", every=dt.timedelta(minutes=5), run=release_abandoned),
    Job("tracing.lend_idle_capacity", every=dt.timedelta(minutes=2), run=lend_idle_capacity),
]
