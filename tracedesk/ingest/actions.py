"""Writes of laboratory results: each atomic and audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.cases.actions import open_or_extend_case
from tracedesk.geography.models import Jurisdiction
from tracedesk.ingest.models import Result, TestResult
from tracedesk.people.actions import find_or_create_person
from tracedesk.people.details import PersonDetails
from tracedesk.tracing.actions import create_case_task


@dataclass(frozen=True)
class LabResult:
    """One result as a laboratory reports it, before it touches the database."""

    lab_code: str
    specimen_id: str
    test_code: str
    test_name: str
    result: str
    specimen_collected_at: dt.datetime
    result_at: dt.datetime


@transaction.atomic
def record_test_result(
    lab: LabResult,
    patient: PersonDetails,
    *,
    fallback_jurisdiction: Jurisdiction,
    received_at: dt.datetime | None = None,
    actor: object,
    source: str,
) -> tuple[TestResult, bool]:
    """Store a result once (natural key), and turn a positive one into a case and a task.

    Sending the same result again changes nothing and returns (existing, False).
    """
    existing = TestResult.objects.filter(
        lab_code=lab.lab_code, specimen_id=lab.specimen_id, test_code=lab.test_code
    ).first()
    if existing:
        return existing, False
    received = received_at or timezone.now()
    person, _ = find_or_create_person(
        patient,
        fallback_jurisdiction=fallback_jurisdiction,
        actor=actor,
        source=source,
        purpose="laboratory result",
    )
    case = None
    if lab.result == Result.POSITIVE:
        case, _ = open_or_extend_case(
            person, lab.specimen_collected_at, opened_at=received, actor=actor, source=source
        )
        due = received + dt.timedelta(hours=settings.CASE_DEADLINE_HOURS)
        create_case_task(case, due_by=due, created_at=received, actor=actor, source=source)
    result = TestResult(
        lab_code=lab.lab_code,
        specimen_id=lab.specimen_id,
        test_code=lab.test_code,
        test_name=lab.test_name,
        result=lab.result,
        specimen_collected_at=lab.specimen_collected_at,
        result_at=lab.result_at,
        received_at=received,
        person=person,
        case=case,
        jurisdiction=person.jurisdiction,
    )
    result.full_clean()
    result.save()
    record_event(actor, Action.CREATE, result, purpose="laboratory result", source=source)
    return result, True
