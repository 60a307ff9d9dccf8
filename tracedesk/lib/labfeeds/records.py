"""The canonical record every laboratory feed is turned into, and the feed interface.

See ``docs/lab-feeds.md`` for the contract. Parsers convert *formats* (dates, result codes,
sex codes, HL7/FHIR/CSV structure) into the canonical forms; they do not check business rules
such as NHS number check digits or postcodes. What a parser cannot convert becomes a
:class:`RecordError` on that record, never an exception: one bad record does not stop a feed.
Only a problem that makes *no* record readable (a CSV without its required columns, a Bundle
that is not JSON) raises :class:`FeedError`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

#: The canonical fields, in the order of the contract's table.
CANONICAL_FIELDS: tuple[str, ...] = (
    "lab_code",
    "specimen_id",
    "test_code",
    "test_name",
    "result",
    "specimen_collected_at",
    "result_at",
    "nhs_number",
    "first_name",
    "last_name",
    "date_of_birth",
    "sex",
    "phone",
    "email",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "uprn",
)

#: Fields the contract says "may be empty": a CSV may leave their columns out altogether.
OPTIONAL_FIELDS: frozenset[str] = frozenset(
    {"test_name", "nhs_number", "date_of_birth", "phone", "email", "uprn"}
)

#: Columns a CSV must have (after its mapping); without one of them no row can be read.
REQUIRED_COLUMNS: tuple[str, ...] = tuple(f for f in CANONICAL_FIELDS if f not in OPTIONAL_FIELDS)

#: The field name used in a :class:`RecordError` when no canonical field can be named.
RECORD = "record"

#: Feed format names, as accepted by ``open_feed(format=...)`` and ``tracedesk ingest --format``.
FORMATS: tuple[str, ...] = ("csv", "fhir-ndjson", "fhir-bundle", "hl7")


class FeedError(ValueError):
    """The file cannot be read as a feed at all (not one record can be read from it)."""


@dataclass(frozen=True, slots=True)
class RecordError:
    """Why one record could not be converted.

    ``field`` is a canonical field name, or ``"record"`` when no single field can be named
    (a broken JSON line, a truncated HL7 message, a CSV row with the wrong number of fields).
    """

    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One record of a feed, converted to the canonical forms.

    ``number`` locates it in the source (see :class:`Feed`); ``fields`` always holds every
    name of :data:`CANONICAL_FIELDS` (missing values are ``""``); ``raw`` is the record's
    original text so that a rejected record can be shown and corrected; ``error`` is set when
    something could not be converted (the other fields are filled as far as possible).
    """

    number: int
    fields: dict[str, str]
    raw: str
    error: RecordError | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.error is None


class Feed(ABC):
    """A laboratory feed: iterate it to get :class:`SourceRecord` objects in source order.

    Record numbers follow the contract: the physical line where a CSV row starts (the header is
    line 1), the line of an NDJSON file, the 1-based position of an Observation among a Bundle's
    Observations, or the 1-based message number in an HL7 file.

    ``skip`` makes iteration start after the first ``skip`` records (they are still counted,
    so numbers stay the same), for resuming a batch.

    After an iteration finished, ``records_read`` is the number of records in the file
    (skipped ones included) and ``declared_count`` is the count the file declares, or ``None``:
    a CSV ``TRAILER`` row and HL7 ``BTS-1`` are at the end of the file so they are only known
    once iteration has finished; a Bundle's ``total`` is known as soon as the feed is opened;
    NDJSON has none. ``warnings`` holds file-level warnings (each once), some known on opening
    (encoding), others only during iteration (HL7 times without an offset).

    A feed can be iterated more than once; each iteration re-reads the file.
    """

    format: ClassVar[str]

    def __init__(self, path: str | Path, *, skip: int = 0) -> None:
        if skip < 0:
            raise ValueError("skip must be >= 0")
        self.path = Path(path)
        self.skip = skip
        self.warnings: list[str] = []
        self.declared_count: int | None = None
        self.records_read = 0

    @abstractmethod
    def __iter__(self) -> Iterator[SourceRecord]:
        """Yield the records in source order, starting after the first ``skip``."""

    def warn(self, message: str) -> None:
        """Add a file-level warning unless it is already there."""
        if message not in self.warnings:
            self.warnings.append(message)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {str(self.path)!r} skip={self.skip}>"
