"""Conversions into the canonical forms, shared by the parsers.

Each converter returns the canonical string or raises :class:`ConversionError` whose message is
the reason shown to a person (it quotes the offending value).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone

from .records import RecordError, SourceRecord

#: CSV result words (case-insensitive, inner spaces collapsed) → canonical result.
CSV_RESULTS: dict[str, str] = {
    "POSITIVE": "POSITIVE",
    "DETECTED": "POSITIVE",
    "NEGATIVE": "NEGATIVE",
    "NOT DETECTED": "NEGATIVE",
    "VOID": "VOID",
    "INVALID": "VOID",
}

#: SNOMED CT result codes (FHIR ``valueCodeableConcept``, HL7 ``OBX-5``) → canonical result.
SNOMED_RESULTS: dict[str, str] = {
    "260373001": "POSITIVE",  # Detected
    "260415000": "NEGATIVE",  # Not detected
    "125154007": "VOID",  # Specimen unsatisfactory for evaluation
}

SEX_WORDS: frozenset[str] = frozenset({"female", "male", "other", "unknown"})

#: Single-letter sex codes (CSV ``F``/``M``/``U``, HL7 table 0001 ``F``/``M``/``O``/``U``).
SEX_LETTERS: dict[str, str] = {"F": "female", "M": "male", "O": "other", "U": "unknown"}

NO_OFFSET_WARNING = "{field} {value!r} has no UTC offset; taken as UTC"


class ConversionError(ValueError):
    """A value cannot be converted; the message is the reason for a person."""


def csv_result(value: str, field: str = "result") -> str:
    key = " ".join(value.split()).upper()
    try:
        return CSV_RESULTS[key]
    except KeyError:
        if not key:
            raise ConversionError(f"{field} is missing") from None
        raise ConversionError(
            f"unknown result {value!r} (expected POSITIVE/DETECTED, NEGATIVE/NOT DETECTED "
            "or VOID/INVALID)"
        ) from None


def snomed_result(code: str, field: str = "result") -> str:
    try:
        return SNOMED_RESULTS[code]
    except KeyError:
        if not code:
            raise ConversionError(f"{field} is missing") from None
        raise ConversionError(
            f"unknown result code {code!r} (expected SNOMED CT 260373001, 260415000 or 125154007)"
        ) from None


def sex_word(value: str, field: str = "sex") -> str:
    """``female``/``male``/``other``/``unknown`` (any case) or ``F``/``M``/``O``/``U``."""
    if not value:
        return ""
    lowered = value.lower()
    if lowered in SEX_WORDS:
        return lowered
    try:
        return SEX_LETTERS[value.upper()]
    except KeyError:
        raise ConversionError(
            f"unknown sex {value!r} (expected female, male, other, unknown or F, M, O, U)"
        ) from None


def iso_date(value: str, field: str) -> str:
    """An ISO 8601 calendar date → ``YYYY-MM-DD``; ``""`` stays ``""``."""
    if not value:
        return ""
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise ConversionError(f"{field} {value!r} is not a date (YYYY-MM-DD)") from None


def iso_datetime(value: str, field: str) -> tuple[str, bool]:
    """An ISO 8601 date-time → canonical text with offset, and whether UTC was assumed.

    ``""`` stays ``""``. A value without a time of day is refused (the canonical form is a
    date-time); a value without an offset is taken as UTC (the caller warns).
    """
    if not value:
        return "", False
    extended_time = len(value) > 10 and value[10] in "Tt "
    basic_time = len(value) > 8 and value[8] in "Tt"
    if not (extended_time or basic_time):
        raise ConversionError(f"{field} {value!r} has no time of day")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ConversionError(
            f"{field} {value!r} is not an ISO 8601 date-time (e.g. 2020-09-13T08:30:00+00:00)"
        ) from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC).isoformat(), True
    return parsed.isoformat(), False


_HL7_DTM = "an HL7 date-time (YYYYMMDDHHMM[SS][+ZZZZ])"
_HL7_DTM_RE = re.compile(r"(\d{4,14})(?:\.(\d{1,4}))?(?:([+-])(\d{4}))?")


def hl7_datetime(value: str, field: str) -> tuple[str, bool]:
    """An HL7 DTM ``YYYYMMDDHHMM[SS[.S+]][±ZZZZ]`` → canonical text, and whether UTC was assumed."""
    if not value:
        return "", False
    match = _HL7_DTM_RE.fullmatch(value)
    if match is None:
        raise ConversionError(f"{field} {value!r} is not {_HL7_DTM}")
    digits, fraction, sign, offset = match.groups()
    if len(digits) < 12:
        raise ConversionError(f"{field} {value!r} has no time of day (YYYYMMDDHHMM)")
    if len(digits) not in (12, 14) or (fraction and len(digits) != 14):
        raise ConversionError(f"{field} {value!r} is not {_HL7_DTM}")
    try:
        tz: timezone = UTC
        if sign:
            minutes = int(offset[:2]) * 60 + int(offset[2:])
            tz = timezone(timedelta(minutes=-minutes if sign == "-" else minutes))
        parsed = datetime(
            int(digits[0:4]),
            int(digits[4:6]),
            int(digits[6:8]),
            int(digits[8:10]),
            int(digits[10:12]),
            int(digits[12:14] or 0),
            int((fraction + "000000")[:6]) if fraction else 0,
            tzinfo=tz,
        )
    except ValueError as exc:
        raise ConversionError(f"{field} {value!r} is not a valid date-time ({exc})") from None
    return parsed.isoformat(), not sign


def hl7_date(value: str, field: str) -> str:
    """An HL7 DT/DTM (``YYYYMMDD``, time ignored) → ``YYYY-MM-DD``; ``""`` stays ``""``."""
    if not value:
        return ""
    digits = value[:8]
    if len(digits) < 8 or not digits.isdigit():
        raise ConversionError(f"{field} {value!r} is not a full date (YYYYMMDD)")
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8])).isoformat()
    except ValueError:
        raise ConversionError(f"{field} {value!r} is not a valid date") from None


class RecordBuilder:
    """Collects one record's fields, its first error and its warnings."""

    __slots__ = ("error", "fields", "warnings")

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = fields
        self.error: RecordError | None = None
        self.warnings: list[str] = []

    def fail(self, field: str, reason: str) -> None:
        """Record an error; the first one is kept."""
        if self.error is None:
            self.error = RecordError(field, reason)

    def require(self, name: str) -> None:
        if not self.fields[name]:
            self.fail(name, f"{name} is missing")

    def convert(self, name: str, value: str, converter: Callable[[str, str], str]) -> None:
        """Store ``converter(value, name)``; on failure keep the source text and fail."""
        try:
            self.fields[name] = converter(value, name)
        except ConversionError as exc:
            self.fields[name] = value
            self.fail(name, str(exc))

    def convert_datetime(
        self, name: str, value: str, converter: Callable[[str, str], tuple[str, bool]]
    ) -> bool:
        """Store a converted date-time; return whether UTC was assumed (warned on the record)."""
        try:
            converted, assumed_utc = converter(value, name)
        except ConversionError as exc:
            self.fields[name] = value
            self.fail(name, str(exc))
            return False
        self.fields[name] = converted
        if assumed_utc:
            self.warnings.append(NO_OFFSET_WARNING.format(field=name, value=value))
        return assumed_utc

    def build(self, number: int, raw: str) -> SourceRecord:
        return SourceRecord(number, self.fields, raw, self.error, tuple(self.warnings))
