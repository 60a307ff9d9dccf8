"""The one place that scopes tracing tasks to a user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from tracedesk.accounts.models import User
from tracedesk.accounts.roles import Right, Role, require
from tracedesk.accounts.scope import scope_ids, within_scope
from tracedesk.tracing.models import CallAttempt, TracingTask
from tracedesk.tracing.queue import eligible_tasks

QUEUE_COUNT_CAP = 1000  # the tracer's page says "1000 or more" beyond this


def tasks_for(user: object) -> QuerySet[TracingTask]:
    """Return the tasks in the user's jurisdictions (403 for roles that do no tracing)."""
    return within_scope(
        user,
        TracingTask.objects.select_related("case__person", "contact__person", "setting"),
        Right.WORK_TASKS,
    )


def attempts_for(user: object) -> QuerySet[CallAttempt]:
    """Return the call attempts on tasks in the user's scope."""
    return CallAttempt.objects.filter(task__in=tasks_for(user))


def task_for(user: object, task_id: int) -> TracingTask:
    """Return one task in the user's scope, or raise Http404."""
    return get_object_or_404(tasks_for(user).select_related("assignee"), pk=task_id)


def queue_size_for(user: User) -> int:
    """How many waiting tasks this tracer could take now, counted up to ``QUEUE_COUNT_CAP``."""
    require(user, Right.WORK_TASKS)
    return eligible_tasks(user, now=timezone.now())[:QUEUE_COUNT_CAP].count()


def tracers_for(user: object) -> QuerySet[User]:
    """The active tracers a supervisor oversees: those with a jurisdiction in their scope."""
    require(user, Right.SUPERVISE)
    return (
        User.objects.filter(role=Role.TRACER, is_active=True, jurisdictions__in=scope_ids(user))
        .distinct()
        .select_related("team")
        .order_by("username")
    )
