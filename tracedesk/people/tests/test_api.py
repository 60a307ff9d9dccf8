"""The people endpoints: access matrix, search, paging, query counts."""

from __future__ import annotations

from typing import Any

import pytest

from tracedesk.people.actions import find_or_create_person
from tracedesk.people.details import PersonDetails
from tracedesk.testing.api_routes import (
    NO_PERSONAL_DATA_RIGHT,
    OUTSIDE_SCOPE,
    SEES_DISTRICT_A,
    RouteCall,
    call,
    response_ids,
    token_client,
)
from tracedesk.testing.world import PERSONAS, World

MATRIX: dict[tuple[str, str], RouteCall] = {
    ("GET", "/api/people"): RouteCall(
        kind="list",
        url=lambda d: "/api/people",
        ids=lambda d: {d.person.pk, d.contact.person_id},
    ),
    ("GET", "/api/people/{person_id}"): RouteCall(
        kind="detail", url=lambda d: f"/api/people/{d.person.pk}"
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", sorted(MATRIX), ids=" ".join)
def test_access_matrix(world: World, route: tuple[str, str], persona: str) -> None:
    entry = MATRIX[route]
    district = world.district("a")
    response = call(token_client(world.users[persona]), route[0], entry.url(district))
    if persona in NO_PERSONAL_DATA_RIGHT:
        assert response.status_code == 403
        assert "detail" in response.json()
    elif persona in OUTSIDE_SCOPE and entry.kind == "list":
        assert response.status_code == 200
        assert not response_ids(response) & entry.ids(district)
    elif persona in OUTSIDE_SCOPE:
        assert response.status_code == 404
    else:
        assert persona in SEES_DISTRICT_A
        assert response.status_code == 200
        if entry.kind == "list":
            assert entry.ids(district) <= response_ids(response)


def test_person_detail_fields(world: World) -> None:
    person = world.district("a").person
    # A supervisor: tracers get no NHS number (tracedesk/privacy/tests/test_minimised_reads.py).
    body = call(token_client(world.users["supervisor_a"]), "GET", f"/api/people/{person.pk}").json()
    assert body["id"] == person.pk
    assert body["nhs_number"] == "9434765919"
    assert body["first_name"] == "CaseA"
    assert body["date_of_birth"] == "1980-01-02"
    assert body["address"]["postcode"] == "LS6 3AB"
    assert body["jurisdiction"] == {"code": "E08000035", "name": "Leeds"}


def test_list_is_only_in_scope(world: World) -> None:
    response = call(token_client(world.users["tracer_b"]), "GET", "/api/people")
    b = world.district("b")
    assert response_ids(response) == {b.person.pk, b.contact.person_id}
    assert response.json()["count"] == 2


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("9434765919", "case"),
        ("943 476 5919", "case"),
        ("casea", "case"),
        ("ContactA testperson", "contact"),
        ("testperson", "both"),
        ("9434765870", "none"),  # district B's case: a real number, outside scope
        ("nobody", "none"),
    ],
)
def test_search(world: World, q: str, expected: str) -> None:
    a = world.district("a")
    wanted = {
        "case": {a.person.pk},
        "contact": {a.contact.person_id},
        "both": {a.person.pk, a.contact.person_id},
        "none": set(),
    }[expected]
    response = call(token_client(world.users["tracer_a"]), "GET", f"/api/people?q={q}")
    assert response.status_code == 200
    assert response_ids(response) == wanted


def test_paging(world: World) -> None:
    client = token_client(world.users["tracer_a"])
    first = call(client, "GET", "/api/people?limit=1").json()
    second = call(client, "GET", "/api/people?limit=1&offset=1").json()
    assert first["count"] == second["count"] == 2
    assert len(first["items"]) == len(second["items"]) == 1
    assert first["items"][0]["id"] != second["items"][0]["id"]


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "offset=-1", "limit=many"])
def test_paging_limits_are_422(world: World, query: str) -> None:
    response = call(token_client(world.users["tracer_a"]), "GET", f"/api/people?{query}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == query.split("=")[0]


def test_list_query_count_does_not_grow(world: World, django_assert_max_num_queries: Any) -> None:
    a = world.district("a")
    for n in range(15):
        find_or_create_person(
            PersonDetails(first_name=f"Extra{n}", last_name="Person", postcode="LS6 3AB"),
            fallback_jurisdiction=a.jurisdiction,
            actor=None,
            source="tests",
            purpose="tests",
        )
    client = token_client(world.users["tracer_a"])
    call(client, "GET", "/api/people")  # the first use also stamps last_used_at
    # token + scope (2) + count + page
    with django_assert_max_num_queries(8):  # 5 reads + the audit event (savepoint, insert, release)
        response = call(client, "GET", "/api/people")
    assert response.json()["count"] == 17
