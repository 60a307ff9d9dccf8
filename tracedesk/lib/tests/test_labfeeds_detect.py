"""Detecting a feed's format, and refusing files that cannot be told apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tracedesk.lib.labfeeds import CANONICAL_FIELDS, FeedError, detect_format, open_feed
from tracedesk.lib.labfeeds.detect import HEAD_BYTES

FIXTURES = Path(__file__).parent / "fixtures" / "labfeeds"
OBSERVATION = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}


def write(tmp_path: Path, content: str | bytes, name: str = "feed.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("MSH|^~\\&|LIMS|LAB\rPID|1\r", "hl7"),
        ("\x0bMSH|^~\\&|LIMS|LAB\r\x1c\r", "hl7"),
        ("FHS|^~\\&\rBHS|^~\\&\rMSH|^~\\&\r", "hl7"),
        ("\r\nBHS|^~\\&\n", "hl7"),
        (json.dumps({"resourceType": "Bundle", "type": "collection"}), "fhir-bundle"),
        (json.dumps({"resourceType": "Bundle", "entry": []}, indent=2), "fhir-bundle"),
        (
            # the top-level resourceType comes after nested ones
            json.dumps({"entry": [{"resource": OBSERVATION}], "resourceType": "Bundle"}, indent=1),
            "fhir-bundle",
        ),
        (json.dumps(OBSERVATION) + "\n" + json.dumps(OBSERVATION) + "\n", "fhir-ndjson"),
        (json.dumps(OBSERVATION), "fhir-ndjson"),
        ('{"resourceType": "Obs\n' + json.dumps(OBSERVATION) + "\n", "fhir-ndjson"),
        (",".join(CANONICAL_FIELDS) + "\nLAB,1,2\n", "csv"),
        ("\ufeff" + ",".join(CANONICAL_FIELDS) + "\n", "csv"),
        ('"lab_code","specimen_id","result","Other"\n', "csv"),
    ],
)
def test_detects_each_format(tmp_path: Path, content: str, expected: str) -> None:
    assert detect_format(write(tmp_path, content)) == expected


def test_detects_a_csv_through_a_lab_mapping() -> None:
    path = FIXTURES / "lab_columns.csv"
    with pytest.raises(FeedError, match="--format"):
        detect_format(path)
    mapping = {"Lab": "lab_code", "Specimen No": "specimen_id", "Outcome": "result"}
    assert detect_format(path, mapping=mapping) == "csv"


@pytest.mark.parametrize(
    "content",
    [
        "",
        "\n\n  \n",
        "hello world\nthis is not a feed\n",
        "name,age\nAda,36\n",
        "[1, 2, 3]",
        json.dumps({"resourceType": "Observation", "status": "final"}, indent=2),
        json.dumps({"resourceType": "Bundle"}) + "\n" + json.dumps(OBSERVATION) + "\n",
        "{not json at all\nstill not\n",
        "PID|1||x\r",
    ],
)
def test_refuses_what_it_cannot_tell(tmp_path: Path, content: str) -> None:
    with pytest.raises(FeedError):
        detect_format(write(tmp_path, content))


def test_the_refusal_asks_for_the_format(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="--format"):
        open_feed(write(tmp_path, "what is this?\n"))


def test_detection_reads_only_the_head(tmp_path: Path) -> None:
    # A Bundle far bigger than the head is still recognised from its first bytes.
    entries = [{"resource": OBSERVATION}] * (HEAD_BYTES // 20)
    content = json.dumps({"resourceType": "Bundle", "entry": entries}, indent=2)
    assert len(content) > 2 * HEAD_BYTES
    assert detect_format(write(tmp_path, content)) == "fhir-bundle"


def test_a_cp1252_csv_header_is_detected(tmp_path: Path) -> None:
    content = (",".join(CANONICAL_FIELDS) + "\nCafé\n").encode("cp1252")
    assert detect_format(write(tmp_path, content)) == "csv"


def test_an_explicit_format_skips_detection(tmp_path: Path) -> None:
    path = write(tmp_path, "MSH|^~\\&|LIMS|LAB\r")
    assert open_feed(path, format="hl7").format == "hl7"
    with pytest.raises(ValueError, match="unknown feed format"):
        open_feed(path, format="xml")


def test_open_feed_passes_skip_and_mapping() -> None:
    mapping = {
        "Lab": "lab_code",
        "Specimen No": "specimen_id",
        "LOINC": "test_code",
        "Outcome": "result",
        "Collected": "specimen_collected_at",
        "Reported": "result_at",
        "Forename": "first_name",
        "Surname": "last_name",
        "Gender": "sex",
        "Addr1": "address_line1",
        "Addr2": "address_line2",
        "City": "town",
        "Post Code": "postcode",
    }
    feed = open_feed(FIXTURES / "lab_columns.csv", mapping=mapping, skip=1)
    assert list(feed) == []
    assert feed.records_read == 1
