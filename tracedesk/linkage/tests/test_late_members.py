"""Household members the register learns of after the case: proposed to its open cases."""

from __future__ import annotations

import dataclasses
import datetime as dt

import time_machine

from tracedesk.cases.models import CaseStatus
from tracedesk.linkage.households import LATE_MEMBER_DAYS, propose_new_members
from tracedesk.linkage.models import HouseholdProposal
from tracedesk.linkage.tests.test_households import COLLECTED, MUM, SON, _person, _positive
from tracedesk.people.actions import find_or_create_person
from tracedesk.people.details import PersonDetails
from tracedesk.testing.world import World

LATER = COLLECTED + dt.timedelta(days=3)


def _proposed(case_id: int) -> set[int]:
    return set(HouseholdProposal.objects.filter(case_id=case_id).values_list("person", flat=True))


def test_a_member_registered_after_the_case_is_proposed_to_it(world: World) -> None:
    case = _positive(world, "S-1", MUM)
    assert _proposed(case.pk) == set()  # nobody else known at the flat yet
    with time_machine.travel(LATER, tick=False):
        son = _person(world, SON)  # named by someone else, tested, ...
    assert _proposed(case.pk) == {son.pk}
    with time_machine.travel(LATER, tick=False):  # never twice
        assert propose_new_members([son.pk], actor=None, source="tests") == 0
    assert HouseholdProposal.objects.filter(case=case).count() == 1


def test_a_member_known_by_name_alone_is_proposed_once_a_record_gives_the_address(
    world: World,
) -> None:
    case = _positive(world, "S-1", MUM)
    bare = PersonDetails(first_name=SON.first_name, last_name=SON.last_name)
    with time_machine.travel(LATER, tick=False):
        son, _ = find_or_create_person(  # named by a case living nearby
            bare, fallback_jurisdiction=world.leeds, actor=None, source="tests",
            purpose="tests", near="LS6 2AB",
        )  # fmt: skip
        assert son.household is None and _proposed(case.pk) == set()
        again = _person(world, dataclasses.replace(SON, postcode="LS6 2AB"))
    assert again == son
    son.refresh_from_db()
    assert son.household == case.person.household
    assert _proposed(case.pk) == {son.pk}


def test_old_and_closed_cases_get_no_late_members(world: World) -> None:
    old = _positive(world, "S-1", MUM)
    with time_machine.travel(COLLECTED + dt.timedelta(days=LATE_MEMBER_DAYS + 2), tick=False):
        _person(world, SON)
    assert _proposed(old.pk) == set()
    closed = _positive(world, "S-2", dataclasses.replace(MUM, first_name="Ada"))
    closed.status = CaseStatus.CLOSED
    closed.save(update_fields=["status"])
    with time_machine.travel(LATER, tick=False):
        ellis = _person(world, dataclasses.replace(SON, first_name="Ellis"))
    assert ellis.household == closed.person.household
    assert ellis.pk not in _proposed(closed.pk)
