"""Every scored record keeps its explanation: link, review or new, in the UI and the API."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tracedesk.accounts.roles import Right, has_right
from tracedesk.accounts.scope import scope_ids
from tracedesk.linkage.models import MatchDecision
from tracedesk.linkage.tests.test_probable_matches import ADA, _person
from tracedesk.testing.api_routes import RouteCall, call, response_ids, token_client
from tracedesk.testing.world import PERSONAS, World

MATRIX: dict[tuple[str, str], RouteCall] = {
    ("GET", "/api/people/{person_id}/match-decisions"): RouteCall(
        kind="list", url=lambda d: "/api/people/1/match-decisions", persona="tracer_a"
    ),
}


def test_each_scored_record_keeps_why_it_was_linked_queued_or_created(world: World) -> None:
    ada, _ = _person(world, ADA)
    assert not MatchDecision.objects.filter(person=ada).exists()  # no candidates: nothing kept
    typo, _ = _person(world, dataclasses.replace(ADA, date_of_birth=dt.date(1978, 3, 14)))
    twin, _ = _person(world, dataclasses.replace(ADA, first_name="Adanna"))
    sister, _ = _person(
        world, dataclasses.replace(ADA, first_name="Chioma", date_of_birth=dt.date(1990, 1, 2))
    )
    assert typo == ada and len({ada.pk, twin.pk, sister.pk}) == 3
    decisions = {d.person_id: d for d in MatchDecision.objects.filter(person__in=[twin, sister])}
    linked = MatchDecision.objects.get(person=ada)
    assert (linked.outcome, linked.chosen_id, linked.candidates) == ("link", ada.pk, 1)
    best = linked.explanation["candidates"][0]
    assert best["person_id"] == ada.pk
    assert best["total"] == pytest.approx(linked.total)
    assert {f["field"]: f["level"] for f in best["fields"]}["dob"] == "typo"
    assert (decisions[twin.pk].outcome, decisions[twin.pk].chosen_id) == ("review", ada.pk)
    assert "possible_twin" in [
        r["rule"] for r in decisions[twin.pk].explanation["candidates"][0]["rules"]
    ]
    other = decisions[sister.pk]
    assert (other.outcome, other.chosen_id) == ("new", None)
    assert {c["person_id"] for c in other.explanation["candidates"]} == {ada.pk, twin.pk}


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_sees_the_decisions(world: World, login: Callable[[str], Client], persona: str) -> None:
    ada, _ = _person(world, ADA)
    _person(world, dataclasses.replace(ADA, date_of_birth=dt.date(1978, 3, 14)))
    user = world.users[persona]
    may = has_right(user, Right.VIEW_PERSONAL) and ada.jurisdiction_id in scope_ids(user)
    listing = call(token_client(user), "GET", f"/api/people/{ada.pk}/match-decisions")
    page = login(persona).get(reverse("person-detail", args=[ada.pk]))
    if may:
        assert listing.status_code == 200
        mine = MatchDecision.objects.filter(person=ada).values_list("pk", flat=True)
        assert response_ids(listing) == set(mine) != set()
        assert page.status_code == 200 and b"records were matched" in page.content
        assert b"typo" in page.content
    else:
        assert listing.status_code in (403, 404) and page.status_code in (403, 404)


def test_a_candidate_in_another_area_shows_its_weights_but_not_its_values(
    world: World, login: Callable[[str], Client]
) -> None:
    leeds, _ = _person(world, ADA)
    camden, _ = _person(
        world, dataclasses.replace(ADA, date_of_birth=dt.date(1978, 3, 14), postcode="NW1 2BB")
    )
    assert camden == leeds  # the Camden record was linked to the Leeds person
    reviewer = _person(world, dataclasses.replace(ADA, first_name="Adanna", postcode="NW1 2BB"))[0]
    assert reviewer.jurisdiction == world.camden
    listing = call(token_client(world.users["tracer_b"]), "GET",
                   f"/api/people/{reviewer.pk}/match-decisions")  # fmt: skip
    assert listing.status_code == 200
    [decision] = listing.json()["items"]
    [candidate] = decision["explanation"]["candidates"]
    assert candidate["person_id"] is None
    assert {f["field"]: f["level"] for f in candidate["fields"]}["dob"] in ("exact", "typo")
    assert all(f["right"] is None for f in candidate["fields"])
    assert "Adaeze" not in listing.content.decode()
    page = login("tracer_b").get(reverse("person-detail", args=[reviewer.pk]))
    assert page.status_code == 200 and b"Adaeze" not in page.content
