"""Writes to tracing tasks: each atomic and audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.cases.models import Case, Contact, ContactType
from tracedesk.tracing.models import TaskKind, TaskStatus, TracingTask

ACTIVE = [TaskStatus.OPEN, TaskStatus.CLAIMED]


@transaction.atomic
def create_case_task(case: Case, *, due_by: dt.datetime, actor: object, source: str) -> TracingTask:
    """Create the task "reach this case" unless the case already has an active one."""
    existing = TracingTask.objects.filter(
        kind=TaskKind.REACH_CASE, case=case, status__in=ACTIVE
    ).first()
    if existing:
        return existing
    task = TracingTask.objects.create(
        kind=TaskKind.REACH_CASE,
        case=case,
        jurisdiction=case.jurisdiction,
        priority=2 if case.is_complex else 3,
        due_by=due_by,
        language=case.person.preferred_language,
    )
    record_event(actor, Action.CREATE, task, purpose="reach a new case", source=source)
    return task


@transaction.atomic
def create_contact_task(
    contact: Contact, *, due_by: dt.datetime, actor: object, source: str
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
    )
    record_event(actor, Action.CREATE, task, purpose="reach a new contact", source=source)
    return task
