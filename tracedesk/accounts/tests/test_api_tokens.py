"""API-wide checks: tokens, session auth, and what every route does with bad requests."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from tracedesk.accounts.models import ApiToken, hash_token
from tracedesk.audit.models import AuditEvent
from tracedesk.cases.models import Contact
from tracedesk.cases.tests.test_api import MATRIX as CASES_MATRIX
from tracedesk.clusters.tests.test_api import MATRIX as CLUSTERS_MATRIX
from tracedesk.contracts.tests.test_api import MATRIX as CONTRACTS_MATRIX
from tracedesk.exports.tests.test_api import MATRIX as EXPORTS_MATRIX
from tracedesk.ingest.tests.test_api import MATRIX as INGEST_MATRIX
from tracedesk.linkage.tests.test_api import MATRIX as LINKAGE_MATRIX
from tracedesk.linkage.tests.test_decisions import MATRIX as DECISIONS_MATRIX
from tracedesk.linkage.tests.test_household_views import MATRIX as HOUSEHOLD_MATRIX
from tracedesk.people.tests.test_api import MATRIX as PEOPLE_MATRIX
from tracedesk.places.tests.test_upload import MATRIX as PLACES_MATRIX
from tracedesk.testing.api_routes import (
    RouteCall,
    api_route_matrix,
    bearer_token,
    call,
    token_client,
)
from tracedesk.testing.world import World
from tracedesk.tracing.tests.test_api import MATRIX as TRACING_MATRIX

MATRIX: dict[tuple[str, str], RouteCall] = {
    **PEOPLE_MATRIX,
    **CASES_MATRIX,
    **INGEST_MATRIX,
    **LINKAGE_MATRIX,
    **HOUSEHOLD_MATRIX,
    **DECISIONS_MATRIX,
    **CLUSTERS_MATRIX,
    **PLACES_MATRIX,
    **TRACING_MATRIX,
    **CONTRACTS_MATRIX,
    **EXPORTS_MATRIX,
}
ROUTES = sorted(MATRIX)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def test_every_api_route_has_an_access_matrix_entry() -> None:
    served = {(route.method, route.path) for route in api_route_matrix()}
    assert not set(PEOPLE_MATRIX) & set(CASES_MATRIX)
    assert served - set(MATRIX) == set(), "add these routes to an app's MATRIX in tests/test_api.py"
    assert set(MATRIX) - served == set(), "these matrix entries name no route"


def _request(world: World, client: Client, route: tuple[str, str]) -> Any:
    entry = MATRIX[route]
    district = world.district("a")
    body = entry.body(district) if entry.body else None
    return call(client, route[0], entry.url(district), body)


# --- Authentication -------------------------------------------------------------


@pytest.mark.parametrize("route", ROUTES, ids=" ".join)
@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer td_not-a-token", "Bearer not-even-ours", "Basic dHJhY2VyOnB3"],
)
def test_no_or_unknown_credentials_are_401(
    world: World, route: tuple[str, str], authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = _request(world, Client(headers=headers), route)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"detail": "Authentication required: send a valid bearer token."}


@pytest.mark.parametrize("route", ROUTES, ids=" ".join)
def test_revoked_token_is_401(world: World, route: tuple[str, str]) -> None:
    key = bearer_token(world.users["tracer_a"])
    ApiToken.objects.filter(key_hash=hash_token(key)).update(revoked_at=timezone.now())
    response = _request(world, Client(headers={"Authorization": f"Bearer {key}"}), route)
    assert response.status_code == 401


@pytest.mark.parametrize("route", ROUTES, ids=" ".join)
def test_inactive_users_token_is_401(world: World, route: tuple[str, str]) -> None:
    user = world.users["tracer_a"]
    key = bearer_token(user)
    user.is_active = False
    user.save()
    response = _request(world, Client(headers={"Authorization": f"Bearer {key}"}), route)
    assert response.status_code == 401


def test_a_wrong_bearer_token_is_not_rescued_by_a_session(world: World, login: Any) -> None:
    client = login("tracer_a")
    assert client.get("/api/people").status_code == 200
    response = client.get("/api/people", headers={"Authorization": "Bearer td_wrong"})
    assert response.status_code == 401


def test_last_used_at_is_stamped_at_most_once_a_minute(world: World) -> None:
    key = bearer_token(world.users["tracer_a"])
    client = Client(headers={"Authorization": f"Bearer {key}"})
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert client.get("/api/people").status_code == 200
    token = ApiToken.objects.get(key_hash=hash_token(key))
    assert token.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        client.get("/api/people")
    token.refresh_from_db()
    assert token.last_used_at == start
    later = start + dt.timedelta(minutes=2)
    with time_machine.travel(later, tick=False):
        client.get("/api/people")
    token.refresh_from_db()
    assert token.last_used_at == later


# --- Session auth (a signed-in browser) -----------------------------------------

CSRF_SECRET = "a" * 32  # a well-formed csrftoken cookie value


def test_session_auth_reads_and_writes_with_csrf(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["tracer_a"])
    assert client.get("/api/cases").status_code == 200

    case = world.district("a").case
    url = f"/api/cases/{case.pk}/contacts"
    body = CASES_MATRIX[("POST", "/api/cases/{case_id}/contacts")].body
    assert body is not None
    payload = body(world.district("a"))
    refused = call(client, "POST", url, payload)
    assert refused.status_code == 403  # no CSRF token: a forged cross-site request
    assert not Contact.objects.filter(case=case, person__first_name="Newcontact").exists()

    client.cookies["csrftoken"] = CSRF_SECRET
    accepted = client.post(
        url,
        data=payload,
        content_type="application/json",
        headers={"X-CSRFToken": CSRF_SECRET},
    )
    assert accepted.status_code == 201


def test_session_of_analyst_is_403(world: World, login: Any) -> None:
    assert login("analyst").get("/api/people").status_code == 403


# --- Wrong methods and bad ids on every route -----------------------------------


@pytest.mark.parametrize("path", sorted({path for _, path in ROUTES}))
def test_wrong_method_is_405(world: World, path: str) -> None:
    served = {method for method, p in ROUTES if p == path}
    route = next(r for r in ROUTES if r[1] == path)
    url = MATRIX[route].url(world.district("a"))
    client = token_client(world.users[MATRIX[route].persona])
    for method in set(METHODS) - served:
        response = call(client, method, url, {} if method in {"POST", "PUT", "PATCH"} else None)
        assert response.status_code == 405, (method, url)


ID_ROUTES = [route for route in ROUTES if "{" in route[1]]


@pytest.mark.parametrize("route", ID_ROUTES, ids=" ".join)
@pytest.mark.parametrize(
    ("bad_id", "statuses"),
    [
        ("abc", {422}),
        ("1.5", {422}),
        ("999999", {404}),
        ("-1", {404}),
        ("99999999999999999999999", {404, 422}),
    ],
)
def test_bad_ids_are_clean_errors(
    world: World, route: tuple[str, str], bad_id: str, statuses: set[int]
) -> None:
    method, template = route
    entry = MATRIX[route]
    # The route's real URL with its first path parameter replaced by the bad id (later
    # parameters, such as a statement's month, keep their good values).
    segments = entry.url(world.district("a")).split("?")[0].split("/")
    position = next(i for i, part in enumerate(template.split("/")) if part.startswith("{"))
    segments[position] = bad_id
    url = "/".join(segments)
    body = entry.body(world.district("a")) if entry.body else None
    before = Contact.objects.count()
    response = call(token_client(world.users[entry.persona]), method, url, body)
    assert response.status_code in statuses
    assert "detail" in response.json()
    if response.status_code == 422:
        field = template.split("{")[1].split("}")[0]
        assert response.json()["detail"][0]["field"] == field
    assert Contact.objects.count() == before


def test_openapi_schema_is_served_and_names_bearer_auth(world: World) -> None:
    schema = Client().get("/api/openapi.json").json()
    assert schema["info"]["title"] == "tracedesk API"
    assert schema["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    assert {path for _, path in ROUTES} == set(schema["paths"])


# --- The createtoken command ------------------------------------------------------


def test_createtoken_prints_a_working_token_and_stores_only_its_hash(world: World) -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("createtoken", "tracer_a", "--name", "lab feed", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert key.startswith("td_")
    assert len(key) > 40
    token = ApiToken.objects.get(name="lab feed")
    assert token.user == world.users["tracer_a"]
    assert token.key_hash == hash_token(key)
    assert token.prefix == key[:8]
    assert key not in {token.name, token.prefix, token.key_hash}
    assert key not in err.getvalue()  # printed once, on stdout only
    assert AuditEvent.objects.filter(
        object_type="accounts.apitoken", object_id=str(token.pk), source="createtoken"
    ).exists()
    response = Client(headers={"Authorization": f"Bearer {key}"}).get("/api/cases")
    assert response.status_code == 200


def test_createtoken_refuses_unknown_and_inactive_users(world: World) -> None:
    with pytest.raises(CommandError, match="No user"):
        call_command("createtoken", "nobody", "--name", "x", stdout=io.StringIO())
    user = world.users["tracer_b"]
    user.is_active = False
    user.save()
    with pytest.raises(CommandError, match="inactive"):
        call_command("createtoken", "tracer_b", "--name", "x", stdout=io.StringIO())
    with pytest.raises(CommandError, match="empty"):
        call_command("createtoken", "tracer_a", "--name", " ", stdout=io.StringIO())
    assert not ApiToken.objects.exists()
