"""The case interview and the contact call: what following a script produces."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tracedesk.cases.exposure import Exposure
from tracedesk.cases.models import Contact
from tracedesk.people.details import PersonDetails
from tracedesk.places.models import Attendance
from tracedesk.testing.world import World
from tracedesk.tracing.actions import (
    ContactAnswer,
    InterviewAnswers,
    complete_task,
    create_contact_task,
    next_task,
    record_interview,
)
from tracedesk.tracing.models import Interview, TaskKind, TaskStatus, TracingTask
from tracedesk.tracing.scripts import SCRIPTS

TODAY = timezone.localdate()


def _take_case_task(world: World) -> TracingTask:
    world.district("a").contact.tasks.update(status=TaskStatus.CANCELLED)
    task = next_task(world.users["tracer_a"], source="tests")
    assert task is not None and task.kind == TaskKind.REACH_CASE
    return task


def test_a_case_interview_records_onset_places_and_contacts(world: World) -> None:
    task = _take_case_task(world)
    case = world.district("a").case
    assert case.person.household is not None
    household = [m for m in case.person.household.members.all() if m.pk != case.person_id]
    assert household, "the world's contact lives with the case"
    onset = TODAY - dt.timedelta(days=3)
    answers = InterviewAnswers(
        identity_confirmed=True,
        has_symptoms=True,
        onset_date=onset,
        isolation_advice_given=True,
        settings=((world.district("a").setting, onset - dt.timedelta(days=1)),),
        contacts=(
            ContactAnswer(Exposure("household", TODAY), person=household[0]),
            ContactAnswer(
                Exposure("work", onset, proximity="within_1m"),
                details=PersonDetails(first_name="Colleague", last_name="Named"),
            ),
        ),
    )
    interview = record_interview(
        task, tracer=world.users["tracer_a"], answers=answers,
        started_at=timezone.now() - dt.timedelta(minutes=20), source="tests",
    )  # fmt: skip
    script = SCRIPTS["case_standard"]
    assert (interview.script, interview.script_version) == (script.key, script.version)
    assert (interview.settings_recorded, interview.contacts_recorded) == (1, 2)
    case.refresh_from_db()
    task.refresh_from_db()
    assert case.onset_date == onset and task.status == TaskStatus.DONE
    assert Attendance.objects.filter(case=case, attended_on=onset - dt.timedelta(days=1)).exists()
    colleague = Contact.objects.get(case=case, person__first_name="Colleague")
    colleague_task = colleague.tasks.get()
    assert colleague_task.priority == 2  # a close contact, not household
    assert colleague_task.due_by <= interview.completed_at + dt.timedelta(hours=24)


def test_a_place_outside_the_exposure_window_is_refused_and_nothing_is_kept(
    world: World,
) -> None:
    task = _take_case_task(world)
    onset = TODAY - dt.timedelta(days=2)
    answers = InterviewAnswers(
        identity_confirmed=True,
        has_symptoms=True,
        onset_date=onset,
        settings=((world.district("a").setting, onset - dt.timedelta(days=5)),),
    )
    with pytest.raises(ValidationError) as error:
        record_interview(task, tracer=world.users["tracer_a"], answers=answers,
                         started_at=timezone.now(), source="tests")  # fmt: skip
    assert "settings" in error.value.message_dict
    assert "place 1" in error.value.message_dict["settings"][0]
    assert not Interview.objects.exists()
    world.district("a").case.refresh_from_db()
    assert world.district("a").case.onset_date is None


def test_identity_must_be_confirmed(world: World) -> None:
    task = _take_case_task(world)
    with pytest.raises(ValidationError) as error:
        record_interview(task, tracer=world.users["tracer_a"],
                         answers=InterviewAnswers(identity_confirmed=False),
                         started_at=timezone.now(), source="tests")  # fmt: skip
    assert "identity_confirmed" in error.value.message_dict


def test_a_contact_with_symptoms_gets_a_book_a_test_task(world: World) -> None:
    complete_task(world.district("a").case_task, reason="x", actor=None, source="tests")
    tracer = world.users["tracer_a"]
    task = next_task(tracer, source="tests")
    assert task is not None and task.kind == TaskKind.REACH_CONTACT
    interview = record_interview(
        task, tracer=tracer, source="tests", started_at=timezone.now(),
        answers=InterviewAnswers(identity_confirmed=True, has_symptoms=True,
                                 onset_date=TODAY, isolation_advice_given=True),
    )  # fmt: skip
    assert interview.script == "contact_standard"
    book = TracingTask.objects.get(kind=TaskKind.BOOK_TEST, contact=task.contact)
    assert book.status == TaskStatus.OPEN and book.priority == 2


def test_a_contact_already_reached_for_another_case_is_linked_not_called(world: World) -> None:
    tracer = world.users["tracer_a"]
    complete_task(world.district("a").case_task, reason="x", actor=None, source="tests")
    task = next_task(tracer, source="tests")
    assert task is not None
    record_interview(task, tracer=tracer, source="tests", started_at=timezone.now(),
                     answers=InterviewAnswers(identity_confirmed=True))  # fmt: skip
    reached = world.district("a").contact
    task.refresh_from_db()
    TracingTask.objects.filter(pk=task.pk).update(
        completed_at=timezone.now() - dt.timedelta(days=2)
    )
    other = Contact.objects.create(
        case=world.district("b").case, person=reached.person, jurisdiction=reached.jurisdiction,
        contact_type="social", last_exposure_date=TODAY - dt.timedelta(days=3),
    )  # fmt: skip
    assert create_contact_task(other, actor=None, source="tests") is None
    assert not other.tasks.exists()
    # Exposed again after the call: a new call is needed.
    other.last_exposure_date = TODAY
    other.save()
    again = create_contact_task(other, actor=None, source="tests")
    assert again is not None and again.contact == other
