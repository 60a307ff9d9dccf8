"""Household proposals in the web UI and the API: who sees them, confirming, declining."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tracedesk.accounts.roles import Right, has_right
from tracedesk.accounts.scope import scope_ids
from tracedesk.cases.models import Contact, ContactType
from tracedesk.linkage.models import HouseholdProposal, ProposalStatus
from tracedesk.linkage.tests.test_households import MUM, SON, _person, _positive
from tracedesk.testing.api_routes import RouteCall, call, response_ids, token_client
from tracedesk.testing.world import PERSONAS, World

ROUTES = {"household-proposals", "household-proposal-decide"}
MATRIX: dict[tuple[str, str], RouteCall] = {
    ("GET", "/api/household-proposals"): RouteCall(
        kind="list", url=lambda d: "/api/household-proposals", persona="tracer_a"
    ),
    ("POST", "/api/household-proposals/{proposal_id}/decision"): RouteCall(
        kind="create",
        url=lambda d: "/api/household-proposals/1/decision",
        body=lambda d: {"confirm": False},
        persona="tracer_a",
    ),
}


def _proposal(
    world: World, postcode: str = "LS6 2AB", surname: str = "Hopper"
) -> HouseholdProposal:
    mum, son = (dataclasses.replace(d, postcode=postcode, last_name=surname) for d in (MUM, SON))
    _person(world, son)
    case = _positive(world, f"SPEC-{postcode}-{surname}", mum)
    return HouseholdProposal.objects.get(case=case)


def _may(world: World, persona: str, right: Right, proposal: HouseholdProposal) -> bool:
    user = world.users[persona]
    return has_right(user, right) and proposal.jurisdiction_id in scope_ids(user)


@pytest.mark.parametrize("persona", PERSONAS)
def test_web_access(world: World, login: Callable[[str], Client], persona: str) -> None:
    proposal = _proposal(world)
    client = login(persona)
    listing = client.get(reverse("household-proposals"), {"case": proposal.case_id})
    decided = client.post(
        reverse("household-proposal-decide", args=[proposal.pk]), {"decision": "confirm"}
    )
    proposal.refresh_from_db()
    if _may(world, persona, Right.VIEW_PERSONAL, proposal):
        assert listing.status_code == 200 and b"Walter Hopper" in listing.content
    elif has_right(world.users[persona], Right.VIEW_PERSONAL):
        assert listing.status_code == 200 and b"Walter Hopper" not in listing.content
    else:
        assert listing.status_code == 403
    if _may(world, persona, Right.WORK_TASKS, proposal):
        assert decided.status_code == 302 and proposal.status == ProposalStatus.CONFIRMED
        contact = Contact.objects.get(case=proposal.case, person=proposal.person)
        assert contact.contact_type == ContactType.HOUSEHOLD
    else:
        assert decided.status_code in (403, 404) and proposal.status == ProposalStatus.PROPOSED


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_access(world: World, persona: str) -> None:
    proposal = _proposal(world)
    client = token_client(world.users[persona])
    listing = call(client, "GET", f"/api/household-proposals?case_id={proposal.case_id}")
    decided = call(
        client, "POST", f"/api/household-proposals/{proposal.pk}/decision", {"confirm": False}
    )
    proposal.refresh_from_db()
    if _may(world, persona, Right.VIEW_PERSONAL, proposal):
        assert listing.status_code == 200 and response_ids(listing) == {proposal.pk}
    elif has_right(world.users[persona], Right.VIEW_PERSONAL):
        assert listing.status_code == 200 and response_ids(listing) == set()
    else:
        assert listing.status_code == 403
    if _may(world, persona, Right.WORK_TASKS, proposal):
        assert decided.status_code == 200 and decided.json()["status"] == "declined"
        assert not Contact.objects.filter(case=proposal.case, person=proposal.person).exists()
    else:
        assert decided.status_code in (403, 404) and proposal.status == ProposalStatus.PROPOSED


def test_outside_scope_is_absent_and_not_found(
    world: World, login: Callable[[str], Client]
) -> None:
    camden = _proposal(world, postcode="NW1 2BB", surname="Mensah")
    assert camden.jurisdiction == world.camden
    client = login("tracer_a")
    assert b"Mensah" not in client.get(reverse("household-proposals")).content
    url = reverse("household-proposal-decide", args=[camden.pk])
    assert client.post(url, {"decision": "confirm"}).status_code == 404
    api = token_client(world.users["tracer_a"])
    assert camden.pk not in response_ids(call(api, "GET", "/api/household-proposals"))
    camden.refresh_from_db()
    assert camden.status == ProposalStatus.PROPOSED


def test_deciding_twice_is_refused_with_the_reason(world: World) -> None:
    proposal = _proposal(world)
    api = token_client(world.users["tracer_a"])
    url = f"/api/household-proposals/{proposal.pk}/decision"
    assert call(api, "POST", url, {"confirm": True}).status_code == 200
    again = call(api, "POST", url, {"confirm": False})
    assert again.status_code == 422 and again.json()["detail"][0]["field"] == "status"
    assert HouseholdProposal.objects.get(pk=proposal.pk).status == ProposalStatus.CONFIRMED
