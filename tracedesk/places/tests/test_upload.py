"""Check-in files uploaded through the staff pages and the API: rights, progress,
reconciliation, rejected rows with line, field and reason, malformed files."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tracedesk.audit.models import Action, AuditEvent
from tracedesk.places.models import CheckIn, CheckInBatch, CheckInRejection
from tracedesk.testing.api_routes import RouteCall, token_client
from tracedesk.testing.world import PERSONAS, World

CHECKIN_ROUTES = {"checkin-list", "checkin-upload", "checkin-detail", "checkin-progress"}
MATRIX: dict[tuple[str, str], RouteCall] = {
    ("POST", "/api/checkins/files"): RouteCall(
        kind="create", url=lambda d: "/api/checkins/files", persona="health_protection"
    ),
    ("GET", "/api/checkin-batches"): RouteCall(
        kind="list", url=lambda d: "/api/checkin-batches", persona="health_protection"
    ),
    ("GET", "/api/checkin-batches/{batch_id}"): RouteCall(
        kind="detail", url=lambda d: "/api/checkin-batches/1", persona="health_protection"
    ),
    ("GET", "/api/checkin-batches/{batch_id}/rejections"): RouteCall(
        kind="detail",
        url=lambda d: "/api/checkin-batches/1/rejections",
        persona="health_protection",
    ),
}
CAN_IMPORT = {"supervisor_a", "health_protection"}  # the right INGEST_RESULTS

WHEN = (timezone.now() - dt.timedelta(days=2)).replace(microsecond=0).isoformat()


def _file(*rows: str, name: str = "checkins.csv") -> SimpleUploadedFile:
    body = "\n".join(["venue_id,token,checked_in_at", *rows]) + "\n"
    return SimpleUploadedFile(name, body.encode(), content_type="text/csv")


MIXED = (
    f"VENUE-A,tok-1,{WHEN}",
    f"VENUE-A,tok-2,{WHEN}",
    f"VENUE-A,tok-1,{WHEN}",  # line 4: duplicate of line 2
    f"VENUE-NOPE,tok-3,{WHEN}",  # line 5: unknown venue
    "VENUE-B,tok-4,last tuesday",  # line 6: bad time
    f"VENUE-B,,{WHEN}",  # line 7: missing token
)


@pytest.fixture
def in_request(settings: object) -> None:
    settings.INGEST_UPLOADS_IN_BACKGROUND = False  # type: ignore[attr-defined]


# --- Web ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_web_access(
    world: World, login: Callable[[str], Client], in_request: None, persona: str
) -> None:
    client = login(persona)
    listing = client.get(reverse("checkin-list"))
    uploaded = client.post(
        reverse("checkin-upload"), {"file": _file(f"VENUE-A,t-{persona},{WHEN}")}
    )
    if persona in CAN_IMPORT:
        assert listing.status_code == 200
        batch = CheckInBatch.objects.get()
        assert uploaded.status_code == 302
        assert uploaded["Location"] == reverse("checkin-detail", args=[batch.pk])
        assert client.get(reverse("checkin-detail", args=[batch.pk])).status_code == 200
        assert client.get(reverse("checkin-progress", args=[batch.pk])).status_code == 200
        assert batch.reconciles and batch.channel == "web"
    else:
        assert (listing.status_code, uploaded.status_code) == (403, 403)
        assert not CheckInBatch.objects.exists() and not CheckIn.objects.exists()


def test_anonymous_is_sent_to_login(world: World, client: Client) -> None:
    for url in (reverse("checkin-list"), reverse("checkin-detail", args=[1])):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert client.post(reverse("checkin-upload")).status_code == 302
    assert not CheckInBatch.objects.exists()


def test_wrong_methods_are_405(world: World, login: Callable[[str], Client]) -> None:
    client = login("health_protection")
    assert client.post(reverse("checkin-list")).status_code == 405
    assert client.get(reverse("checkin-upload")).status_code == 405
    assert client.post(reverse("checkin-detail", args=[1])).status_code == 405


def test_upload_shows_the_reconciliation_and_every_rejected_row(
    world: World, login: Callable[[str], Client], in_request: None
) -> None:
    client = login("health_protection")
    response = client.post(reverse("checkin-upload"), {"file": _file(*MIXED)}, follow=True)
    batch = CheckInBatch.objects.get()
    assert (batch.read_count, batch.accepted_count, batch.duplicate_count,
            batch.rejected_count) == (6, 2, 1, 3)  # fmt: skip
    page = response.content.decode()
    assert "Read 6 = accepted 2 + duplicates 1 + rejected 3" in page
    for line, field, reason in ((5, "venue_id", "unknown venue"),
                                (6, "checked_in_at", "not an ISO 8601 time"),
                                (7, "token", "missing")):  # fmt: skip
        assert f'<td class="num">{line}</td><td>{field}</td><td>' in page
        assert reason in page
    assert "VENUE-NOPE,tok-3" in page  # the row as received
    listing = client.get(reverse("checkin-list")).content.decode()
    assert "checkins.csv" in listing


def test_the_same_file_again_writes_nothing(
    world: World, login: Callable[[str], Client], in_request: None
) -> None:
    client = login("supervisor_a")
    client.post(reverse("checkin-upload"), {"file": _file(*MIXED)})
    again = client.post(reverse("checkin-upload"), {"file": _file(*MIXED, name="copy.csv")},
                        follow=True)  # fmt: skip
    assert CheckInBatch.objects.count() == 1 and CheckIn.objects.count() == 2
    assert "already imported" in again.content.decode()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"venue,token,time\nVENUE-A,t,2021-01-01T10:00:00\n", "venue_id"),
        (b"\xff\xfe\x00\x01binary", "not UTF-8"),
    ],
)
def test_a_malformed_file_is_refused_with_its_reason(
    world: World, login: Callable[[str], Client], in_request: None, content: bytes, reason: str
) -> None:
    client = login("health_protection")
    upload = SimpleUploadedFile("bad.csv", content, content_type="text/csv")
    response = client.post(reverse("checkin-upload"), {"file": upload}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("checkin-list")
    page = response.content.decode()
    assert "bad.csv:" in page and reason in page
    assert not CheckInBatch.objects.exists()
    missing = client.post(reverse("checkin-upload"), {}, follow=True)
    assert "Choose a file" in missing.content.decode()


def test_progress_is_polled_while_running_and_refreshes_when_done(
    world: World, login: Callable[[str], Client]
) -> None:
    user = world.users["health_protection"]
    batch = CheckInBatch.objects.create(source_name="big.csv", source_sha256="0" * 64,
                                        read_count=40_000, accepted_count=40_000,
                                        created_by=user)  # fmt: skip
    client = login("health_protection")
    url = reverse("checkin-progress", args=[batch.pk])
    running = client.get(url, headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in running.content.decode()
    assert "40000 rows read so far" in running.content.decode()
    assert "HX-Refresh" not in running
    batch.status = "complete"
    batch.save()
    done = client.get(url, headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true" and "every 1s" not in done.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_imported_in_the_background(
    world: World, login: Callable[[str], Client], settings: object, tmp_path: Path
) -> None:
    """The default: the request returns at once and a thread imports in chunks."""
    import threading

    settings.INGEST_UPLOADS_IN_BACKGROUND = True  # type: ignore[attr-defined]
    started: list[threading.Thread] = []
    real_start = threading.Thread.start

    def record(thread: threading.Thread) -> None:
        started.append(thread)
        real_start(thread)

    rows = [f"VENUE-A,tok-{i},{WHEN}" for i in range(50)]
    client = login("health_protection")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(threading.Thread, "start", record)
        response = client.post(reverse("checkin-upload"), {"file": _file(*rows)})
    for thread in started:
        thread.join(timeout=60)
    assert response.status_code == 302 and len(started) == 1
    batch = CheckInBatch.objects.get()
    assert batch.reconciles and batch.accepted_count == 50


def test_others_uploads_are_not_shown_below_a_national_scope(
    world: World, login: Callable[[str], Client], in_request: None
) -> None:
    login("supervisor_a").post(reverse("checkin-upload"), {"file": _file(*MIXED)})
    batch = CheckInBatch.objects.get()
    client = login("health_protection")  # a region, not the nation
    assert client.get(reverse("checkin-detail", args=[batch.pk])).status_code == 404
    assert "checkins.csv" not in client.get(reverse("checkin-list")).content.decode()


# --- API ---------------------------------------------------------------------------


def _api_upload(client: Client, upload: SimpleUploadedFile) -> object:
    return client.post("/api/checkins/files", {"file": upload})


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_access(world: World, persona: str) -> None:
    client = token_client(world.users[persona])
    response = _api_upload(client, _file(f"VENUE-A,t-{persona},{WHEN}"))
    listed = client.get("/api/checkin-batches")
    if persona in CAN_IMPORT:
        assert response.status_code == 201  # type: ignore[attr-defined]
        batch = response.json()["batch"]  # type: ignore[attr-defined]
        assert listed.status_code == 200
        assert [item["batch"] for item in listed.json()["items"]] == [batch]
        assert client.get(f"/api/checkin-batches/{batch}").json()["reconciles"] is True
    else:
        assert (response.status_code, listed.status_code) == (403, 403)  # type: ignore[attr-defined]
        assert not CheckInBatch.objects.exists()


def test_api_upload_returns_the_reconciliation_with_rejected_rows(world: World) -> None:
    client = token_client(world.users["health_protection"])
    response = _api_upload(client, _file(*MIXED))
    assert response.status_code == 201  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert {k: body[k] for k in ("read", "accepted", "duplicates", "rejected", "reconciles",
                                 "balanced", "status", "already_imported")} == {
        "read": 6, "accepted": 2, "duplicates": 1, "rejected": 3, "reconciles": True,
        "balanced": True, "status": "complete", "already_imported": False,
    }  # fmt: skip
    assert [(r["line"], r["field"]) for r in body["rejections"]] == [
        (5, "venue_id"), (6, "checked_in_at"), (7, "token")
    ]  # fmt: skip
    assert "VENUE-NOPE" in body["rejections"][0]["reason"]
    paged = client.get(f"/api/checkin-batches/{body['batch']}/rejections?limit=2").json()
    assert paged["count"] == 3 and [r["line"] for r in paged["items"]] == [5, 6]
    # The read is audited as a list naming exactly the rejected rows it returned.
    event = AuditEvent.objects.filter(action=Action.LIST).latest("pk")
    assert event.object_type == "places.checkinrejection"
    shown = CheckInRejection.objects.filter(batch_id=body["batch"], line__in=[5, 6])
    assert sorted(event.object_ids) == sorted(shown.values_list("pk", flat=True))
    again = _api_upload(client, _file(*MIXED, name="again.csv")).json()  # type: ignore[attr-defined]
    assert again["batch"] == body["batch"] and again["already_imported"] is True
    assert CheckIn.objects.count() == 2


def test_api_refuses_a_malformed_file_naming_the_field(world: World) -> None:
    client = token_client(world.users["supervisor_a"])
    upload = SimpleUploadedFile("bad.csv", b"venue,token\nA,b\n", content_type="text/csv")
    response = _api_upload(client, upload)
    assert response.status_code == 422  # type: ignore[attr-defined]
    detail = response.json()["detail"]  # type: ignore[attr-defined]
    assert detail[0]["field"] == "file" and "venue_id, checked_in_at" in detail[0]["message"]
    assert not CheckInBatch.objects.exists()
    assert client.post("/api/checkins/files", {}).status_code == 422


def test_api_batches_of_others_are_not_found_below_a_national_scope(world: World) -> None:
    mine = _api_upload(token_client(world.users["supervisor_a"]), _file(*MIXED)).json()  # type: ignore[attr-defined]
    client = token_client(world.users["health_protection"])
    assert client.get(f"/api/checkin-batches/{mine['batch']}").status_code == 404
    assert client.get(f"/api/checkin-batches/{mine['batch']}/rejections").status_code == 404
    assert client.get("/api/checkin-batches").json()["items"] == []


def test_the_import_list_counts_and_pages_every_import(world: World) -> None:
    user = world.users["supervisor_a"]
    CheckInBatch.objects.bulk_create(
        CheckInBatch(source_name=f"venues-{n}.csv", source_sha256=f"{n:064x}", created_by=user)
        for n in range(1005)
    )
    client = token_client(user)
    first = client.get("/api/checkin-batches?limit=100").json()
    assert first["count"] == 1005 and len(first["items"]) == 100
    assert len(client.get("/api/checkin-batches?limit=100&offset=1000").json()["items"]) == 5
