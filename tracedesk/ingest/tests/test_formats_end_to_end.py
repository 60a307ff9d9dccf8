"""A generated feed with malformed records, in every format, through every way in: each
reconciles, and rejects exactly the records the generator broke."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tracedesk.ingest.models import IngestBatch
from tracedesk.testing.api_routes import token_client
from tracedesk.testing.world import World

FILES = {
    "lab_results.csv": "csv",
    "lab_results.fhir.ndjson": "fhir-ndjson",
    "lab_results.bundle.json": "fhir-bundle",
    "lab_results.hl7": "hl7",
    "lab_results.mllp.hl7": "hl7",
}


def broken(outbreak: Path, name: str) -> dict[int, str]:
    """Return record number → field of the defects the generator put into one file."""
    with (outbreak / "truth" / "malformed.csv").open(newline="") as handle:
        return {
            int(row["record_number"]): row["field"]
            for row in csv.DictReader(handle)
            if row["file"] == name
        }


def assert_rejects_exactly_the_broken(batch: IngestBatch, outbreak: Path, name: str) -> None:
    assert batch.reconciles, batch.stopped_reason
    expected = broken(outbreak, name)
    assert expected, "the generator should have broken some records"
    rejected = {r.number: r.field for r in batch.rejections.all()}
    assert set(rejected) == set(expected)
    for number, field in expected.items():
        if field != "record":
            assert rejected[number] == field, (name, number)
    total = json.loads((outbreak / "manifest.json").read_text())["files"][name]["rows"]
    assert batch.read_count == total == batch.accepted_count + batch.rejected_count


@pytest.mark.parametrize("reader", [-1, 0], ids=["in this process", "in a reader process"])
@pytest.mark.parametrize("name", sorted(FILES))
def test_the_command_line(
    world: World, malformed_outbreak: Path, name: str, reader: int, settings: Any
) -> None:
    settings.INGEST_READER_PROCESS_BYTES = reader  # every format through both (readahead.py)
    call_command("load_geography", str(malformed_outbreak / "geography.csv"), stdout=StringIO())
    out = StringIO()
    call_command("ingest", str(malformed_outbreak / name), "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["format"] == FILES[name] and summary["reconciles"] is True
    assert_rejects_exactly_the_broken(IngestBatch.objects.get(), malformed_outbreak, name)


def test_the_api(world: World, malformed_outbreak: Path) -> None:
    name = "lab_results.bundle.json"
    client = token_client(world.users["supervisor_a"])
    with (malformed_outbreak / name).open("rb") as handle:
        response = client.post("/api/lab-results/files", {"file": handle})
    assert response.status_code == 201 and response.json()["reconciles"] is True
    assert_rejects_exactly_the_broken(IngestBatch.objects.get(), malformed_outbreak, name)


def test_the_upload_page(
    world: World, malformed_outbreak: Path, login: Callable[[str], Client], settings: object
) -> None:
    settings.INGEST_UPLOADS_IN_BACKGROUND = False  # type: ignore[attr-defined]
    name = "lab_results.hl7"
    upload = SimpleUploadedFile(name, (malformed_outbreak / name).read_bytes())
    page = login("supervisor_a").post(reverse("ingest-upload"), {"file": upload}, follow=True)
    assert "every record is accounted for" in page.content.decode()
    assert_rejects_exactly_the_broken(IngestBatch.objects.get(), malformed_outbreak, name)
