"""FHIR R4 laboratory feeds: NDJSON with contained resources, and Bundles."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tracedesk.lib.labfeeds import (
    FeedError,
    FhirBundleFeed,
    FhirNdjsonFeed,
    SourceRecord,
    open_feed,
)
from tracedesk.lib.tests.labfeed_example import example

NHS = "https://fhir.nhs.uk/Id/nhs-number"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"


def patient(local_id: str = "patient") -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": local_id,
        "identifier": [{"system": NHS, "value": "9434765919"}],
        "name": [{"family": "Lovelace", "given": ["Ada", "Augusta"]}],
        "gender": "female",
        "birthDate": "1990-12-10",
        "telecom": [
            {"system": "email", "value": "ada@example.com"},
            {"system": "phone", "value": "07700900123"},
        ],
        "address": [
            {"line": ["12 High Street", "Flat 2"], "city": "Leeds", "postalCode": "LS6 3AB"}
        ],
    }


def specimen(local_id: str = "specimen", specimen_id: str = "LD000001") -> dict[str, Any]:
    return {
        "resourceType": "Specimen",
        "id": local_id,
        "identifier": [{"value": specimen_id}],
        "collection": {"collectedDateTime": "2020-09-13T08:30:00+00:00"},
    }


def observation(
    subject: str = "#patient", specimen_ref: str = "#specimen", code: str = "260373001"
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "code": {
            "coding": [
                {"system": "http://loinc.org", "code": "94500-6", "display": "SARS-CoV-2 RNA"}
            ]
        },
        "subject": {"reference": subject},
        "specimen": {"reference": specimen_ref},
        "performer": [{"identifier": {"system": ODS, "value": "LAB-LEEDS-01"}}],
        "issued": "2020-09-14T10:22:31+01:00",
        "valueCodeableConcept": {
            "coding": [{"system": "http://snomed.info/sct", "code": code, "display": "x"}]
        },
    }


def ndjson_observation(specimen_id: str = "LD000001", **kwargs: Any) -> dict[str, Any]:
    obs = observation(**kwargs)
    obs["contained"] = [patient(), specimen(specimen_id=specimen_id)]
    return obs


def write_ndjson(tmp_path: Path, lines: list[Any]) -> Path:
    path = tmp_path / "feed.ndjson"
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")
    return path


def read(feed: FhirNdjsonFeed | FhirBundleFeed) -> list[SourceRecord]:
    return list(feed)


def test_ndjson_record_is_read_per_the_contract(tmp_path: Path) -> None:
    feed = FhirNdjsonFeed(write_ndjson(tmp_path, [ndjson_observation()]))
    [record] = read(feed)
    assert record.error is None, record.error
    assert record.number == 1
    assert record.fields == example(result_at="2020-09-14T10:22:31+01:00")
    assert json.loads(record.raw) == ndjson_observation()
    assert feed.declared_count is None


@pytest.mark.parametrize(
    ("code", "result"),
    [("260373001", "POSITIVE"), ("260415000", "NEGATIVE"), ("125154007", "VOID")],
)
def test_snomed_results(tmp_path: Path, code: str, result: str) -> None:
    [record] = read(FhirNdjsonFeed(write_ndjson(tmp_path, [ndjson_observation(code=code)])))
    assert record.fields["result"] == result


def _bad_date(obs: dict[str, Any]) -> None:
    obs["contained"][1]["collection"]["collectedDateTime"] = "2020-13-45T08:30:00+00:00"


def _no_offset(obs: dict[str, Any]) -> None:
    obs["issued"] = "2020-09-14T10:22:31"


def _unknown_code(obs: dict[str, Any]) -> None:
    obs["valueCodeableConcept"]["coding"][0]["code"] = "1234"


def _no_specimen_id(obs: dict[str, Any]) -> None:
    del obs["contained"][1]["identifier"]


def _no_patient(obs: dict[str, Any]) -> None:
    del obs["contained"][0]


def _bad_birth_date(obs: dict[str, Any]) -> None:
    obs["contained"][0]["birthDate"] = "10/12/1990"


def _bad_gender(obs: dict[str, Any]) -> None:
    obs["contained"][0]["gender"] = "F"


def _unknown_element(obs: dict[str, Any]) -> None:
    obs["colour"] = "blue"


def _date_only(obs: dict[str, Any]) -> None:
    obs["contained"][1]["collection"]["collectedDateTime"] = "2020-09-13"


def _name_not_a_list(obs: dict[str, Any]) -> None:
    obs["contained"][0]["name"] = {"family": "Lovelace"}


@pytest.mark.parametrize(
    ("damage", "field", "reason"),
    [
        (_bad_date, "specimen_collected_at", "not a valid FHIR dateTime"),
        (_no_offset, "result_at", "not a valid FHIR instant"),
        (_unknown_code, "result", "unknown result code '1234'"),
        (_no_specimen_id, "specimen_id", "specimen_id is missing"),
        (_no_patient, "record", "'#patient' is not a contained Patient"),
        (_bad_birth_date, "date_of_birth", "Patient.birthDate '10/12/1990'"),
        (_bad_gender, "sex", "unknown Patient.gender 'F'"),
        (_unknown_element, "record", "Observation.colour is not an element"),
        (_date_only, "specimen_collected_at", "no time of day"),
        (_name_not_a_list, "last_name", "Patient.name"),
    ],
)
def test_ndjson_record_errors_and_the_next_line_still_parses(
    tmp_path: Path, damage: Any, field: str, reason: str
) -> None:
    bad = ndjson_observation(specimen_id="B")
    damage(bad)
    lines = [ndjson_observation(specimen_id="A"), bad, ndjson_observation(specimen_id="C")]
    records = read(FhirNdjsonFeed(write_ndjson(tmp_path, lines)))
    assert [r.number for r in records] == [1, 2, 3]
    assert records[0].error is None and records[2].error is None
    assert records[2].fields["specimen_id"] == "C"
    error = records[1].error
    assert error is not None
    assert error.field == field
    assert reason in error.reason
    assert "pydantic" not in error.reason and "errors.pydantic.dev" not in error.reason


def test_broken_json_lines_and_wrong_resources_are_record_errors(tmp_path: Path) -> None:
    good = json.dumps(ndjson_observation())
    lines = [good, good[:-20], "", good, '["an array"]', json.dumps(patient()), good]
    records = read(FhirNdjsonFeed(write_ndjson(tmp_path, lines)))
    assert [r.number for r in records] == [1, 2, 4, 5, 6, 7]  # the blank line 3 is no record
    errors = {r.number: r.error for r in records if r.error}
    assert set(errors) == {2, 5, 6}
    assert errors[2].field == "record" and "not valid JSON" in errors[2].reason
    assert "found list" in errors[5].reason
    assert "found resourceType 'Patient'" in errors[6].reason
    assert records[1].raw == good[:-20]


def test_ndjson_other_local_ids_and_bom(tmp_path: Path) -> None:
    obs = observation(subject="#p1", specimen_ref="#s1")
    obs["contained"] = [specimen("s1", "X9"), patient("p1")]
    path = tmp_path / "feed.ndjson"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(obs).encode() + b"\r\n")
    [record] = read(FhirNdjsonFeed(path))
    assert record.error is None
    assert record.fields["specimen_id"] == "X9"
    assert record.fields["last_name"] == "Lovelace"


def test_ndjson_skip(tmp_path: Path) -> None:
    lines = [ndjson_observation(specimen_id=f"S{i}") for i in range(5)]
    path = write_ndjson(tmp_path, lines)
    feed = FhirNdjsonFeed(path, skip=3)
    records = read(feed)
    assert [(r.number, r.fields["specimen_id"]) for r in records] == [(4, "S3"), (5, "S4")]
    assert feed.records_read == 5


def bundle(total: int | None = 2) -> dict[str, Any]:
    entries: list[dict[str, Any]] = [
        {"fullUrl": "urn:uuid:6a1b-patient", "resource": patient("p1")},
        {"fullUrl": "urn:uuid:6a1b-specimen-1", "resource": specimen("s1", "LD1")},
        {
            "fullUrl": "urn:uuid:6a1b-obs-1",
            "resource": observation("urn:uuid:6a1b-patient", "urn:uuid:6a1b-specimen-1"),
        },
        {"resource": {"resourceType": "Organization", "id": "lab"}},
        {"resource": specimen("s2", "LD2")},
        {"resource": observation("Patient/p1", "Specimen/s2", code="260415000")},
    ]
    doc: dict[str, Any] = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    if total is not None:
        doc["total"] = total
    return doc


def write_bundle(tmp_path: Path, doc: dict[str, Any]) -> Path:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path


def test_bundle_references_by_full_url_and_type_id(tmp_path: Path) -> None:
    feed = FhirBundleFeed(write_bundle(tmp_path, bundle()))
    assert feed.declared_count == 2  # known on opening
    records = read(feed)
    assert [r.number for r in records] == [1, 2]
    assert all(r.error is None for r in records), [r.error for r in records]
    assert [r.fields["specimen_id"] for r in records] == ["LD1", "LD2"]
    assert [r.fields["result"] for r in records] == ["POSITIVE", "NEGATIVE"]
    assert records[1].fields["nhs_number"] == "9434765919"
    raw = json.loads(records[0].raw)
    assert raw["resourceType"] == "Bundle"
    assert [e["resource"]["resourceType"] for e in raw["entry"]] == [
        "Observation",
        "Patient",
        "Specimen",
    ]
    assert feed.records_read == 2


def test_a_raw_bundle_record_can_be_parsed_again(tmp_path: Path) -> None:
    [first, _] = read(FhirBundleFeed(write_bundle(tmp_path, bundle())))
    again = tmp_path / "again.json"
    again.write_text(first.raw, encoding="utf-8")
    [record] = read(FhirBundleFeed(again))
    assert record.fields == first.fields


def test_bundle_without_total(tmp_path: Path) -> None:
    feed = FhirBundleFeed(write_bundle(tmp_path, bundle(total=None)))
    assert len(read(feed)) == 2
    assert feed.declared_count is None


def test_bundle_record_errors_keep_positions(tmp_path: Path) -> None:
    doc = bundle(total=4)
    dangling = observation("Patient/nobody", "Specimen/s2")
    broken_patient = patient("p2")
    broken_patient["birthDate"] = "1990-02-30x"
    doc["entry"][2:2] = [
        {"resource": dangling},
        {"resource": broken_patient},
        {"resource": observation("Patient/p2", "Specimen/s2")},
    ]
    records = read(FhirBundleFeed(write_bundle(tmp_path, doc)))
    assert [r.number for r in records] == [1, 2, 3, 4]
    assert records[0].error is not None
    assert records[0].error.field == "record"
    assert "'Patient/nobody' does not resolve to a Patient" in records[0].error.reason
    assert records[1].error is not None and records[1].error.field == "date_of_birth"
    assert records[2].error is None and records[3].error is None


def test_bundle_skip(tmp_path: Path) -> None:
    feed = FhirBundleFeed(write_bundle(tmp_path, bundle()), skip=1)
    records = read(feed)
    assert [r.number for r in records] == [2]
    assert feed.records_read == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [("{not json", "not valid JSON"), ('{"resourceType": "Patient"}', "not a FHIR Bundle")],
)
def test_a_file_that_is_not_a_bundle_is_fatal(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FeedError, match=message):
        FhirBundleFeed(path)


def test_open_feed_detects_both_fhir_forms(tmp_path: Path) -> None:
    assert open_feed(write_bundle(tmp_path, bundle())).format == "fhir-bundle"
    lines = [ndjson_observation(), ndjson_observation()]
    assert open_feed(write_ndjson(tmp_path, lines)).format == "fhir-ndjson"


def test_the_input_is_not_modified(tmp_path: Path) -> None:
    doc = bundle()
    before = copy.deepcopy(doc)
    feed = FhirBundleFeed(write_bundle(tmp_path, doc))
    read(feed)
    read(feed)
    assert doc == before
