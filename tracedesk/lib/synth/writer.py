"""Streaming CSV output with row counts for the manifest (other lab-feed formats: labfeed.py)."""

from __future__ import annotations

import csv
import hashlib
import json
import pathlib
from collections.abc import Collection, Iterable, Sequence
from types import TracebackType
from typing import IO, Any, Protocol

GEOGRAPHY = ("code", "name", "level", "parent_code", "postcode_districts")
SETTINGS = ("setting_id", "name", "setting_type", "address_line1", "town", "postcode", "la_code")
LAB_RESULTS = (
    "lab_code", "specimen_id", "test_code", "test_name", "result", "specimen_collected_at",
    "result_at", "nhs_number", "first_name", "last_name", "date_of_birth", "sex", "phone", "email",
    "address_line1", "address_line2", "town", "postcode",
)  # fmt: skip
REPORTED_CONTACTS = (
    "report_id", "case_specimen_id", "reported_at", "first_name", "last_name", "date_of_birth",
    "sex", "phone", "email", "address_line1", "town", "postcode", "contact_type",
    "last_exposure_date", "proximity", "duration_minutes",
)  # fmt: skip
REPORTED_ATTENDANCES = ("case_specimen_id", "setting_id", "attended_on")
TRUTH_PEOPLE = (
    "person_id", "household_id", "first_name", "last_name", "date_of_birth", "sex", "nhs_number",
    "phone", "email", "address_line1", "address_line2", "town", "postcode", "la_code",
    "preferred_language", "daytime_setting_id",
)  # fmt: skip
TRUTH_INFECTIONS = (
    "person_id", "infected_on", "infector_id", "route", "setting_id", "symptomatic", "onset_on",
    "tested_on", "specimen_id",
)  # fmt: skip
TRUTH_LAB_RESULTS = ("specimen_id", "person_id")
TRUTH_REPORTED_CONTACTS = ("report_id", "person_id")
TRUTH_MALFORMED = ("file", "record_number", "field", "kind")

LAB_FILE = "lab_results.csv"

FILES: dict[str, Sequence[str]] = {
    "geography.csv": GEOGRAPHY,
    "settings.csv": SETTINGS,
    "lab_results.csv": LAB_RESULTS,
    "reported_contacts.csv": REPORTED_CONTACTS,
    "reported_attendances.csv": REPORTED_ATTENDANCES,
    "truth/people.csv": TRUTH_PEOPLE,
    "truth/infections.csv": TRUTH_INFECTIONS,
    "truth/lab_results.csv": TRUTH_LAB_RESULTS,
    "truth/reported_contacts.csv": TRUTH_REPORTED_CONTACTS,
    "truth/malformed.csv": TRUTH_MALFORMED,
}


class CsvOut:
    """One CSV file: UTF-8, header row, ``\\n`` line endings, rows counted (header excluded)."""

    def __init__(self, path: pathlib.Path, header: Sequence[str]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: IO[str] = path.open("w", encoding="utf-8", newline="")
        self._writer = csv.writer(self._file, lineterminator="\n")
        self._writer.writerow(header)
        self.rows = 0

    def write(self, row: Sequence[object]) -> None:
        self._writer.writerow(row)
        self.rows += 1

    def write_many(self, rows: Iterable[Sequence[object]]) -> None:
        for row in rows:
            self._writer.writerow(row)
            self.rows += 1

    def write_trailer(self, row: Sequence[object]) -> None:
        """Write a row that is not data (e.g. ``TRAILER,<n>``): not counted in ``rows``."""
        self._writer.writerow(row)

    def close(self) -> None:
        self._file.close()


class LabSink(Protocol):
    """Where lab results go: one canonical row (``LAB_RESULTS`` order) per result."""

    def write(self, row: Sequence[str]) -> None: ...

    def close(self) -> None: ...

    def counts(self) -> dict[str, int]: ...


class _CsvLab:
    """The plain lab sink: ``lab_results.csv`` only (replaced by labfeed.LabFeed in a run)."""

    def __init__(self, out: CsvOut | None) -> None:
        self.out = out

    def write(self, row: Sequence[str]) -> None:
        if self.out is not None:
            self.out.write(row)

    def close(self) -> None:
        pass

    def counts(self) -> dict[str, int]:
        return {}


class Outputs:
    """All the files of one run, opened together and closed together.

    ``skip`` names CSV files not to write (``lab_results.csv`` when the CSV feed is off). ``lab``
    receives the lab results; it is closed (trailers written) before the CSV files.
    """

    def __init__(self, out_dir: pathlib.Path, skip: Collection[str] = ()) -> None:
        self.out_dir = out_dir
        self.files = {
            name: CsvOut(out_dir / name, header)
            for name, header in FILES.items()
            if name not in skip
        }
        self.lab: LabSink = _CsvLab(self.files.get(LAB_FILE))

    def __getitem__(self, name: str) -> CsvOut:
        return self.files[name]

    def __enter__(self) -> Outputs:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.lab.close()
        finally:
            for f in self.files.values():
                f.close()

    def counts(self) -> dict[str, int]:
        return {**{name: f.rows for name, f in self.files.items()}, **self.lab.counts()}


def sha256_of(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_manifest(out_dir: pathlib.Path, manifest: dict[str, Any]) -> None:
    text = json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    (out_dir / "manifest.json").write_text(text, encoding="utf-8", newline="\n")
