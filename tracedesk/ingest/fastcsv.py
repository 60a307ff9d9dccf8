"""The fast path for CSV feeds: check a whole chunk of clean rows at once.

``validation.check`` takes one record through the CSV parser's conversions
(``CsvFeed._convert``), then the result and person rules (``parse_person``,
``check_storable``), building a dictionary and several intermediate values for
every row: about 15 µs a record, more than the database takes to store it.

Most rows of a feed are clean, and most of their values repeat (result words,
test codes, sample times, sex, postcodes, towns). For a chunk of rows this
module converts each *distinct* value once with the same functions the record
path calls, checks the lengths once per chunk against the longest value, and
builds the same ``Valid`` as ``check`` would. A row with anything unusual —
a conversion that fails or warns (a date-time without an offset, an impossible
date of birth, an incomplete postcode, a phone or e-mail dropped), a missing
field, an over-long value — is not judged here: it goes through
``CsvFeed._convert`` and ``check`` exactly as before, so every rejection and
warning keeps its wording, line and field. ``test_fastcsv.py`` checks that
both paths give equal results for generated rows, clean and broken.

Tokenising (quoting, embedded newlines, line numbers, the TRAILER row, resuming)
stays with ``CsvFeed``: this module only replaces its per-row conversion.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from tracedesk.ingest.validation import RESULTS, Invalid, LabResult, Valid, check, check_result
from tracedesk.lib.addresses import normalise_uprn
from tracedesk.lib.identifiers import is_valid_nhs_number, normalise_nhs_number, normalise_uk_phone
from tracedesk.lib.labfeeds import CsvFeed, SourceRecord
from tracedesk.lib.labfeeds.convert import csv_result, iso_date, iso_datetime
from tracedesk.lib.labfeeds.convert import sex_word as csv_sex
from tracedesk.lib.postcodes import normalise_postcode
from tracedesk.people.details import EARLIEST_BIRTH, SEX_WORDS, PersonDetails, check_storable

#: A value the fast path does not judge: its row takes the record path.
UNUSUAL: Any = object()
_EMPTY: dict[str, str] = {}


@dataclass(frozen=True, slots=True)
class PendingRow(SourceRecord):
    """A CSV row read but not yet converted: ``check_chunk`` converts it."""

    cells: list[str] = field(default_factory=list)


class FastCsvFeed(CsvFeed):
    """A ``CsvFeed`` whose rows are converted a chunk at a time by ``check_chunk``.

    Iterating yields ``PendingRow`` for each row of the header's width (the others,
    malformed rows, come converted and with their error as before).
    """

    def _convert(self, number: int, row: list[str], raw: str) -> SourceRecord:
        return PendingRow(number, _EMPTY, raw, cells=row)

    def convert(self, pending: PendingRow) -> SourceRecord:
        """The record the plain ``CsvFeed`` would have given for this row."""
        return CsvFeed._convert(self, pending.number, pending.cells, pending.raw)


def _memo(convert: Callable[[str], Any]) -> Callable[[str], Any]:
    """``convert`` once per distinct value (for one chunk); UNUSUAL on any exception."""
    seen: dict[str, Any] = {}

    def memo(value: str) -> Any:
        try:
            return seen[value]
        except KeyError:
            pass
        try:
            answer = convert(value)
        except Exception:
            answer = UNUSUAL
        seen[value] = answer
        return answer

    return memo


def _datetime(value: str) -> Any:
    """A sample or result time as ``check`` reads it (offset required: else a warning)."""
    text, assumed_utc = iso_datetime(value, "time")
    if assumed_utc or not text:
        return UNUSUAL
    return dt.datetime.fromisoformat(text)


def _result(value: str) -> Any:
    return RESULTS[csv_result(value)]


def _sex(value: str) -> Any:
    return SEX_WORDS[csv_sex(value)]


def _postcode(value: str) -> Any:
    return normalise_postcode(value) if value else ""


class _Chunk:
    """Per-chunk caches of converted values."""

    def __init__(self) -> None:
        today = dt.datetime.now(_local_zone()).date()  # as parse_person's _today()

        def birth(value: str) -> Any:
            if not value:
                return None
            born = dt.date.fromisoformat(iso_date(value, "date_of_birth"))
            return born if EARLIEST_BIRTH <= born <= today else UNUSUAL

        self.when = _memo(_datetime)
        self.result = _memo(_result)
        self.sex = _memo(_sex)
        self.birth = _memo(birth)
        self.postcode = _memo(_postcode)


def _local_zone() -> dt.tzinfo:
    from django.utils import timezone

    return timezone.get_default_timezone()


_LAB = ("lab_code", "specimen_id", "test_code", "test_name")
_PERSON = (
    *("nhs_number", "first_name", "last_name", "date_of_birth", "sex", "phone", "email"),
    *("address_line1", "address_line2", "town", "postcode", "uprn"),
)
_TIMES = ("specimen_collected_at", "result_at")
#: The character fields whose lengths are checked, in the order ``_fast`` collects them.
_LAB_STRINGS = (*_LAB, "result")
_PERSON_STRINGS = (
    *("first_name", "last_name", "sex", "nhs_number", "phone", "email", "address_line1"),
    *("address_line2", "town", "postcode", "uprn"),
)
Clean = tuple[PendingRow, LabResult, PersonDetails]


def _fast(feed: FastCsvFeed, rows: Sequence[PendingRow]) -> list[Clean | PendingRow]:
    """Convert clean rows; give back the others (``PendingRow``) for the record path."""
    index = {name: i for i, name in feed._index}
    missing = len(feed.header)  # an absent optional column reads as an empty cell
    at = [index.get(name, missing) for name in (*_LAB, "result", *_TIMES, *_PERSON)]
    pad = missing in at
    cells_of = itemgetter(*at)
    cache = _Chunk()
    when, result_of, sex_of, birth_of, postcode_of = (
        cache.when, cache.result, cache.sex, cache.birth, cache.postcode,
    )  # fmt: skip
    out: list[Clean | PendingRow] = []
    strings: list[tuple[str, ...]] = []
    for pending in rows:
        cells = [*pending.cells, ""] if pad else pending.cells
        (
            lab_code, specimen_id, test_code, test_name, result, collected, resulted,
            nhs, first, last, born, sex, phone, email, line1, line2, town, postcode, uprn,
        ) = [cell.strip() for cell in cells_of(cells)]  # fmt: skip
        outcome = result_of(result)
        collected_at = when(collected)
        result_at = when(resulted)
        date_of_birth = birth_of(born)
        sex_value = sex_of(sex)
        postcode_value = postcode_of(postcode)
        if (
            not (lab_code and specimen_id and test_code)
            or outcome is UNUSUAL or collected_at is UNUSUAL or result_at is UNUSUAL
            or date_of_birth is UNUSUAL or sex_value is UNUSUAL or postcode_value is UNUSUAL
            or result_at < collected_at
        ):  # fmt: skip
            out.append(pending)
            continue
        if nhs:
            nhs = normalise_nhs_number(nhs)
            if nhs and not is_valid_nhs_number(nhs):
                out.append(pending)
                continue
        if phone:
            phone = normalise_uk_phone(phone)
            if not phone:
                out.append(pending)
                continue
        if email:
            email = email.lower()
            try:
                validate_email(email)
            except ValidationError:
                out.append(pending)
                continue
        if uprn:
            uprn = normalise_uprn(uprn)
            if not uprn:
                out.append(pending)
                continue
        if not (first or last or nhs or phone):
            out.append(pending)
            continue
        out.append(
            (
                pending,
                LabResult(
                    lab_code, specimen_id, test_code, test_name, outcome, collected_at, result_at
                ),
                PersonDetails(
                    first, last, date_of_birth, sex_value, nhs, phone, email, "en", line1, line2,
                    town, postcode_value, uprn,
                ),
            )
        )  # fmt: skip
        strings.append(
            (
                lab_code, specimen_id, test_code, test_name, outcome, first, last, sex_value,
                nhs, phone, email, line1, line2, town, postcode_value, uprn,
            )
        )  # fmt: skip
    if strings and not _storable_lengths(strings):
        return [
            item if isinstance(item, PendingRow) or _storable(item[1], item[2]) else item[0]
            for item in out
        ]
    return out


_DAY = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _storable_lengths(strings: list[tuple[str, ...]]) -> bool:
    """Whether every row's values fit their columns, judged once on the longest of each.

    Every other rule of ``check_result`` and ``check_storable`` holds for every clean row
    (the dates are in order, the language is "en"), and a length only fails by growing:
    so the chunk passes exactly when a record made of its longest values passes.
    """
    longest = ["x" * max(map(len, column)) for column in zip(*strings, strict=True)]
    lab = dict(zip(_LAB_STRINGS, longest[: len(_LAB_STRINGS)], strict=True))
    person: dict[str, Any] = dict(zip(_PERSON_STRINGS, longest[len(_LAB_STRINGS) :], strict=True))
    return _storable(
        LabResult(**lab, specimen_collected_at=_DAY, result_at=_DAY), PersonDetails(**person)
    )


def _storable(lab: LabResult, patient: PersonDetails) -> bool:
    try:
        check_result(lab, "")
        check_storable(patient)
    except ValidationError:
        return False
    return True


def check_chunk(
    records: Sequence[SourceRecord], feed: FastCsvFeed | None = None
) -> list[Valid | Invalid]:
    """Validate a chunk of records: the clean CSV rows together, every other by ``check``."""
    if feed is None:
        return [check(r) for r in records]
    fast = iter(_fast(feed, [r for r in records if type(r) is PendingRow]))
    checked: list[Valid | Invalid] = []
    for record in records:
        if type(record) is not PendingRow:
            checked.append(check(record))
            continue
        item = next(fast)
        if type(item) is PendingRow:
            checked.append(check(feed.convert(item)))
        else:
            row, lab, patient = item  # type: ignore[misc]
            checked.append(Valid(row.number, row.raw, lab, patient, ()))
    return checked
