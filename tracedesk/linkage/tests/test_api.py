"""The match review endpoints: access, the explanation, deciding once."""

from __future__ import annotations

import datetime as dt
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
    ("GET", "/api/person-merges"): RouteCall(
        kind="list", url=lambda d: "/api/person-merges", persona="supervisor_a"
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


def test_merges_are_listed_with_who_why_and_the_evidence(world: World) -> None:
    import dataclasses

    from tracedesk.audit.models import AuditEvent
    from tracedesk.linkage.actions import decide_review
    from tracedesk.linkage.tests.test_views import ADA
    from tracedesk.people.models import PersonMerge

    review = _review(world)
    camden = _review(world, dataclasses.replace(
        ADA, postcode="NW1 2BB", last_name="Mensah", phone="07700900456",
        date_of_birth=dt.date(1990, 5, 1), address_line1="3 Park Road",
    ))  # fmt: skip
    from django.utils import timezone

    from tracedesk.cases.models import Case

    now = timezone.now()
    case = Case.objects.create(
        person_id=review.person_id, jurisdiction=world.leeds, first_specimen_at=now,
        latest_specimen_at=now,
    )  # fmt: skip
    decide_review(review, same=True, actor=world.users["supervisor_a"], source="t")
    decide_review(camden, same=True, actor=world.users["health_protection"], source="t")
    merge = PersonMerge.objects.get(duplicate_id=review.person_id)
    client = token_client(world.users["supervisor_a"])
    listing = call(client, "GET", "/api/person-merges")
    assert listing.status_code == 200
    (item,) = listing.json()["items"]  # the Camden merge is outside scope
    assert (item["id"], item["survivor_id"], item["duplicate_id"]) == (
        merge.pk, review.candidate_id, review.person_id
    )  # fmt: skip
    assert item["merged_by"] == "supervisor_a" and item["undone_at"] is None
    assert item["reason"] == f"match review {review.pk}" and item["evidence"]["total"] > 0
    assert item["moved"] == 1 and merge.links.get().object_id == case.pk  # the case moved
    event = AuditEvent.objects.filter(object_type="people.personmerge").latest("pk")
    assert event.object_ids == [merge.pk]
    assert call(client, "POST", f"/api/person-merges/{merge.pk}/undo").status_code == 200
    assert call(client, "GET", "/api/person-merges?status=standing").json()["count"] == 0
    undone = call(client, "GET", "/api/person-merges?status=undone").json()["items"]
    assert [m["id"] for m in undone] == [merge.pk] and undone[0]["undone_by"] == "supervisor_a"
    bad = call(client, "GET", "/api/person-merges?status=maybe")
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "status"
    assert (
        call(token_client(world.users["tracer_a"]), "GET", "/api/person-merges").status_code == 403
    )
