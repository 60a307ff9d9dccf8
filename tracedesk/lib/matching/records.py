"""The person record the matcher reads, and its normalised form."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tracedesk.lib.matching import normalise as n

FIELDS = (
    "first_name",
    "last_name",
    "dob",
    "sex",
    "phone",
    "email",
    "address_line1",
    "postcode",
    "nhs_number",
)


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """Details of one person as entered; ``""`` (or None for ``dob``) when missing."""

    first_name: str = ""
    last_name: str = ""
    dob: dt.date | None = None
    sex: str = ""
    phone: str = ""
    email: str = ""
    address_line1: str = ""
    postcode: str = ""
    nhs_number: str = ""


Record = PersonRecord | Mapping[str, Any]


def as_record(value: Record) -> PersonRecord:
    """Return a PersonRecord from a record or a dict; other keys of a dict are ignored."""
    if isinstance(value, PersonRecord):
        return value
    text = {name: str(value.get(name) or "") for name in FIELDS if name != "dob"}
    return PersonRecord(dob=_date(value.get("dob")), **text)


def _date(value: object) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value)
    raise TypeError(f"dob must be a date, an ISO date string or None, not {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class Prepared:
    """A record normalised once, so a query is not re-normalised for every candidate."""

    first_name: str
    first_phonetic: str
    last_name: str
    last_phonetic: str
    dob: dt.date | None
    sex: str
    phone: str
    email: str
    address_line1: str
    postcode: str
    district: str
    nhs_number: str

    def value(self, field: str) -> str:
        """Return the normalised value of a field as text (``''`` when missing)."""
        if field == "dob":
            return self.dob.isoformat() if self.dob else ""
        text: str = getattr(self, field)
        return text


def prepare(value: Record | Prepared) -> Prepared:
    """Normalise every field of a record."""
    if isinstance(value, Prepared):
        return value
    return _prepared(as_record(value))


@functools.lru_cache(maxsize=n.CACHED)
def _prepared(record: PersonRecord) -> Prepared:
    """The same record is prepared once while it is in the cache (records and Prepared
    are frozen, so sharing one is safe): stored candidates are read again for each
    chunk, batch and probe that blocks with them."""
    postcode = n.normalise_postcode(record.postcode)
    return Prepared(
        first_name=n.normalise_name(record.first_name),
        first_phonetic=n.phonetic_code(record.first_name),
        last_name=n.normalise_name(record.last_name),
        last_phonetic=n.phonetic_code(record.last_name),
        dob=record.dob,
        sex=n.normalise_sex(record.sex),
        phone=n.phone_digits(record.phone),
        email=n.normalise_email(record.email),
        address_line1=n.normalise_address(record.address_line1),
        postcode=postcode,
        district=n.postcode_district(postcode),
        nhs_number=n.normalise_nhs(record.nhs_number),
    )
