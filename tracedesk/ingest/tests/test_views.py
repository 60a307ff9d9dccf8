"""The upload pages: the access matrix, upload to reconciliation, correcting a rejection."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tracedesk.ingest.models import IngestBatch, TestResult
from tracedesk.ingest.pipeline import ingest_file
from tracedesk.ingest.tests.feeds import people, row, write_csv
from tracedesk.testing.world import PERSONAS, World

CAN_INGEST = ("supervisor_a", "health_protection")


@pytest.fixture
def batch(world: World, tmp_path: Path) -> IngestBatch:
    """A batch uploaded by supervisor_a, with one rejected record."""
    path = write_csv(tmp_path / "feed.csv", [row("S1"), row("S2", result="MAYBE")])
    return ingest_file(path, actor=world.users["supervisor_a"], channel="web")


def record_pages(batch: IngestBatch) -> dict[str, str]:
    rejection = batch.rejections.get()
    return {
        "ingest-detail": reverse("ingest-detail", args=[batch.pk]),
        "ingest-progress": reverse("ingest-progress", args=[batch.pk]),
        "rejection-detail": reverse("rejection-detail", args=[rejection.pk]),
    }


INGEST_ROUTES = {
    "ingest-list",
    "ingest-upload",
    "ingest-detail",
    "ingest-progress",
    "rejection-detail",
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_list_needs_the_right_to_ingest(
    world: World, login: Callable[[str], Client], persona: str
) -> None:
    expected = 200 if persona in CAN_INGEST else 403
    assert login(persona).get(reverse("ingest-list")).status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", ["ingest-detail", "ingest-progress", "rejection-detail"])
def test_a_batch_is_seen_by_its_uploader_or_a_national_scope(
    batch: IngestBatch, login: Callable[[str], Client], name: str, persona: str
) -> None:
    expected = {"supervisor_a": 200, "health_protection": 404}.get(persona, 403)
    assert login(persona).get(record_pages(batch)[name]).status_code == expected


def test_uploading_a_file_shows_its_reconciliation(
    world: World, login: Callable[[str], Client], settings: object
) -> None:
    settings.INGEST_UPLOADS_IN_BACKGROUND = False  # type: ignore[attr-defined]
    content = Path(write_csv(Path(str(settings.DATA_DIR)) / "f.csv", people(12))).read_bytes()  # type: ignore[attr-defined]
    client = login("supervisor_a")
    response = client.post(
        reverse("ingest-upload"),
        {"file": SimpleUploadedFile("results.csv", content), "format": ""},
        follow=True,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "results.csv" in page and "every record is accounted for" in page
    batch = IngestBatch.objects.get(source_name="results.csv")
    assert batch.channel == "web" and batch.created_by == world.users["supervisor_a"]
    assert batch.accepted_count == 12
    assert client.get(reverse("ingest-upload")).status_code == 405


def test_an_unreadable_upload_is_refused_with_a_message(
    world: World, login: Callable[[str], Client]
) -> None:
    client = login("supervisor_a")
    response = client.post(
        reverse("ingest-upload"),
        {"file": SimpleUploadedFile("notes.txt", b"hello\nworld\n")},
        follow=True,
    )
    assert "notes.txt" in response.content.decode()
    assert not IngestBatch.objects.exists()


def test_correcting_a_rejection_in_the_browser(
    batch: IngestBatch, login: Callable[[str], Client]
) -> None:
    client = login("supervisor_a")
    url = record_pages(batch)["rejection-detail"]
    page = client.get(url).content.decode()
    assert "MAYBE" in page
    fields = dict(batch.rejections.get().fields)
    still_bad = client.post(url, {**fields, "result": "PERHAPS"})
    assert still_bad.status_code == 200 and "PERHAPS" in still_bad.content.decode()
    done = client.post(url, {**fields, "result": "NEGATIVE"})
    assert done.status_code == 302
    batch.refresh_from_db()
    assert (batch.accepted_count, batch.rejected_count) == (2, 0) and batch.reconciles
    assert TestResult.objects.filter(specimen_id="S2").exists()


def test_polling_a_finished_batch_refreshes_the_page(
    batch: IngestBatch, login: Callable[[str], Client]
) -> None:
    client = login("supervisor_a")
    url = record_pages(batch)["ingest-progress"]
    assert client.get(url, headers={"HX-Request": "true"})["HX-Refresh"] == "true"
    assert "HX-Refresh" not in client.get(url)
