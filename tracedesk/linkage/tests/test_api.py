"""The match review endpoints: access, the explanation, deciding once."""

from __future__ import annotations

from typing import Any

import pytest

from tracedesk.linkage.models import MatchReview, ReviewStatus
from tracedesk.linkage.tests.test_views import _review
from tracedesk.people.models import Person
from tracedesk.testing.api_routes import RouteCall, call, response_ids, token_client
from tracedesk.testing.world import PERSONAS, World

MATRIX: dict[tuple[str, str], RouteCall] = {
    ("GET", "/api/match-reviews"): RouteCall(
        kind="list", url=lambda d: "/api/match-reviews", persona="supervisor_a"
    ),
    ("GET", "/api/match-reviews/{review_id}"): RouteCall(
        kind="detail", url=lambda d: "/api/match-reviews/1", persona="supervisor_a"
    ),
    ("POST", "/api/match-reviews/{review_id}/decision"): RouteCall(
        kind="create",
        url=lambda d: "/api/match-reviews/1/decision",
        body=lambda d: {"same": False},
        persona="supervisor_a",
    ),
    ("POST", "/api/person-merges/{merge_id}/undo"): RouteCall(
        kind="create", url=lambda d: "/api/person-merges/1/undo", persona="supervisor_a"
    ),
}
REVIEWERS = {"supervisor_a", "health_protection"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(world: World, persona: str) -> None:
    review = _review(world)
    client = token_client(world.users[persona])
    listing = call(client, "GET", "/api/match-reviews")
    detail = call(client, "GET", f"/api/match-reviews/{review.pk}")
    decided = call(client, "POST", f"/api/match-reviews/{review.pk}/decision", {"same": False})
    review.refresh_from_db()
    if persona in REVIEWERS:
        assert listing.status_code == 200 and review.pk in response_ids(listing)
        assert detail.status_code == 200
        assert decided.status_code == 200 and review.status == ReviewStatus.DIFFERENT
    else:
        assert (listing.status_code, detail.status_code, decided.status_code) == (403, 403, 403)
        assert review.status == ReviewStatus.OPEN


def test_outside_scope_is_404_and_absent(world: World) -> None:
    import dataclasses

    from tracedesk.linkage.tests.test_views import ADA

    camden = _review(world, dataclasses.replace(ADA, postcode="NW1 2BB", last_name="Mensah"))
    client = token_client(world.users["supervisor_a"])
    assert camden.pk not in response_ids(call(client, "GET", "/api/match-reviews"))
    assert call(client, "GET", f"/api/match-reviews/{camden.pk}").status_code == 404
    response = call(client, "POST", f"/api/match-reviews/{camden.pk}/decision", {"same": True})
    assert response.status_code == 404
    camden.refresh_from_db()
    assert camden.status == ReviewStatus.OPEN


def test_the_explanation_and_deciding_once(world: World) -> None:
    review = _review(world)
    client = token_client(world.users["health_protection"])
    body: dict[str, Any] = call(client, "GET", f"/api/match-reviews/{review.pk}").json()
    assert (body["person_id"], body["candidate_id"]) == (review.person_id, review.candidate_id)
    fields = {f["field"]: f for f in body["explanation"]["fields"]}
    assert {"first_name", "last_name", "dob", "postcode"} <= set(fields)
    assert body["total"] == pytest.approx(sum(f["weight"] for f in fields.values()))
    same = call(client, "POST", f"/api/match-reviews/{review.pk}/decision", {"same": True})
    assert same.status_code == 200 and same.json()["status"] == "same"
    assert Person.objects.get(pk=review.person_id).merged_into_id == review.candidate_id
    again = call(client, "POST", f"/api/match-reviews/{review.pk}/decision", {"same": False})
    assert again.status_code == 422 and again.json()["detail"][0]["field"] == "status"
    assert MatchReview.objects.get(pk=review.pk).status == ReviewStatus.SAME
    decided = call(client, "GET", "/api/match-reviews?status=same")
    assert review.pk in response_ids(decided)
    merge_id = call(client, "GET", f"/api/match-reviews/{review.pk}").json()["merge_id"]
    assert merge_id is not None
    tracer = token_client(world.users["tracer_a"])
    assert call(tracer, "POST", f"/api/person-merges/{merge_id}/undo").status_code == 403
    undone = call(client, "POST", f"/api/person-merges/{merge_id}/undo")
    assert undone.status_code == 200 and undone.json()["undone_at"]
    assert Person.objects.get(pk=review.person_id).merged_into_id is None
    assert call(client, "GET", f"/api/match-reviews/{review.pk}").json()["merge_id"] is None
    assert call(client, "POST", f"/api/person-merges/{merge_id}/undo").status_code == 422
