"""Small laboratory feeds for tests, written as the labs would send them."""

from __future__ import annotations

import csv
from pathlib import Path

from tracedesk.lib.labfeeds import CANONICAL_FIELDS

GOOD = {
    "lab_code": "LAB-LEEDS-01",
    "test_code": "94500-6",
    "test_name": "SARS-CoV-2 RNA",
    "result": "NEGATIVE",
    "specimen_collected_at": "2020-10-01T08:00:00+00:00",
    "result_at": "2020-10-02T06:00:00+00:00",
    "first_name": "Ada",
    "last_name": "Lovelace",
    "date_of_birth": "1990-12-10",
    "sex": "F",
    "postcode": "LS6 3AB",
    "address_line1": "1 Test Street",
    "town": "Leeds",
}


def row(specimen: str, **changes: str) -> dict[str, str]:
    """Return one canonical row for a specimen, with changes."""
    values = {**GOOD, "specimen_id": specimen, **changes}
    return {name: values.get(name, "") for name in CANONICAL_FIELDS}


def write_csv(
    path: Path, rows: list[dict[str, str]], *, trailer: int | None = None, encoding: str = "utf-8"
) -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=CANONICAL_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        if trailer is not None:
            handle.write(f"TRAILER,{trailer}\n")
    return path


def people(count: int, *, positive_every: int = 5, prefix: str = "S") -> list[dict[str, str]]:
    """Return ``count`` rows for different people, every n-th positive."""
    return [
        row(
            f"{prefix}{n:05d}",
            first_name=f"Person{n}",
            result="POSITIVE" if n % positive_every == 0 else "NEGATIVE",
        )
        for n in range(1, count + 1)
    ]
