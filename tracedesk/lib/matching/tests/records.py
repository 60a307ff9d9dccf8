"""Records shared by the matching tests."""

import dataclasses
import datetime as dt
from typing import Any

from tracedesk.lib.matching import PersonRecord

AISHA = PersonRecord(
    first_name="Aisha",
    last_name="Okafor",
    dob=dt.date(1987, 3, 14),
    sex="female",
    phone="07700 900123",
    email="aisha@example.org",
    address_line1="10 High Street",
    postcode="LS6 3AB",
)


def aisha(**changes: Any) -> PersonRecord:
    """Return Aisha's record with some fields changed."""
    return dataclasses.replace(AISHA, **changes)


def core(record: PersonRecord) -> PersonRecord:
    """Keep only the names, date of birth and postcode of a record."""
    return PersonRecord(
        first_name=record.first_name,
        last_name=record.last_name,
        dob=record.dob,
        postcode=record.postcode,
    )
