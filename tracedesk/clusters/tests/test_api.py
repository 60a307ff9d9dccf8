"""Cluster endpoints: access, scope, the decision."""

from __future__ import annotations

import pytest

from tracedesk.clusters.models import ClusterStatus
from tracedesk.clusters.tests.helpers import gym_cluster
from tracedesk.testing.api_routes import RouteCall, call, response_ids, token_client
from tracedesk.testing.world import PERSONAS, World

MATRIX: dict[tuple[str, str], RouteCall] = {
    ("GET", "/api/clusters"): RouteCall(
        kind="list", url=lambda d: "/api/clusters", persona="health_protection"
    ),
    ("GET", "/api/clusters/{cluster_id}"): RouteCall(
        kind="detail", url=lambda d: "/api/clusters/1", persona="health_protection"
    ),
    ("POST", "/api/clusters/{cluster_id}/decision"): RouteCall(
        kind="create",
        url=lambda d: "/api/clusters/1/decision",
        body=lambda d: {"decision": "dismiss", "note": "test"},
        persona="health_protection",
    ),
    ("GET", "/api/clusters/{cluster_id}/chain"): RouteCall(
        kind="detail", url=lambda d: "/api/clusters/1/chain", persona="health_protection"
    ),
    ("GET", "/api/cases/{case_id}/chain"): RouteCall(
        kind="detail", url=lambda d: f"/api/cases/{d.case.pk}/chain"
    ),
}
DECIDERS = {"health_protection"}


@pytest.mark.parametrize("persona", PERSONAS)
def test_access_matrix(world: World, persona: str) -> None:
    cluster = gym_cluster(world.leeds)
    client = token_client(world.users[persona])
    listing = call(client, "GET", "/api/clusters")
    detail = call(client, "GET", f"/api/clusters/{cluster.pk}")
    chain = call(client, "GET", f"/api/clusters/{cluster.pk}/chain")
    decided = call(client, "POST", f"/api/clusters/{cluster.pk}/decision",
                   {"decision": "dismiss", "note": "not linked"})  # fmt: skip
    cluster.refresh_from_db()
    if persona in DECIDERS:
        assert listing.status_code == 200 and cluster.pk in response_ids(listing)
        assert detail.status_code == 200 and len(detail.json()["cases"]) == 2
        assert chain.status_code == 200
        assert decided.status_code == 200 and cluster.status == ClusterStatus.DISMISSED
    else:
        statuses = {listing.status_code, detail.status_code, chain.status_code,
                    decided.status_code}  # fmt: skip
        assert statuses == {403}
        assert cluster.status == ClusterStatus.PROPOSED


def test_outside_scope_is_404_and_absent(world: World) -> None:
    camden = gym_cluster(world.camden, postcode="NW1 2BB", ref="GYM-C")
    client = token_client(world.users["health_protection"])
    assert camden.pk not in response_ids(call(client, "GET", "/api/clusters"))
    assert call(client, "GET", f"/api/clusters/{camden.pk}").status_code == 404
    response = call(client, "POST", f"/api/clusters/{camden.pk}/decision",
                    {"decision": "confirm"})  # fmt: skip
    assert response.status_code == 404


def test_a_decided_cluster_cannot_be_decided_again(world: World) -> None:
    cluster = gym_cluster(world.leeds)
    client = token_client(world.users["health_protection"])
    url = f"/api/clusters/{cluster.pk}/decision"
    assert call(client, "POST", url, {"decision": "dismiss", "note": "x"}).status_code == 200
    again = call(client, "POST", url, {"decision": "confirm"})
    assert again.status_code == 422 and again.json()["detail"][0]["field"] == "status"
    bad = call(client, "POST", url, {"decision": "maybe"})
    assert bad.status_code == 422


def test_case_chain_follows_scope(world: World) -> None:
    case_b = world.district("b").case
    client = token_client(world.users["tracer_a"])
    assert call(client, "GET", f"/api/cases/{case_b.pk}/chain").status_code == 404
    own = call(client, "GET", f"/api/cases/{world.district('a').case.pk}/chain")
    assert own.status_code == 200 and own.json()["cases"] == 1
