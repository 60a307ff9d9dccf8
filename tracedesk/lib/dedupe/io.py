"""Read and normalise CSV files of people for batch deduplication (no Django)."""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TextIO

from tracedesk.lib.postcodes import PostcodeError, normalise_postcode

FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "dob",
    "sex",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "national_id",
)
NAME_FIELDS: tuple[str, ...] = ("first_name", "last_name")
DEFAULT_ID_COLUMN = "record_id"

# A record is the record id plus every standard field, all normalised strings ("" = missing).
Record = dict[str, str]

# Day-first formats only: UK sources write 03/04/1980 for 3 April, and guessing month-first
# for ambiguous dates would silently swap day and month.
_DOB_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d", "%Y/%m/%d")
_EARLIEST_DOB = date(1880, 1, 1)
_SEX = {"m": "m", "male": "m", "f": "f", "female": "f"}


@dataclass(frozen=True)
class ReadResult:
    """Normalised records in input order, with row-level warnings (never personal data)."""

    records: list[Record]
    warnings: list[str] = field(default_factory=list)
    id_column: str | None = None

    @property
    def bad_dob_count(self) -> int:
        """Count the dates of birth that could not be read and were left empty."""
        return sum(1 for warning in self.warnings if "dob" in warning)


def parse_mapping(text: str) -> dict[str, str]:
    """Parse ``"src=field,src2=field2"`` into ``{source_column: field}``."""
    mapping: dict[str, str] = {}
    if not text.strip():
        return mapping
    targets: dict[str, str] = {}
    for part in text.split(","):
        source, sep, target = part.partition("=")
        source, target = source.strip(), target.strip()
        if not sep or not source or not target:
            raise ValueError(f"bad mapping part {part.strip()!r}: expected source_column=field")
        if target not in FIELDS:
            raise ValueError(
                f"bad mapping part {part.strip()!r}: unknown field {target!r} "
                f"(known fields: {', '.join(FIELDS)})"
            )
        if source in mapping:
            raise ValueError(f"bad mapping part {part.strip()!r}: column {source!r} mapped twice")
        if target in targets:
            raise ValueError(
                f"bad mapping part {part.strip()!r}: field {target!r} already mapped "
                f"from column {targets[target]!r}"
            )
        mapping[source] = target
        targets[target] = source
    return mapping


# Names, towns, dates of birth and postcodes repeat across a register of millions: each
# distinct value is normalised once (bounded caches, so unique values such as e-mail
# addresses only cycle through them).
_cached = functools.lru_cache(maxsize=1 << 17)


@_cached
def normalise_name(text: str) -> str:
    """Strip, collapse inner whitespace and casefold a name or free-text value."""
    return " ".join(text.split()).casefold()


def normalise_phone(text: str) -> str:
    """Keep only the digits of a phone number."""
    return re.sub(r"[^0-9]", "", text)


@_cached
def normalise_postcode_loose(text: str) -> str:
    """Upper-case a postcode with one space before the inward code, even if not a UK one."""
    compact = re.sub(r"\s+", "", text).upper()
    if not compact:
        return ""
    try:
        return normalise_postcode(compact)
    except PostcodeError:
        if len(compact) > 4:
            return f"{compact[:-3]} {compact[-3:]}"
        return compact


def normalise_dob(text: str, *, today: date | None = None) -> str | None:
    """Return a date of birth as ISO ``YYYY-MM-DD``, "" if blank, or None if unreadable."""
    return _normalise_dob(text, today or datetime.now(tz=UTC).date())


@_cached
def _normalise_dob(text: str, limit: date) -> str | None:
    value = text.strip()
    if not value:
        return ""
    # Spreadsheets export datetimes ("1980-04-03 00:00:00"); keep the date part.
    value = value.split(" ")[0].split("T")[0]
    for fmt in _DOB_FORMATS:
        try:
            # The format is naive on purpose: a date of birth has no time zone.
            parsed = datetime.strptime(value, fmt).date()  # noqa: DTZ007
        except ValueError:
            continue
        if _EARLIEST_DOB <= parsed <= limit:
            return parsed.isoformat()
        return None
    return None


def normalise_national_id(text: str) -> str:
    """Upper-case an identifier and drop spaces and dashes."""
    return re.sub(r"[\s-]", "", text).upper()


@_cached
def normalise_sex(text: str) -> str:
    """Map common spellings of sex to ``m``/``f``; keep other values casefolded."""
    value = normalise_name(text)
    return _SEX.get(value, value)


_NORMALISERS: dict[str, Callable[[str], str]] = {
    "first_name": normalise_name,
    "last_name": normalise_name,
    "sex": normalise_sex,
    "phone": normalise_phone,
    "email": lambda text: " ".join(text.split()).casefold(),  # unique: not worth caching
    "address_line1": normalise_name,
    "address_line2": normalise_name,
    "town": normalise_name,
    "postcode": normalise_postcode_loose,
    "national_id": normalise_national_id,
}


def _resolve_columns(header: list[str], mapping: Mapping[str, str]) -> dict[str, str]:
    """Return ``{field: source_column}`` for the header after applying the mapping."""
    for source in mapping:
        if source not in header:
            raise ValueError(f"mapped column {source!r} is not in the CSV header")
    columns: dict[str, str] = {target: source for source, target in mapping.items()}
    for column in header:
        standard = column.casefold()
        if column in mapping or standard not in FIELDS:
            continue
        if standard in columns:
            if columns[standard] in mapping:
                raise ValueError(
                    f"column {column!r} and mapped column {columns[standard]!r} "
                    f"both provide field {standard!r}"
                )
            raise ValueError(f"column {column!r} appears twice in the CSV header")
        columns[standard] = column
    return columns


def read_people_rows(
    handle: TextIO,
    *,
    mapping: Mapping[str, str] | None = None,
    id_column: str | None = None,
) -> ReadResult:
    """Read people from an open CSV text stream; raise ValueError on unusable input."""
    reader = csv.reader(handle)
    try:
        header = [column.strip() for column in next(reader)]
    except StopIteration:
        raise ValueError("the CSV file is empty: expected a header row") from None
    if len(set(header)) != len(header):
        repeated = sorted({column for column in header if header.count(column) > 1})
        raise ValueError(f"column {repeated[0]!r} appears twice in the CSV header")
    columns = _resolve_columns(header, mapping or {})
    if id_column is not None and id_column not in header:
        raise ValueError(f"id column {id_column!r} is not in the CSV header")
    if id_column is None and DEFAULT_ID_COLUMN in header:
        id_column = DEFAULT_ID_COLUMN
    if not any(name in columns for name in NAME_FIELDS):
        raise ValueError(
            "no usable name columns: the CSV needs a first_name or last_name column "
            "(rename other headers with a mapping such as forename=first_name)"
        )
    index = {column: position for position, column in enumerate(header)}
    return _read_records(reader, header, index, columns, id_column)


def _read_records(
    rows: Iterable[list[str]],
    header: list[str],
    index: dict[str, int],
    columns: dict[str, str],
    id_column: str | None,
) -> ReadResult:
    records: list[Record] = []
    warnings: list[str] = []
    seen: dict[str, int] = {}
    today = datetime.now(tz=UTC).date()
    row_number = 0
    # (field, position in the row or None, normaliser) for every field but the date of birth.
    plan = [
        (name, index[columns[name]] if name in columns else None, _NORMALISERS[name])
        for name in FIELDS
        if name != "dob"
    ]
    dob_at = index[columns["dob"]] if "dob" in columns else None
    for row in rows:
        if not any(cell.strip() for cell in row):
            continue
        row_number += 1
        if len(row) > len(header):
            raise ValueError(
                f"row {row_number} has {len(row)} values but the header has {len(header)} columns"
            )
        cells = row + [""] * (len(header) - len(row))
        if id_column is None:
            record_id = str(row_number)
        else:
            record_id = cells[index[id_column]].strip()
            if not record_id:
                raise ValueError(f"row {row_number} has an empty id in column {id_column!r}")
            if record_id in seen:
                raise ValueError(
                    f"duplicate id in column {id_column!r}: rows {seen[record_id]} "
                    f"and {row_number} share the same value"
                )
        seen[record_id] = row_number
        record: Record = {"record_id": record_id}
        for name, position, normalise in plan:
            record[name] = normalise(cells[position]) if position is not None else ""
        if dob_at is not None:
            dob = _normalise_dob(cells[dob_at], today)
            if dob is None:
                warnings.append(f"row {row_number}: unreadable dob in column {columns['dob']!r}")
                dob = ""
            record["dob"] = dob
        else:
            record["dob"] = ""
        records.append(record)
    if records and not any(record[name] for record in records for name in NAME_FIELDS):
        raise ValueError("no usable name columns: every first_name and last_name value is empty")
    return ReadResult(records=records, warnings=warnings, id_column=id_column)


def read_people(
    path: str | Path,
    *,
    mapping: Mapping[str, str] | None = None,
    id_column: str | None = None,
) -> ReadResult:
    """Read a CSV file of people; raise ValueError naming the column or row on bad input."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return read_people_rows(handle, mapping=mapping, id_column=id_column)
