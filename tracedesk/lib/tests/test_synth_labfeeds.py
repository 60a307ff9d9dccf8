"""The generator's lab feed in CSV, FHIR NDJSON, FHIR Bundle and HL7 (plain and MLLP).

Each file is read back here with the standard library only, following docs/lab-feeds.md, into the
canonical record: every format must carry the same results in the same order, and with
``malformed_rate`` > 0 exactly the records listed in truth/malformed.csv must be unreadable.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import pathlib
import random
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tracedesk.lib.identifiers import is_valid_nhs_number
from tracedesk.lib.synth import SynthConfig, generate
from tracedesk.lib.synth.cli import add_arguments, config_from_options
from tracedesk.lib.synth.config import LAB_FORMATS
from tracedesk.lib.synth.labfeed import (
    FILE_NAMES,
    MALFORMED_KINDS,
    _uuid,
    bad_nhs_number,
    hl7_escape,
    hl7_message,
)
from tracedesk.lib.synth.writer import LAB_RESULTS, TRUTH_MALFORMED

SNOMED = "http://snomed.info/sct"
RESULTS = {"260373001": "POSITIVE", "260415000": "NEGATIVE", "125154007": "VOID"}
SEX = {"female": "F", "male": "M", "other": "O", "unknown": "U"}
HL7_TIME = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})?([+-]\d{2})(\d{2})$")
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

Record = dict[str, str]


class Broken(Exception):
    """A record a parser must reject; ``field`` as the contract names it (or ``record``)."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


# Each parser yields (record number, canonical record or the Broken it raised).
Parsed = list[tuple[int, Record | Broken]]


def _iso(value: str, field: str) -> str:
    try:
        when = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise Broken(field) from None
    if when.utcoffset() is None:
        raise Broken(field)
    return when.isoformat()


def _result(code: str) -> str:
    if code not in RESULTS:
        raise Broken("result")
    return RESULTS[code]


# -- CSV -------------------------------------------------------------------------------------------
def parse_csv(path: pathlib.Path) -> tuple[Parsed, int | None]:
    out: Parsed = []
    trailer = None
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        assert tuple(header) == LAB_RESULTS
        start = reader.line_num + 1
        for fields in reader:
            if fields and fields[0] == "TRAILER":
                trailer = int(fields[1])
                continue
            try:
                out.append((start, _csv_record(header, fields)))
            except Broken as exc:
                out.append((start, exc))
            start = reader.line_num + 1
    return out, trailer


def _csv_record(header: list[str], fields: list[str]) -> Record:
    if len(fields) != len(header):
        raise Broken("record")
    r = dict(zip(header, fields, strict=True))
    if not r["specimen_id"]:
        raise Broken("specimen_id")
    r["specimen_collected_at"] = _iso(r["specimen_collected_at"], "specimen_collected_at")
    r["result_at"] = _iso(r["result_at"], "result_at")
    if r["result"] not in RESULTS.values():
        raise Broken("result")
    if r["nhs_number"] and not is_valid_nhs_number(r["nhs_number"]):
        raise Broken("nhs_number")
    return r


# -- FHIR ------------------------------------------------------------------------------------------
def _fhir_record(obs: dict[str, Any], resolve: Callable[[str], dict[str, Any] | None]) -> Record:
    specimen = resolve(obs.get("specimen", {}).get("reference", ""))
    if specimen is None:
        raise Broken("specimen_id")
    patient = resolve(obs["subject"]["reference"])
    if patient is None:
        raise Broken("record")
    coding = obs["valueCodeableConcept"]["coding"]
    result = _result(next(c["code"] for c in coding if c["system"] == SNOMED))
    loinc = next(c for c in obs["code"]["coding"] if c["system"] == "http://loinc.org")
    nhs = [
        i["value"]
        for i in patient.get("identifier", [])
        if i["system"] == "https://fhir.nhs.uk/Id/nhs-number"
    ]
    telecom = {t["system"]: t["value"] for t in patient.get("telecom", [])}
    name = patient["name"][0]
    address = patient.get("address", [{}])[0]
    lines = [*address.get("line", []), "", ""]
    return {
        "lab_code": obs["performer"][0]["identifier"]["value"],
        "specimen_id": specimen["identifier"][0]["value"],
        "test_code": loinc["code"],
        "test_name": loinc.get("display", ""),
        "result": result,
        "specimen_collected_at": _iso(
            specimen["collection"]["collectedDateTime"], "specimen_collected_at"
        ),
        "result_at": _iso(obs["issued"], "result_at"),
        "nhs_number": nhs[0] if nhs else "",
        "first_name": name["given"][0],
        "last_name": name["family"],
        "date_of_birth": patient.get("birthDate", ""),
        "sex": SEX.get(patient.get("gender", ""), ""),
        "phone": telecom.get("phone", ""),
        "email": telecom.get("email", ""),
        "address_line1": lines[0],
        "address_line2": lines[1],
        "town": address.get("city", ""),
        "postcode": address.get("postalCode", ""),
    }


def parse_ndjson(path: pathlib.Path) -> Parsed:
    out: Parsed = []
    raw = path.read_text(encoding="utf-8")
    assert raw.endswith("\n")
    for number, line in enumerate(raw.split("\n")[:-1], 1):
        try:
            obs = json.loads(line)
        except json.JSONDecodeError:
            out.append((number, Broken("record")))
            continue
        assert obs["resourceType"] == "Observation"
        contained = {f"#{r['id']}": r for r in obs.get("contained", [])}
        try:
            out.append((number, _fhir_record(obs, contained.get)))
        except Broken as exc:
            out.append((number, exc))
    return out


def parse_bundle(path: pathlib.Path) -> tuple[Parsed, dict[str, Any]]:
    bundle = json.loads(path.read_text(encoding="utf-8"))
    assert bundle["resourceType"] == "Bundle"
    by_url = {e["fullUrl"]: e["resource"] for e in bundle["entry"]}
    assert len(by_url) == len(bundle["entry"])
    observations = [r for r in by_url.values() if r["resourceType"] == "Observation"]
    out: Parsed = []
    for number, obs in enumerate(observations, 1):
        try:
            out.append((number, _fhir_record(obs, by_url.get)))
        except Broken as exc:
            out.append((number, exc))
    return out, bundle


# -- HL7 -------------------------------------------------------------------------------------------
def _hl7_unescape(value: str) -> str:
    for escape, char in (("\\F\\", "|"), ("\\S\\", "^"), ("\\T\\", "&"), ("\\R\\", "~"),
                         ("\\E\\", "\\")):  # fmt: skip
        value = value.replace(escape, char)
    return value


def _hl7_time(value: str, field: str) -> str:
    m = HL7_TIME.match(value)
    if m is None:
        raise Broken(field)
    y, mo, d, h, mi, s, oh, om = m.groups()
    sign = -1 if oh.startswith("-") else 1
    offset = dt.timedelta(hours=int(oh), minutes=sign * int(om))
    try:
        when = dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0),
                           tzinfo=dt.timezone(offset))  # fmt: skip
    except ValueError:
        raise Broken(field) from None
    return when.isoformat()


def _hl7_record(segments: list[str]) -> Record:
    seg: dict[str, list[str]] = {}
    for s in segments:
        seg.setdefault(s.split("|", 1)[0], s.split("|"))
    if "PID" not in seg or "OBX" not in seg or "OBR" not in seg:
        raise Broken("record")
    msh, pid, obr, obx, spm = seg["MSH"], seg["PID"], seg["OBR"], seg["OBX"], seg.get("SPM", [])

    def get(fields: list[str], n: int) -> str:
        return fields[n] if n < len(fields) else ""

    if len(obx) < 6:
        raise Broken("record")
    result = _result(obx[5].split("^")[0])
    collected = get(spm, 17) or get(obr, 7)
    if len(obr) < 23:
        raise Broken("record")
    nhs = [
        r.split("^")[0]
        for r in pid[3].split("~")
        if len(r.split("^")) > 4 and r.split("^")[4] == "NH"
    ]
    name = [*pid[5].split("^"), ""]
    address = [*pid[11].split("^"), "", "", "", ""]
    phone = email = ""
    for rep in pid[13].split("~") if len(pid) > 13 else []:
        comps = [*rep.split("^"), "", "", ""]
        if comps[2] == "PH":
            phone = comps[0]
        elif comps[2] == "Internet":
            email = comps[3]
    test = obx[3].split("^")
    dob = pid[7]
    record = {
        "lab_code": msh[3],
        "specimen_id": get(spm, 2) or obr[3],
        "test_code": test[0],
        "test_name": test[1],
        "result": result,
        "specimen_collected_at": _hl7_time(collected, "specimen_collected_at"),
        "result_at": _hl7_time(obr[22], "result_at"),
        "nhs_number": nhs[0] if nhs else "",
        "first_name": name[1],
        "last_name": name[0],
        "date_of_birth": f"{dob[:4]}-{dob[4:6]}-{dob[6:8]}" if dob else "",
        "sex": pid[8],
        "phone": phone,
        "email": email,
        "address_line1": address[0],
        "address_line2": address[1],
        "town": address[2],
        "postcode": address[4],
    }
    return {k: _hl7_unescape(v) for k, v in record.items()}


def _messages(segments: list[str]) -> Iterator[list[str]]:
    message: list[str] = []
    for s in segments:
        if s.startswith("MSH|") and message:
            yield message
            message = []
        message.append(s)
    if message:
        yield message


def _parse_messages(messages: list[list[str]]) -> Parsed:
    out: Parsed = []
    for number, message in enumerate(messages, 1):
        assert message[0].startswith("MSH|^~\\&|")
        try:
            out.append((number, _hl7_record(message)))
        except Broken as exc:
            out.append((number, exc))
    return out


def parse_hl7(path: pathlib.Path) -> tuple[Parsed, int]:
    raw = path.read_bytes()
    assert b"\n" not in raw
    assert b"\x0b" not in raw
    segments = raw.decode("utf-8").split("\r")
    assert segments[-1] == ""  # every segment ends in \r, the last one too
    segments = segments[:-1]
    assert segments[0].startswith("FHS|^~\\&|")
    assert segments[1].startswith("BHS|^~\\&|")
    assert segments[-2].startswith("BTS|")
    assert segments[-1] == "FTS|1"
    declared = int(segments[-2].split("|")[1])
    messages = list(_messages([s for s in segments[2:-2] if s]))
    return _parse_messages(messages), declared


def parse_mllp(path: pathlib.Path) -> Parsed:
    raw = path.read_bytes()
    messages = []
    pos = 0
    while pos < len(raw):
        assert raw[pos : pos + 1] == b"\x0b", pos
        end = raw.index(b"\x1c\x0d", pos)
        body = raw[pos + 1 : end]
        assert b"\x0b" not in body
        assert b"\x1c" not in body
        assert body.endswith(b"\r")
        segments = body.decode("utf-8").split("\r")[:-1]
        assert sum(s.startswith("MSH|") for s in segments) == 1
        messages.append([s for s in segments if s])
        pos = end + 2
    assert pos == len(raw)
    return _parse_messages(messages)


# -- fixtures --------------------------------------------------------------------------------------
class Feed:
    def __init__(self, out: pathlib.Path, manifest: dict[str, Any]) -> None:
        self.out = out
        self.manifest = manifest
        self.csv, self.trailer = parse_csv(out / "lab_results.csv")
        self.ndjson = parse_ndjson(out / "lab_results.fhir.ndjson")
        self.bundle_records, self.bundle = parse_bundle(out / "lab_results.bundle.json")
        self.hl7, self.bts = parse_hl7(out / "lab_results.hl7")
        self.mllp = parse_mllp(out / "lab_results.mllp.hl7")
        with (out / "truth/malformed.csv").open(encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            assert tuple(next(reader)) == TRUTH_MALFORMED
            self.malformed = [(f, int(n), field, kind) for f, n, field, kind in reader]

    def parsed(self) -> dict[str, Parsed]:
        return {
            "lab_results.csv": self.csv,
            "lab_results.fhir.ndjson": self.ndjson,
            "lab_results.bundle.json": self.bundle_records,
            "lab_results.hl7": self.hl7,
            "lab_results.mllp.hl7": self.mllp,
        }


CONFIG = SynthConfig(people=5_000, days=60, seed=1)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Feed:
    out = tmp_path_factory.mktemp("clean")
    return Feed(out, generate(CONFIG, out))


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Feed:
    out = tmp_path_factory.mktemp("broken")
    config = SynthConfig(people=5_000, days=60, seed=1, malformed_rate=0.05, csv_trailer=True)
    return Feed(out, generate(config, out))


def _records(parsed: Parsed) -> list[Record]:
    out = []
    for _, record in parsed:
        assert not isinstance(record, Broken), record.field
        out.append(record)
    return out


# -- every format, the same results ----------------------------------------------------------------
def test_every_format_carries_the_same_results_in_the_same_order(clean: Feed) -> None:
    expected = _records(clean.csv)
    assert len(expected) > 500
    assert [n for n, _ in clean.csv] == list(range(2, len(expected) + 2))  # line 1 is the header
    for name, parsed in clean.parsed().items():
        records = _records(parsed)
        assert len(records) == len(expected), name
        for number, (got, want) in enumerate(zip(records, expected, strict=True), 1):
            assert got == want, (name, number)


def test_times_are_utc_in_each_formats_own_form(clean: Feed) -> None:
    ndjson = (clean.out / "lab_results.fhir.ndjson").read_text(encoding="utf-8")
    issued = re.findall(r'"issued":"([^"]+)"', ndjson)
    assert issued
    assert all(t.endswith("+00:00") and len(t) == 25 for t in issued)
    hl7 = (clean.out / "lab_results.hl7").read_text(encoding="utf-8")
    msh7 = [s.split("|")[6] for s in hl7.split("\r") if s.startswith("MSH|")]
    assert all(HL7_TIME.match(t) and t.endswith("+0000") for t in msh7)


def test_declared_counts_match(clean: Feed) -> None:
    n = len(clean.csv)
    assert clean.trailer is None  # off by default
    assert clean.bundle["type"] == "collection"
    assert clean.bundle["total"] == n
    assert len(clean.bundle["entry"]) == 3 * n
    assert clean.bts == n
    files = clean.manifest["files"]
    for fmt, name in FILE_NAMES.items():
        assert files[name]["rows"] == n, fmt


def test_bundle_references_resolve_to_full_urls(clean: Feed) -> None:
    urls = [e["fullUrl"] for e in clean.bundle["entry"]]
    assert all(u.startswith("urn:uuid:") and UUID_RE.match(u[9:]) for u in urls)
    assert len(set(urls)) == len(urls)
    types = Counter(e["resource"]["resourceType"] for e in clean.bundle["entry"])
    assert types == {"Patient": len(clean.csv), "Specimen": len(clean.csv),
                     "Observation": len(clean.csv)}  # fmt: skip


def test_fhir_has_no_empty_strings(clean: Feed) -> None:
    def walk(value: object) -> Iterator[object]:
        if isinstance(value, dict):
            for v in value.values():
                yield from walk(v)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v)
        else:
            yield value

    assert "" not in set(walk(clean.bundle))


def test_mllp_holds_the_same_messages_as_the_batch(clean: Feed) -> None:
    plain = (clean.out / "lab_results.hl7").read_bytes()
    framed = (clean.out / "lab_results.mllp.hl7").read_bytes()
    messages = framed[1:-2].split(b"\x1c\x0d\x0b")
    assert len(messages) == len(clean.csv)
    assert framed.startswith(b"\x0bMSH|")
    assert framed.endswith(b"\r\x1c\x0d")
    body = plain[plain.index(b"\rMSH|") + 1 : plain.index(b"BTS|")]
    assert b"".join(messages) == body


def test_hl7_message_matches_the_contract_example() -> None:
    row = ("LAB-LEEDS-01", "LD000001", "94500-6", "SARS-CoV-2 (COVID-19) RNA [Presence] in "
           "Respiratory specimen by NAA with probe detection", "POSITIVE",
           "2020-09-13T08:30:00+00:00", "2020-09-14T10:22:31+00:00", "9434765919", "Ada",
           "Lovelace", "1990-12-10", "F", "07700900123", "ada@example.com", "12 High Street",
           "Flat 2", "Leeds", "LS6 3AB")  # fmt: skip
    assert hl7_message(row, "M000001") == [
        "MSH|^~\\&|LIMS|LAB-LEEDS-01|TRACEDESK|UKHSA|20200914102231+0000||ORU^R01^ORU_R01|M000001|P|2.5.1",
        "PID|1||9434765919^^^NHS^NH||Lovelace^Ada||19901210|F|||12 High Street^Flat 2^Leeds^^LS6 3AB||07700900123^PRN^PH~^NET^Internet^ada@example.com",  # noqa: E501
        "OBR|1||LD000001|94500-6^SARS-CoV-2 RNA^LN|||20200913083000+0000|||||||||||||||20200914102231+0000|||F",  # noqa: E501
        "OBX|1|CWE|94500-6^SARS-CoV-2 (COVID-19) RNA [Presence] in Respiratory specimen by NAA with probe detection^LN||260373001^Detected^SCT||||||F",  # noqa: E501
        "SPM|1|LD000001|||||||||||||||20200913083000+0000",
    ]  # fmt: skip
    escaped = hl7_message(
        (*row[:8], "Ada", "O|Brien^&~\\", *row[10:]),
        "M000002",
    )
    assert "|O\\F\\Brien\\S\\\\T\\\\R\\\\E\\^Ada|" in escaped[1]
    assert _hl7_unescape(hl7_escape("a|b^c&d~e\\f")) == "a|b^c&d~e\\f"


# -- malformed records -----------------------------------------------------------------------------
def test_no_defects_by_default(clean: Feed) -> None:
    assert clean.malformed == []
    assert (clean.out / "truth/malformed.csv").read_text(encoding="utf-8") == (
        "file,record_number,field,kind\n"
    )
    assert clean.manifest["files"]["truth/malformed.csv"]["rows"] == 0
    assert set(clean.manifest["summary"]["malformed_records"].values()) == {0}


def test_malformed_records_are_exactly_those_listed(broken: Feed, clean: Feed) -> None:
    expected = _records(clean.csv)
    listed: dict[str, dict[int, tuple[str, str]]] = {name: {} for name in FILE_NAMES.values()}
    for name, number, field, kind in broken.malformed:
        assert number not in listed[name], (name, number)
        listed[name][number] = (field, kind)
    for fmt, name in FILE_NAMES.items():
        parsed = broken.parsed()[name]
        assert len(parsed) == len(expected), name  # a broken record replaces its good version
        bad = {number: record.field for number, record in parsed if isinstance(record, Broken)}
        assert set(bad) == set(listed[name]), name
        for number, (field, kind) in listed[name].items():
            assert kind in MALFORMED_KINDS[fmt], (name, kind)
            if field != "record":  # structural defects may surface as any field
                assert bad[number] == field, (name, number, kind)
        # Roughly the configured rate, and every kind is used.
        assert 0.025 < len(bad) / len(parsed) < 0.08, name
        assert {kind for _, kind in listed[name].values()} == set(MALFORMED_KINDS[fmt]), name
        # The rest are the same records as in a clean run, in the same order.
        for i, (_, record) in enumerate(parsed):
            if not isinstance(record, Broken):
                assert record == expected[i], (name, i + 1)
    summary = broken.manifest["summary"]["malformed_records"]
    assert summary == {name: len(rows) for name, rows in listed.items()}
    assert broken.manifest["files"]["truth/malformed.csv"]["rows"] == len(broken.malformed)


def test_declared_counts_include_malformed_records(broken: Feed) -> None:
    n = len(broken.csv)
    assert broken.trailer == n
    assert broken.bundle["total"] == n
    assert broken.bts == n
    assert len(broken.mllp) == n
    lines = (broken.out / "lab_results.csv").read_text(encoding="utf-8").split("\n")
    assert lines[-2] == f"TRAILER,{n}"
    assert broken.manifest["files"]["lab_results.csv"]["rows"] == n


def test_defects_leave_the_rest_of_the_outbreak_alone(broken: Feed, clean: Feed) -> None:
    for name in ("truth/people.csv", "truth/lab_results.csv", "reported_contacts.csv",
                 "truth/infections.csv"):  # fmt: skip
        assert (broken.out / name).read_bytes() == (clean.out / name).read_bytes(), name


def test_invalid_nhs_numbers_fail_the_check_digit() -> None:
    rnd = random.Random(3)
    for number in ("9434765919", "", "9991960317"):
        bad = bad_nhs_number(rnd, number)
        assert len(bad) == 10
        assert bad.isdigit()
        assert not is_valid_nhs_number(bad)
        if number:
            assert bad[:9] == number[:9]


def test_uuids_are_version_4() -> None:
    rnd = random.Random(1)
    ids = [_uuid(rnd) for _ in range(500)]
    assert all(UUID_RE.match(u) for u in ids)
    assert len(set(ids)) == len(ids)


# -- configuration ---------------------------------------------------------------------------------
def _bytes(out: pathlib.Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_bytes_in_every_format(tmp_path: pathlib.Path) -> None:
    config = SynthConfig(people=1_500, days=40, seed=11, malformed_rate=0.05, csv_trailer=True)
    generate(config, tmp_path / "a")
    generate(config, tmp_path / "b")
    a, b = _bytes(tmp_path / "a"), _bytes(tmp_path / "b")
    assert set(FILE_NAMES.values()) <= a.keys()
    assert a == b
    assert a["truth/malformed.csv"].count(b"\n") > 1


def test_csv_only(tmp_path: pathlib.Path, clean: Feed) -> None:
    manifest = generate(SynthConfig(people=5_000, days=60, seed=1, lab_formats=("csv",)), tmp_path)
    written = set(_bytes(tmp_path))
    assert "lab_results.csv" in written
    assert not written & {FILE_NAMES[f] for f in LAB_FORMATS if f != "csv"}
    assert not set(manifest["files"]) & {FILE_NAMES[f] for f in LAB_FORMATS if f != "csv"}
    # The CSV and everything else is byte-identical to an all-formats run.
    for name in ("lab_results.csv", "truth/lab_results.csv", "truth/people.csv"):
        assert (tmp_path / name).read_bytes() == (clean.out / name).read_bytes(), name


def test_formats_without_csv(tmp_path: pathlib.Path, clean: Feed) -> None:
    config = SynthConfig(people=5_000, days=60, seed=1, lab_formats=("hl7-mllp", "fhir-bundle"))
    assert config.lab_formats == ("fhir-bundle", "hl7-mllp")
    manifest = generate(config, tmp_path)
    assert not (tmp_path / "lab_results.csv").exists()
    assert "lab_results.csv" not in manifest["files"]
    assert (tmp_path / "truth/lab_results.csv").exists()
    for name in ("lab_results.bundle.json", "lab_results.mllp.hl7"):
        assert (tmp_path / name).read_bytes() == (clean.out / name).read_bytes(), name


def test_cli_lab_feed_options() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(
        ["--out", "x", "--lab-formats", "csv,hl7", "--csv-trailer", "--malformed-rate", "0.05"]
    )
    config = config_from_options(vars(args))
    assert config.lab_formats == ("csv", "hl7")
    assert config.csv_trailer is True
    assert config.malformed_rate == 0.05
    defaults = config_from_options(vars(parser.parse_args(["--out", "x"])))
    assert defaults == SynthConfig()
    assert defaults.lab_formats == LAB_FORMATS
    assert config_from_options({"lab_formats": "fhir-ndjson"}).lab_formats == ("fhir-ndjson",)
    with pytest.raises(SystemExit):
        parser.parse_args(["--out", "x", "--lab-formats", "csv,xml"])


@pytest.mark.parametrize(
    "kwargs",
    [{"malformed_rate": 1.5}, {"malformed_rate": -0.1}, {"lab_formats": ("csv", "pdf")},
     {"lab_formats": "csv"}],
)  # fmt: skip
def test_config_rejects_bad_lab_feed_values(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        SynthConfig(**kwargs)  # type: ignore[arg-type]


def test_manifest_records_the_feed_config(clean: Feed) -> None:
    config = clean.manifest["config"]
    assert config["lab_formats"] == list(LAB_FORMATS)
    assert config["csv_trailer"] is False
    assert config["malformed_rate"] == 0.0
    on_disk = json.loads((clean.out / "manifest.json").read_text(encoding="utf-8"))
    assert on_disk == clean.manifest
