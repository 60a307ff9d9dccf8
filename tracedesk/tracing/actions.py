"""Writes to tracing tasks: each atomic and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tracedesk.accounts.models import User
from tracedesk.audit.actions import record_event, record_events
from tracedesk.audit.models import Action
from tracedesk.bulk import among, insert_rows
from tracedesk.cases.models import Case, Contact, ContactType
from tracedesk.tracing.models import CallAttempt, Outcome, TaskKind, TaskStatus, TracingTask

ACTIVE = [TaskStatus.OPEN, TaskStatus.CLAIMED]


@transaction.atomic
def create_case_tasks(
    case_ids: Iterable[int],
    *,
    due_by: dt.datetime,
    created_at: dt.datetime | None = None,
    actor: object,
    source: str,
) -> dict[int, int]:
    """Create the task "reach this case" for each case that has no active one.

    Returns each case's active task id (the new one, or the one it already had).
    Set-based: three statements and one audit event for any number of cases.
    """
    cases = set(case_ids)
    tasks = dict(
        TracingTask.objects.filter(
            among(TracingTask, "case", cases), kind=TaskKind.REACH_CASE, status__in=ACTIVE
        ).values_list("case_id", "pk")
    )
    wanted = (
        Case.objects.filter(among(Case, "id", cases - tasks.keys()))
        .order_by("pk")
        .values_list("pk", "jurisdiction_id", "is_complex", "person__preferred_language")
    )
    now = created_at or timezone.now()
    rows: list[tuple[object, ...]] = [
        (TaskKind.REACH_CASE, case, place, 2 if complex_ else 3, due_by, TaskStatus.OPEN,
         language, [], now)
        for case, place, complex_, language in wanted
    ]  # fmt: skip
    ids = insert_rows(
        TracingTask,
        [*("kind", "case", "jurisdiction", "priority", "due_by", "status", "language"),
         *("required_skills", "created_at")],
        rows,
    )  # fmt: skip
    record_events(actor, Action.CREATE, TracingTask, ids, purpose="reach a new case", source=source)
    tasks.update(zip((int(row[1]) for row in rows), ids, strict=True))  # type: ignore[call-overload]
    return tasks


def create_case_task(
    case: Case,
    *,
    due_by: dt.datetime,
    created_at: dt.datetime | None = None,
    actor: object,
    source: str,
) -> TracingTask:
    """Create the task "reach this case" unless the case already has an active one."""
    tasks = create_case_tasks(
        [case.pk], due_by=due_by, created_at=created_at, actor=actor, source=source
    )
    return TracingTask.objects.get(pk=tasks[case.pk])


@transaction.atomic
def create_contact_task(
    contact: Contact,
    *,
    due_by: dt.datetime,
    created_at: dt.datetime | None = None,
    actor: object,
    source: str,
) -> TracingTask | None:
    """Create the task "reach this contact", unless the person is already being reached.

    A person named by two cases is called once: the second contact rides on the
    first one's active task (None is returned).
    """
    if TracingTask.objects.filter(
        kind=TaskKind.REACH_CONTACT, contact__person=contact.person, status__in=ACTIVE
    ).exists():
        return None
    task = TracingTask.objects.create(
        kind=TaskKind.REACH_CONTACT,
        contact=contact,
        case=contact.case,
        jurisdiction=contact.jurisdiction,
        priority=2 if contact.contact_type == ContactType.HOUSEHOLD else 3,
        due_by=due_by,
        language=contact.person.preferred_language,
        created_at=created_at or timezone.now(),
    )
    record_event(actor, Action.CREATE, task, purpose="reach a new contact", source=source)
    return task


@transaction.atomic
def record_call_attempt(
    task: TracingTask,
    *,
    tracer: User,
    outcome: str,
    started_at: dt.datetime,
    ended_at: dt.datetime,
    callback_at: dt.datetime | None = None,
    source: str,
) -> CallAttempt:
    """Record one attempt on a task; reaching the person completes the task."""
    if task.status not in ACTIVE:
        raise ValidationError({"task": f"task {task.pk} is {task.get_status_display().lower()}"})
    attempt = CallAttempt(
        task=task,
        tracer=tracer,
        outcome=outcome,
        started_at=started_at,
        ended_at=ended_at,
        callback_at=callback_at,
    )
    attempt.full_clean()
    attempt.save()
    record_event(tracer, Action.CREATE, attempt, purpose="call attempt", source=source)
    if outcome == Outcome.REACHED:
        task.status = TaskStatus.DONE
        task.completed_at = ended_at
        task.save(update_fields=["status", "completed_at"])
        record_event(
            tracer,
            Action.UPDATE,
            task,
            purpose="person reached",
            source=source,
            fields=["status", "completed_at"],
        )
    return attempt


@transaction.atomic
def claim_task(task: TracingTask, *, tracer: User, source: str) -> TracingTask:
    """Give a waiting task to a tracer (the queue issue replaces this with "next")."""
    updated = TracingTask.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
        status=TaskStatus.CLAIMED, assignee=tracer
    )
    if not updated:
        raise ValidationError({"task": f"task {task.pk} is no longer waiting"})
    task.refresh_from_db()
    record_event(
        tracer,
        Action.UPDATE,
        task,
        purpose="task claimed",
        source=source,
        fields=["status", "assignee"],
    )
    return task
