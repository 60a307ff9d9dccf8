from __future__ import annotations

import pytest

from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action, AuditEvent
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
    assert AuditEvent.objects.filter(object_type="people.person", object_id=str(person.pk)).exists()
