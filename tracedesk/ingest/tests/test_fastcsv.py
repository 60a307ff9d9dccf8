"""The CSV fast path gives exactly what the record path gives, for clean and broken rows."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracedesk.ingest.fastcsv import FastCsvFeed, PendingRow, check_chunk
from tracedesk.ingest.validation import Invalid, Valid, check
from tracedesk.lib.labfeeds import CANONICAL_FIELDS, CsvFeed

TOO_LONG = "x" * 300
CHOICES: dict[str, list[str]] = {
    "lab_code": ["LAB-LEEDS-01", " LAB-2 ", "", TOO_LONG],
    "specimen_id": ["S1", "S2", " S3 ", "", TOO_LONG],
    "test_code": ["94500-6", "94309-2", ""],
    "test_name": ["SARS-CoV-2 RNA", "", TOO_LONG],
    "result": ["POSITIVE", "negative", " Not  Detected ", "void", "maybe", ""],
    "specimen_collected_at": [
        "2020-10-01T08:00:00+00:00", "2020-10-01T08:00:00", "2020-10-01", "yesterday", "",
        "2020-10-03T08:00:00+01:00",
    ],
    "result_at": ["2020-10-02T06:00:00+00:00", "2020-10-02 06:00Z", "2020-13-02T06:00:00Z", ""],
    "nhs_number": ["", "9434765919", "943 476 5919", "9434765918", "-"],
    "first_name": ["Ada", "", " Zoë ", "Mary, Jane", "line\nbreak", TOO_LONG],
    "last_name": ["Lovelace", "", "O'Brien"],
    "date_of_birth": ["1990-12-10", "", "2999-01-01", "1899-12-31", "10/12/1990"],
    "sex": ["F", "m", "female", "Unknown", "X", ""],
    "phone": ["", "07700 900123", "+44 7700 900123", "call me"],
    "email": ["", "Ada@Example.COM", "not an email"],
    "address_line1": ["1 Test Street", "", "Flat 2, 3 High St"],
    "address_line2": ["", "Headingley"],
    "town": ["Leeds", ""],
    "postcode": ["LS6 3AB", "ls63ab", "LS6", "", "NOT A POSTCODE"],
    "uprn": ["", "000100012345", "abc"],
}  # fmt: skip

CLEAN = {name: values[0] for name, values in CHOICES.items()}


@st.composite
def a_row(draw: st.DrawFn) -> dict[str, str]:
    """A clean row with up to three fields changed (clean or broken), so that chunks mix both."""
    changed = draw(st.lists(st.sampled_from(sorted(CHOICES)), max_size=3))
    return {**CLEAN, **{name: draw(st.sampled_from(CHOICES[name])) for name in changed}}


rows = st.lists(a_row(), min_size=1, max_size=25)
#: Optional columns a lab may leave out, and a lab's own names for some columns.
dropped = st.sets(st.sampled_from(["uprn", "email", "test_name", "phone", "nhs_number"]))
renamed = st.booleans()


def _write(path: Path, records: list[dict[str, str]], drop: set[str], rename: bool) -> dict:
    names = [f for f in CANONICAL_FIELDS if f not in drop and f in CHOICES]
    mapping = {"Specimen": "specimen_id", "Surname": "last_name"} if rename else {}
    header = [{v: k for k, v in mapping.items()}.get(name, name) for name in names]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(header)
        for record in records:
            writer.writerow([record[name] for name in names])
    return mapping


def _both(path: Path, mapping: dict, chunk: int) -> tuple[list, list, list, list]:
    plain = CsvFeed(path, mapping=mapping)
    expected = [check(record) for record in plain]
    fast = FastCsvFeed(path, mapping=mapping)
    records = list(fast)
    got: list[Valid | Invalid] = []
    for start in range(0, len(records), chunk):
        got += check_chunk(records[start : start + chunk], fast)
    return expected, got, plain.warnings, fast.warnings


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows, dropped, renamed, st.sampled_from([1, 3, 100]))
def test_the_fast_path_equals_the_record_path(
    records: list[dict[str, str]], drop: set[str], rename: bool, chunk: int
) -> None:
    with tempfile.TemporaryDirectory() as temp:
        path = Path(temp) / "feed.csv"
        mapping = _write(path, records, drop, rename)
        expected, got, plain_warnings, fast_warnings = _both(path, mapping, chunk)
    assert got == expected
    assert fast_warnings == plain_warnings


def test_clean_rows_take_the_fast_path_and_broken_ones_keep_their_message(
    tmp_path: Path,
) -> None:
    clean = CLEAN
    broken = {**clean, "specimen_id": "S2", "date_of_birth": "10/12/1990"}
    path = tmp_path / "feed.csv"
    _write(path, [clean, broken], set(), False)
    feed = FastCsvFeed(path)
    records = list(feed)
    assert [type(r) for r in records] == [PendingRow, PendingRow]
    first, second = check_chunk(records, feed)
    assert isinstance(first, Valid) and first.number == 2 and first.warnings == ()
    assert isinstance(second, Invalid)
    assert (second.number, second.field) == (3, "date_of_birth")
    assert "record 3" in second.reason and "10/12/1990" in second.reason


def test_an_over_long_value_sends_only_its_own_row_to_the_record_path(tmp_path: Path) -> None:
    rows = [{**CLEAN, "specimen_id": f"S{n}"} for n in range(5)]
    rows[3]["first_name"] = TOO_LONG
    path = tmp_path / "feed.csv"
    _write(path, rows, set(), False)
    feed = FastCsvFeed(path)
    checked = check_chunk(list(feed), feed)
    assert [type(c).__name__ for c in checked] == ["Valid"] * 3 + ["Invalid", "Valid"]
    assert checked[3].field == "person.first_name"  # type: ignore[union-attr]
