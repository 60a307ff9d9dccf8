"""The one place that scopes tracing tasks to a user."""

from __future__ import annotations

from django.db.models import QuerySet

from tracedesk.accounts.roles import Right
from tracedesk.accounts.scope import within_scope
from tracedesk.tracing.models import CallAttempt, TracingTask


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
