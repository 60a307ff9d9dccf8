"""Households: one dwelling however it is written; shared residences; members proposed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from tracedesk.audit.actions import events_about
from tracedesk.cases.models import Case, Contact, ContactType
from tracedesk.ingest.actions import LabResult, record_test_result
from tracedesk.linkage.households import decide_household_proposal, propose_household_contacts
from tracedesk.linkage.models import HouseholdProposal, ProposalStatus
from tracedesk.people.actions import find_or_create_person
from tracedesk.people.details import PersonDetails
from tracedesk.people.models import Person
from tracedesk.places.models import SettingType
from tracedesk.testing.world import World
from tracedesk.tracing.models import TaskKind, TracingTask

COLLECTED = dt.datetime(2020, 10, 1, 8, tzinfo=dt.UTC)
MUM = PersonDetails(
    first_name="Grace", last_name="Hopper", date_of_birth=dt.date(1980, 12, 9),
    address_line1="Flat 3, 12 Mill Lane", postcode="LS6 2AB",
)  # fmt: skip
SON = dataclasses.replace(
    MUM, first_name="Walter", date_of_birth=dt.date(2008, 5, 1),
    address_line1="12 Mill Lane", address_line2="Apartment 3",
)  # fmt: skip
LODGER = PersonDetails(
    first_name="Alan", last_name="Turing", date_of_birth=dt.date(1982, 6, 23),
    address_line1="12 MILL LN", address_line2="FLAT 4", postcode="LS6 2AB",
)  # fmt: skip


def _person(world: World, details: PersonDetails) -> Person:
    person, _ = find_or_create_person(
        details, fallback_jurisdiction=world.leeds, actor=None, source="tests", purpose="tests"
    )
    return person


def _positive(world: World, specimen: str, details: PersonDetails) -> Case:
    lab = LabResult(
        lab_code="LAB-LEEDS-01", specimen_id=specimen, test_code="94500-6",
        test_name="SARS-CoV-2 RNA", result="positive", specimen_collected_at=COLLECTED,
        result_at=COLLECTED + dt.timedelta(hours=20),
    )  # fmt: skip
    result, _ = record_test_result(
        lab, details, fallback_jurisdiction=world.leeds, received_at=COLLECTED + dt.timedelta(1),
        actor=None, source="tests",
    )  # fmt: skip
    assert result.case is not None
    return result.case


def test_one_flat_written_two_ways_is_one_household_and_the_next_flat_is_another(
    world: World,
) -> None:
    mum, son, lodger = (_person(world, d) for d in (MUM, SON, LODGER))
    assert mum.household is not None and son.household == mum.household
    assert son.address == mum.address
    assert lodger.household is not None and lodger.household != mum.household
    assert mum.address is not None and lodger.address is not None
    assert mum.address.building_key == lodger.address.building_key == "12 MILL LN|LS6 2AB"


def test_a_uprn_joins_a_home_whatever_the_text_says(world: World) -> None:
    mum = _person(world, dataclasses.replace(MUM, uprn="100023336956"))
    son = _person(world, dataclasses.replace(SON, address_line1="The Old Mill", address_line2=""))
    assert son.household != mum.household  # different text, no UPRN: different dwelling
    dad = _person(
        world,
        dataclasses.replace(
            SON, first_name="Ivor", address_line1="Mill Cottage", uprn="100023336956"
        ),
    )
    assert dad.household == mum.household and dad.address == mum.address
    assert mum.address is not None and mum.address.uprn == "100023336956"


def test_no_flat_given_joins_the_only_known_dwelling_of_the_building_but_not_one_of_two(
    world: World,
) -> None:
    mum = _person(world, MUM)
    son = _person(world, dataclasses.replace(SON, address_line2=""))
    assert son.household == mum.household
    _person(world, LODGER)  # the building now has two flats
    gran = _person(
        world, dataclasses.replace(MUM, first_name="Ada", date_of_birth=dt.date(1950, 1, 1),
                                   address_line1="12 Mill Lane"),
    )  # fmt: skip
    assert gran.household not in {mum.household, Person.objects.get(last_name="Turing").household}


@override_settings(SHARED_RESIDENCE_SURNAMES=3)
def test_an_address_with_many_unrelated_residents_becomes_a_setting_not_a_household(
    world: World,
) -> None:
    home: dict[str, Any] = {"address_line1": "Elm Lodge Care Home", "address_line2": "4 Elm Road",
            "postcode": "LS6 2AD"}  # fmt: skip
    residents = [
        _person(world, PersonDetails(first_name=first, last_name=surname,
                                     date_of_birth=dt.date(1930 + i, 1 + i, 1), **home))
        for i, (first, surname) in enumerate([("Edith", "Abbott"), ("Mabel", "Baker"),
                                              ("Harold", "Carter")])
    ]  # fmt: skip
    household = residents[0].household
    assert household is not None and household.shared_residence is None  # three: still a home
    fourth = _person(world, PersonDetails(first_name="Wilfred", last_name="Dunn",
                                          date_of_birth=dt.date(1925, 7, 7), **home))  # fmt: skip
    household.refresh_from_db()
    setting = household.shared_residence
    assert setting is not None and fourth.household == household
    assert setting.setting_type == SettingType.CARE_HOME
    assert setting.address is not None and setting.address.postcode == "LS6 2AD"
    assert events_about(household).filter(purpose="shared residence").exists()
    case = _positive(
        world,
        "LD-CARE-1",
        PersonDetails(
            first_name="Wilfred", last_name="Dunn", date_of_birth=dt.date(1925, 7, 7), **home
        ),
    )
    assert case.person == fourth
    assert not HouseholdProposal.objects.filter(case=case).exists()


def test_a_new_case_gets_its_known_household_members_proposed_once(world: World) -> None:
    son = _person(world, SON)
    _person(world, LODGER)  # another flat: not proposed
    case = _positive(world, "LD-HOME-1", MUM)
    proposals = list(HouseholdProposal.objects.filter(case=case))
    assert [(p.person, p.status) for p in proposals] == [(son, ProposalStatus.PROPOSED)]
    assert propose_household_contacts([case.pk], actor=None, source="tests") == 0
    assert events_about(proposals[0]).exists()


def test_confirming_a_proposal_makes_a_household_contact_with_a_task(world: World) -> None:
    son = _person(world, SON)
    case = _positive(world, "LD-HOME-2", MUM)
    proposal = HouseholdProposal.objects.get(case=case)
    decided = decide_household_proposal(proposal, confirm=True, actor=None, source="tests")
    assert decided.status == ProposalStatus.CONFIRMED and decided.contact is not None
    contact = Contact.objects.get(case=case, person=son)
    assert decided.contact == contact and contact.contact_type == ContactType.HOUSEHOLD
    assert TracingTask.objects.filter(contact=contact, kind=TaskKind.REACH_CONTACT).exists()
    with pytest.raises(ValidationError, match=f"household proposal {proposal.pk}: already"):
        decide_household_proposal(proposal, confirm=False, actor=None, source="tests")


def test_a_declined_proposal_makes_no_contact_and_is_not_proposed_again(world: World) -> None:
    _person(world, SON)
    case = _positive(world, "LD-HOME-3", MUM)
    proposal = HouseholdProposal.objects.get(case=case)
    decide_household_proposal(proposal, confirm=False, actor=None, source="tests")
    assert not Contact.objects.filter(case=case).exists()
    assert propose_household_contacts([case.pk], actor=None, source="tests") == 0
    assert HouseholdProposal.objects.get(pk=proposal.pk).status == ProposalStatus.DECLINED


def test_confirming_a_proposal_of_a_since_merged_record_makes_the_survivor_the_contact(
    world: World,
) -> None:
    from tracedesk.people.merges import merge_people

    son = _person(world, SON)
    case = _positive(world, "LD-HOME-4", MUM)
    proposal = HouseholdProposal.objects.get(case=case, person=son)
    survivor = _person(world, dataclasses.replace(SON, first_name="Wendell", address_line1="",
                                                  address_line2="", postcode=""))  # fmt: skip
    merge_people(survivor, son, reason="tests", evidence={}, actor=None, source="tests")
    decided = decide_household_proposal(proposal, confirm=True, actor=None, source="tests")
    assert decided.contact is not None and decided.contact.person == survivor
