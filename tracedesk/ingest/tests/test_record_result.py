"""A laboratory result is stored once; a positive one becomes a case with a deadline."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tracedesk.audit.models import AuditEvent
from tracedesk.cases.models import Case
from tracedesk.ingest.actions import LabResult, correct_test_result, record_test_result
from tracedesk.ingest.models import TestResult
from tracedesk.people.details import PersonDetails
from tracedesk.people.models import Person
from tracedesk.testing.world import World
from tracedesk.tracing.models import TaskKind, TracingTask

COLLECTED = dt.datetime(2020, 10, 1, 8, tzinfo=dt.UTC)
RECEIVED = dt.datetime(2020, 10, 2, 7, 30, tzinfo=dt.UTC)


def _lab(specimen: str, result: str = "positive") -> LabResult:
    return LabResult(
        lab_code="LAB-LEEDS-01",
        specimen_id=specimen,
        test_code="94500-6",
        test_name="SARS-CoV-2 RNA",
        result=result,
        specimen_collected_at=COLLECTED,
        result_at=COLLECTED + dt.timedelta(hours=20),
    )


PATIENT = PersonDetails(
    first_name="Ada", last_name="Lovelace", date_of_birth=dt.date(1990, 12, 10), postcode="LS6 1AA"
)


def _record(world: World, lab: LabResult, patient: PersonDetails = PATIENT):
    return record_test_result(
        lab,
        patient,
        fallback_jurisdiction=world.leeds,
        received_at=RECEIVED,
        actor=None,
        source="tests",
    )


def test_positive_result_opens_case_and_task_due_in_24_hours(world: World) -> None:
    result, created = _record(world, _lab("S1"))
    assert created and result.case is not None
    task = TracingTask.objects.get(kind=TaskKind.REACH_CASE, case=result.case)
    assert task.due_by == RECEIVED + dt.timedelta(hours=24)
    assert task.jurisdiction == world.leeds  # from the postcode district LS6


def test_deadline_is_configurable(world: World, settings: object) -> None:
    settings.CASE_DEADLINE_HOURS = 4  # type: ignore[attr-defined]
    result, _ = _record(world, _lab("S1"))
    task = TracingTask.objects.get(case=result.case, kind=TaskKind.REACH_CASE)
    assert task.due_by == RECEIVED + dt.timedelta(hours=4)


def test_the_same_result_twice_changes_nothing(world: World) -> None:
    _record(world, _lab("S1"))
    counts = (TestResult.objects.count(), Case.objects.count(), TracingTask.objects.count())
    events = AuditEvent.objects.count()
    _, created = _record(world, _lab("S1"))
    assert not created
    assert (TestResult.objects.count(), Case.objects.count(), TracingTask.objects.count()) == counts
    assert AuditEvent.objects.count() == events


def test_second_positive_of_same_person_extends_the_case_without_a_second_task(
    world: World,
) -> None:
    first, _ = _record(world, _lab("S1"))
    second, _ = _record(world, _lab("S2"))
    assert first.case == second.case
    assert TracingTask.objects.filter(case=first.case, kind=TaskKind.REACH_CASE).count() == 1


@pytest.mark.parametrize("outcome", ["negative", "void"])
def test_negative_and_void_results_are_stored_without_a_case(world: World, outcome: str) -> None:
    cases, people = Case.objects.count(), Person.objects.count()
    result, created = _record(world, _lab("S9", outcome))
    assert created and result.case is None and result.result == outcome
    assert Case.objects.count() == cases
    # Someone tracing does not know gets no Person for a negative test (minimisation);
    # the result still belongs to their area, found by postcode.
    assert result.person is None and Person.objects.count() == people
    assert result.jurisdiction == world.leeds


def test_a_negative_of_someone_tracing_knows_is_linked_to_them(world: World) -> None:
    known = world.district("a").person  # a case: matched by name and date of birth
    patient = PersonDetails(
        first_name=known.first_name.upper(), last_name=known.last_name,
        date_of_birth=known.date_of_birth, postcode="LS6 1AA",
    )  # fmt: skip
    people = Person.objects.count()
    result, _ = _record(world, _lab("S10", "negative"), patient)
    assert result.person == known and Person.objects.count() == people


def test_a_negative_corrected_to_positive_creates_the_person_and_the_case(world: World) -> None:
    result, _ = _record(world, _lab("S11", "negative"))
    assert result.person is None
    positive = _lab("S11", "positive")
    later = dataclasses.replace(positive, result_at=positive.result_at + dt.timedelta(hours=1))
    corrected = correct_test_result(result, later, PATIENT, batch=None, actor=None, source="tests")
    corrected.refresh_from_db()
    assert corrected.person is not None and corrected.person.last_name == "Lovelace"
    assert corrected.case is not None and corrected.case.person == corrected.person
    assert corrected.jurisdiction == world.leeds


def test_unknown_postcode_falls_back_to_the_given_jurisdiction(world: World) -> None:
    patient = PersonDetails(first_name="Lost", last_name="Postcode", postcode="ZZ9 9ZZ")
    result, _ = record_test_result(
        _lab("S3"), patient, fallback_jurisdiction=world.camden, actor=None, source="tests"
    )
    assert result.person is not None and result.person.jurisdiction == world.camden


def test_a_result_before_its_specimen_is_rejected_and_nothing_is_kept(world: World) -> None:
    bad = LabResult(**{**_lab("S4").__dict__, "result_at": COLLECTED - dt.timedelta(hours=1)})
    before = (TestResult.objects.count(), Case.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as error:
        _record(world, bad)
    assert "result_at" in error.value.message_dict
    after = (TestResult.objects.count(), Case.objects.count(), AuditEvent.objects.count())
    assert after == before
