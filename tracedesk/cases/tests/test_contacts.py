"""Adding contacts: matched, tasked once, audited, validated."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tracedesk.audit.models import Action, AuditEvent
from tracedesk.cases.actions import Exposure, add_contact
from tracedesk.cases.models import Contact
from tracedesk.people.details import PersonDetails
from tracedesk.testing.world import World
from tracedesk.tracing.models import TaskKind, TracingTask

TODAY = timezone.localdate()


def _add(world: World, details: PersonDetails, case=None, contact_type: str = "household"):
    return add_contact(
        case or world.district("a").case,
        details,
        Exposure(contact_type=contact_type, last_exposure_date=TODAY),
        reported_at=timezone.now(),
        actor=world.users["tracer_a"],
        source="tests",
    )


def test_new_contact_gets_a_task_and_audit_events(world: World) -> None:
    contact, created = _add(world, PersonDetails(first_name="New", last_name="Contact"))
    assert created
    task = TracingTask.objects.get(kind=TaskKind.REACH_CONTACT, contact=contact)
    assert task.priority == 1  # household contacts first
    assert task.due_by == task.created_at + dt.timedelta(hours=24)
    events = AuditEvent.objects.filter(object_type="cases.contact", object_id=str(contact.pk))
    assert events.get().action == Action.CREATE
    assert events.get().actor == world.users["tracer_a"]


def test_same_person_named_twice_by_one_case_is_one_contact(world: World) -> None:
    details = PersonDetails(
        first_name="Twice", last_name="Named", date_of_birth=dt.date(2000, 1, 1)
    )
    first, _ = _add(world, details)
    second, created = _add(world, details)
    assert not created and first.pk == second.pk


def test_person_named_by_two_cases_is_called_once(world: World) -> None:
    details = PersonDetails(
        first_name="Shared", last_name="Friend", date_of_birth=dt.date(1999, 5, 5)
    )
    _add(world, details)
    other_case = world.district("b").case
    contact_b, created = _add(world, details, case=other_case, contact_type="social")
    assert created  # a second exposure is recorded...
    open_tasks = TracingTask.objects.filter(
        kind=TaskKind.REACH_CONTACT, contact__person=contact_b.person, status="open"
    )
    assert open_tasks.count() == 1  # ...but the person is reached once


def test_a_case_cannot_be_their_own_contact(world: World) -> None:
    case = world.district("a").case
    me = PersonDetails(nhs_number=case.person.nhs_number, first_name="Me")
    with pytest.raises(ValidationError) as error:
        _add(world, me)
    assert "person" in error.value.message_dict


def test_future_exposure_is_rejected_naming_the_field(world: World) -> None:
    before = Contact.objects.count()
    with pytest.raises(ValidationError) as error:
        add_contact(
            world.district("a").case,
            PersonDetails(first_name="Future", last_name="Person"),
            Exposure(contact_type="social", last_exposure_date=TODAY + dt.timedelta(days=3)),
            reported_at=timezone.now(),
            actor=None,
            source="tests",
        )
    assert "last_exposure_date" in error.value.message_dict
    assert Contact.objects.count() == before


def test_contact_without_postcode_belongs_to_the_cases_area(world: World) -> None:
    contact, _ = _add(
        world, PersonDetails(first_name="No", last_name="Address"), case=world.district("b").case
    )
    assert contact.jurisdiction == world.camden
