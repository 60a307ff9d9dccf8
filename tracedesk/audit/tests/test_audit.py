from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from tracedesk.audit.actions import events_about, record_event, record_events
from tracedesk.audit.models import Action, AuditEvent
from tracedesk.cases.models import Case
from tracedesk.people.models import Person
from tracedesk.testing.world import World


@pytest.mark.django_db(transaction=True)
def test_events_are_written_only_inside_a_transaction(world: World) -> None:
    with pytest.raises(RuntimeError):
        record_event(None, Action.VIEW, world.district("a").person, purpose="x")


def test_events_hold_no_personal_values(world: World) -> None:
    person = world.district("a").person
    text = " ".join(
        f"{e.object_type} {e.object_id} {e.purpose} {e.source} {e.fields}"
        for e in AuditEvent.objects.all()
    )
    for value in (person.first_name, person.last_name, person.nhs_number, person.phone):
        assert value and value not in text
    assert events_about(person).filter(action=Action.CREATE).exists()


def test_events_about_finds_single_and_listed_events(world: World) -> None:
    """An event naming one record, and one listing many (a feed's chunk), both count."""
    person = world.district("a").person
    other = world.district("b").person
    with transaction.atomic():
        single = record_event(None, Action.UPDATE, person, purpose="t", source="tests")
        listed = record_events(
            None, Action.UPDATE, Person, [other.pk, person.pk, 10_000], purpose="t", source="tests"
        )
        elsewhere = record_events(None, Action.UPDATE, Person, [other.pk], purpose="t")
        assert record_events(None, Action.UPDATE, Person, [], purpose="t") is None
    about = set(events_about(person))
    assert {single, listed} <= about
    assert elsewhere not in about
    assert elsewhere in set(events_about(other))
    # the id of a person is not the id of a case: the type is part of the match
    case = Case.objects.create(
        person=other, jurisdiction=other.jurisdiction, first_specimen_at=timezone.now(),
        latest_specimen_at=timezone.now(), pk=10_000,
    )  # fmt: skip
    assert listed not in set(events_about(case))
