"""Contacts known by a name alone: found again in the naming case's district, and people
completed from the records linked to them."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.utils import timezone

from tracedesk.audit.actions import events_about
from tracedesk.audit.models import Action
from tracedesk.cases.actions import Exposure, add_contact
from tracedesk.linkage.models import BlockingKey, MatchDecision, MatchReview
from tracedesk.people.actions import complete_people, find_or_create_person
from tracedesk.people.details import PersonDetails
from tracedesk.people.models import Person
from tracedesk.testing.world import World

NAME_ONLY = PersonDetails(first_name="Marguerite", last_name="Quigley")
FULL = PersonDetails(
    first_name="Marguerite", last_name="Quigley", date_of_birth=dt.date(1979, 5, 17),
    sex="female", phone="07700900456", nhs_number="9434766001", address_line1="7 Low Road",
    postcode="LS6 9ZZ",
)  # fmt: skip


def _person(world: World, details: PersonDetails, near: str = "") -> tuple[Person, bool]:
    return find_or_create_person(
        details, fallback_jurisdiction=world.leeds, actor=None, source="tests", purpose="tests",
        near=near,
    )  # fmt: skip


def _named_by(world: World, details: PersonDetails, district: str = "a") -> Person:
    contact, _ = add_contact(
        world.district(district).case,
        details,
        Exposure(contact_type="social", last_exposure_date=timezone.localdate()),
        reported_at=timezone.now(),
        actor=None,
        source="tests",
    )
    return contact.person


def _keys(person: Person) -> set[str]:
    return set(BlockingKey.objects.filter(person=person).values_list("key", flat=True))


def test_a_contact_named_by_name_alone_is_indexed_in_the_naming_cases_district(
    world: World,
) -> None:
    person = _named_by(world, NAME_ONLY)  # case A lives at LS6 3AB
    assert _keys(person) == {"nd:marguerite|quigley|LS6"}


def test_the_same_person_later_tested_in_that_district_is_linked_not_duplicated(
    world: World,
) -> None:
    contact = _named_by(world, NAME_ONLY)
    people = Person.objects.count()
    found, created = _person(world, FULL)
    assert not created and found == contact and Person.objects.count() == people
    decision = MatchDecision.objects.get(person=contact)
    assert decision.outcome == "link"
    fields = {f["field"]: f["level"] for f in decision.explanation["candidates"][0]["fields"]}
    assert fields["first_name"] == fields["last_name"] == "exact"
    assert fields["dob"] == "null"


def test_a_name_alone_finds_the_person_only_in_the_same_district(world: World) -> None:
    known, _ = _person(world, FULL)
    elsewhere, created = _person(world, NAME_ONLY, near="NW1 2BB")
    assert created and elsewhere != known
    nearby, created = _person(world, NAME_ONLY, near="LS6 1AA")
    assert not created and nearby == known
    decision = MatchDecision.objects.get(person=known, outcome="link")
    assert decision.explanation["near"] == "LS6"


def test_without_a_district_a_name_alone_finds_nobody(world: World) -> None:
    known, _ = _person(world, FULL)
    stranger, created = _person(world, NAME_ONLY)
    assert created and stranger != known and _keys(stranger) == set()


def test_the_records_own_postcode_wins_over_where_it_was_met(world: World) -> None:
    known, _ = _person(world, FULL)
    moved = PersonDetails(first_name="Marguerite", last_name="Quigley", postcode="NW1 2BB")
    other, created = _person(world, moved, near="LS6 3AB")
    assert created and other != known
    assert "nd:marguerite|quigley|NW1" in _keys(other)


def test_two_namesakes_in_the_district_hold_a_name_alone_at_review(world: World) -> None:
    first, _ = _person(world, FULL)
    second, created = _person(
        world, dataclasses.replace(FULL, date_of_birth=dt.date(2004, 2, 9), phone="07700900999",
                                   nhs_number="", address_line1="9 Low Road"),
    )  # fmt: skip
    assert created and second != first
    third, created = _person(world, NAME_ONLY, near="LS6 3AB")
    assert created and third not in (first, second)
    review = MatchReview.objects.get(person=third)
    assert review.candidate in (first, second)


def test_a_household_member_of_another_first_name_is_still_a_new_person(world: World) -> None:
    known, _ = _person(world, FULL)
    sister, created = _person(
        world, PersonDetails(first_name="Margaret", last_name="Quigley"), near="LS6 3AB"
    )
    assert created and sister != known


def test_a_person_known_by_name_alone_is_completed_from_the_record_linked_to_them(
    world: World,
) -> None:
    contact = _named_by(world, NAME_ONLY)
    assert contact.household is None
    found, _ = _person(world, FULL)
    contact.refresh_from_db()
    assert found == contact
    assert contact.date_of_birth == FULL.date_of_birth and contact.sex == "female"
    assert (contact.phone, contact.nhs_number) == ("07700900456", "9434766001")
    assert contact.address is not None and contact.address.postcode == "LS6 9ZZ"
    assert contact.household is not None
    assert contact.match_key == "quigley|marguerite|1979-05-17"
    assert {"nb:KKL|1979", "ph:07700900456", "id:9434766001"} <= _keys(contact)
    completed = events_about(contact).filter(
        action=Action.UPDATE, purpose="details completed from a match"
    )
    assert completed.count() == 1
    assert "07700900456" not in str(completed.values()[0])  # never the values


def test_completion_never_replaces_a_value_and_never_copies_a_held_nhs_number(
    world: World,
) -> None:
    person, _ = _person(world, dataclasses.replace(FULL, nhs_number="", phone="07700900111"))
    holder = world.district("b").case.person  # holds 9434765870
    held = dataclasses.replace(FULL, nhs_number="9434765870")
    assert complete_people(
        [(person.pk, held), (person.pk, dataclasses.replace(held, email="mq@example.org"))],
        actor=None, source="tests",
    ) == [person.pk]  # fmt: skip
    person.refresh_from_db()
    assert person.phone == "07700900111" and person.nhs_number == ""
    assert person.email == "mq@example.org"
    assert holder.nhs_number == "9434765870"


def test_completing_nothing_writes_nothing(world: World) -> None:
    person, _ = _person(world, FULL)
    events = events_about(person).count()
    assert complete_people([(person.pk, FULL)], actor=None, source="tests") == []
    assert events_about(person).count() == events
