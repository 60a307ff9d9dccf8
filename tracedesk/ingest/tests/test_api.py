"""Laboratory results through the API: upload, one result, batches, resubmission."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from tracedesk.ingest.models import IngestBatch, TestResult
from tracedesk.ingest.tests.feeds import GOOD, people, row, write_csv
from tracedesk.testing.api_routes import RouteCall, token_client
from tracedesk.testing.world import PERSONAS, World

CAN_INGEST = ("supervisor_a", "health_protection")

# Ids in these URLs are placeholders: the generic checks (401, 405, bad ids) only need the
# route; the behaviour tests below build real ones.
MATRIX: dict[tuple[str, str], RouteCall] = {
    ("POST", "/api/lab-results/files"): RouteCall(
        kind="create", url=lambda d: "/api/lab-results/files", persona="supervisor_a"
    ),
    ("POST", "/api/lab-results"): RouteCall(
        kind="create",
        url=lambda d: "/api/lab-results",
        body=lambda d: row("API1"),
        persona="supervisor_a",
    ),
    ("GET", "/api/ingest-batches"): RouteCall(
        kind="list", url=lambda d: "/api/ingest-batches", persona="supervisor_a"
    ),
    ("GET", "/api/ingest-batches/{batch_id}"): RouteCall(
        kind="detail", url=lambda d: "/api/ingest-batches/1", persona="supervisor_a"
    ),
    ("GET", "/api/ingest-batches/{batch_id}/rejections"): RouteCall(
        kind="detail", url=lambda d: "/api/ingest-batches/1/rejections", persona="supervisor_a"
    ),
    ("POST", "/api/rejections/{rejection_id}/resubmit"): RouteCall(
        kind="create",
        url=lambda d: "/api/rejections/1/resubmit",
        body=lambda d: {"fields": {}},
        persona="supervisor_a",
    ),
}


def upload(client: Client, path: Path, name: str = "feed.csv") -> object:
    with path.open("rb") as handle:
        return client.post("/api/lab-results/files", {"file": handle, "format": ""})


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_roles_with_the_right_may_ingest(world: World, tmp_path: Path, persona: str) -> None:
    client = token_client(world.users[persona])
    response = upload(client, write_csv(tmp_path / "feed.csv", people(3)))
    assert response.status_code == (201 if persona in CAN_INGEST else 403)  # type: ignore[attr-defined]
    posted = client.post(
        "/api/lab-results", json.dumps(row("ONE")), content_type="application/json"
    )
    assert posted.status_code == (201 if persona in CAN_INGEST else 403)
    listed = client.get("/api/ingest-batches")
    assert listed.status_code == (200 if persona in CAN_INGEST else 403)


def test_upload_returns_the_reconciliation(world: World, tmp_path: Path) -> None:
    client = token_client(world.users["supervisor_a"])
    rows = [*people(4), row("BAD", result="MAYBE")]
    body = upload(client, write_csv(tmp_path / "feed.csv", rows)).json()  # type: ignore[attr-defined]
    assert (body["read"], body["accepted"], body["rejected"], body["reconciles"]) == (5, 4, 1, True)
    again = upload(client, write_csv(tmp_path / "feed.csv", rows)).json()  # type: ignore[attr-defined]
    assert again["batch"] == body["batch"] and again["already_ingested"] is True
    copy = upload(client, write_csv(tmp_path / "copy.csv", rows, trailer=5)).json()  # type: ignore[attr-defined]
    assert (copy["accepted"], copy["duplicates"], copy["rejected"]) == (0, 4, 1)


def test_one_result_as_json(world: World) -> None:
    client = token_client(world.users["supervisor_a"])
    created = client.post(
        "/api/lab-results", json.dumps(row("J1")), content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["accepted"] == 1
    batches = IngestBatch.objects.count()
    again = client.post("/api/lab-results", json.dumps(row("J1")), content_type="application/json")
    assert again.json()["already_ingested"] is True
    assert again.json()["batch"] == created.json()["batch"]
    assert IngestBatch.objects.count() == batches
    bad = client.post(
        "/api/lab-results",
        json.dumps({**row("J2"), "result_at": "soon"}),
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["field"] == "result_at"
    assert not TestResult.objects.filter(specimen_id="J2").exists()
    rejection_id = bad.json()["rejection"]
    fixed = client.post(
        f"/api/rejections/{rejection_id}/resubmit",
        json.dumps({"fields": {**row("J2")}}),
        content_type="application/json",
    )
    assert fixed.status_code == 200 and fixed.json()["status"] == "resubmitted"
    assert TestResult.objects.filter(specimen_id="J2").exists()


def test_batches_are_seen_by_their_uploader_or_a_national_scope(
    world: World, tmp_path: Path
) -> None:
    mine = token_client(world.users["supervisor_a"])
    upload(mine, write_csv(tmp_path / "feed.csv", [row("S1"), row("S2", result="?")]))
    batch = IngestBatch.objects.get()
    assert mine.get(f"/api/ingest-batches/{batch.pk}").status_code == 200
    rejections = mine.get(f"/api/ingest-batches/{batch.pk}/rejections").json()["items"]
    assert [(r["number"], r["field"]) for r in rejections] == [(3, "result")]
    other = token_client(world.users["health_protection"])
    assert other.get(f"/api/ingest-batches/{batch.pk}").status_code == 404
    assert other.get("/api/ingest-batches").json()["items"] == []
    assert GOOD["lab_code"] in rejections[0]["raw"]


def test_the_batch_list_counts_and_pages_every_batch(world: World) -> None:
    """More batches than any cap: the count is every batch, and the last page is reachable."""
    user = world.users["supervisor_a"]
    IngestBatch.objects.bulk_create(
        IngestBatch(source_name=f"feed-{n}.csv", source_sha256=f"{n:064x}", format="csv",
                    channel="api", created_by=user)
        for n in range(1005)
    )  # fmt: skip
    client = token_client(user)
    first = client.get("/api/ingest-batches?limit=100").json()
    assert first["count"] == 1005 and len(first["items"]) == 100
    last = client.get("/api/ingest-batches?limit=100&offset=1000").json()
    assert len(last["items"]) == 5
    assert {item["source"] for item in last["items"]} <= {f"feed-{n}.csv" for n in range(1005)}
