"""An audit event lives and dies with the change it records."""

from __future__ import annotations

import pytest
from django.db import transaction

from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action, AuditEvent
from tracedesk.people.models import Person
from tracedesk.testing.world import World


class Boom(Exception):
    pass


def test_a_change_that_fails_leaves_no_event(world: World) -> None:
    person = world.district("a").person
    before = AuditEvent.objects.count()
    with pytest.raises(Boom), transaction.atomic():
        Person.objects.filter(pk=person.pk).update(phone="07700900999")
        record_event(None, Action.UPDATE, person, purpose="t", source="tests", fields=["phone"])
        raise Boom
    person.refresh_from_db()
    assert person.phone == "07700900001" and AuditEvent.objects.count() == before
