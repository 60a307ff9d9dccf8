"""Small, fast builders of tracing histories for KPI tests (synthetic people only)."""

from __future__ import annotations

import datetime as dt
import itertools

from django.db import transaction

from tracedesk.accounts.models import User
from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.cases.models import Case, Contact
from tracedesk.geography.models import Jurisdiction
from tracedesk.ingest.models import TestResult
from tracedesk.people.models import Person
from tracedesk.tracing.actions import create_case_task, create_contact_task, record_call_attempt
from tracedesk.tracing.models import Outcome, TracingTask

_serial = itertools.count(1)


@transaction.atomic
def person(place: Jurisdiction) -> Person:
    n = next(_serial)
    return Person.objects.create(first_name=f"Synth{n}", last_name="Kpi", jurisdiction=place)


@transaction.atomic
def case(
    place: Jurisdiction,
    *,
    transferred: dt.datetime,
    specimen: dt.datetime | None = None,
    result: dt.datetime | None = None,
    is_complex: bool = False,
) -> Case:
    """A case transferred at ``transferred``, its positive result and its 'reach' task."""
    specimen = specimen or transferred - dt.timedelta(hours=30)
    made = Case.objects.create(
        person=person(place),
        jurisdiction=place,
        first_specimen_at=specimen,
        latest_specimen_at=specimen,
        is_complex=is_complex,
        created_at=transferred,
    )
    record_event(None, Action.CREATE, made, purpose="test case", source="tests")
    if result is not None:
        test = TestResult.objects.create(
            lab_code="LAB-KPI",
            specimen_id=f"K{made.pk}",
            test_code="94500-6",
            result="positive",
            specimen_collected_at=specimen,
            result_at=result,
            person=made.person,
            case=made,
            jurisdiction=place,
        )
        record_event(None, Action.CREATE, test, purpose="test result", source="tests")
    create_case_task(
        made,
        due_by=transferred + dt.timedelta(hours=24),
        created_at=transferred,
        actor=None,
        source="tests",
    )
    return made


@transaction.atomic
def contact(
    of: Case,
    *,
    reported: dt.datetime,
    household: bool = False,
    place: Jurisdiction | None = None,
    who: Person | None = None,
) -> Contact:
    made = Contact.objects.create(
        case=of,
        person=who or person(place or of.jurisdiction),
        jurisdiction=place or of.jurisdiction,
        contact_type="household" if household else "social",
        last_exposure_date=reported.date(),
        reported_at=reported,
    )
    record_event(None, Action.CREATE, made, purpose="test contact", source="tests")
    create_contact_task(
        made,
        due_by=reported + dt.timedelta(hours=24),
        created_at=reported,
        actor=None,
        source="tests",
    )
    return made


def reach(task: TracingTask, tracer: User, at: dt.datetime, *, reached: bool = True) -> None:
    record_call_attempt(
        task,
        tracer=tracer,
        outcome=Outcome.REACHED if reached else Outcome.NO_ANSWER,
        started_at=at - dt.timedelta(minutes=10),
        ended_at=at,
        source="tests",
    )


def reach_case(c: Case, tracer: User, at: dt.datetime) -> None:
    reach(c.tasks.get(kind="reach_case"), tracer, at)


def reach_contact(k: Contact, tracer: User, at: dt.datetime) -> None:
    reach(k.tasks.get(kind="reach_contact"), tracer, at)
