"""Find the existing people that sets of details describe.

Deterministic for now (NHS number; else exact name and date of birth). The
probabilistic matcher of the matching issue replaces ``find_matches`` behind the
same signature. Works on many records at once: two queries for any number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db.models.functions import Lower

from tracedesk.people.details import PersonDetails
from tracedesk.people.models import Person

NameKey = tuple[str, str, dt.date]


def name_key(first_name: str, last_name: str, date_of_birth: dt.date | None) -> NameKey | None:
    """Return the exact-match key of a name and date of birth (None if any is missing)."""
    if not (first_name and last_name and date_of_birth):
        return None
    return (first_name.casefold(), last_name.casefold(), date_of_birth)


def identity_key(details: PersonDetails) -> tuple[object, ...] | None:
    """Return what makes two records certainly the same person (None: nothing certain)."""
    if details.nhs_number:
        return ("nhs", details.nhs_number)
    key = name_key(details.first_name, details.last_name, details.date_of_birth)
    return ("name", *key) if key else None


def find_matches(many: Sequence[PersonDetails]) -> list[Person | None]:
    """Return, for each set of details, the person it certainly describes, or None."""
    numbers = {d.nhs_number for d in many if d.nhs_number}
    by_number: dict[str, Person] = {}
    for person in Person.objects.filter(nhs_number__in=numbers).order_by("-pk"):
        by_number[person.nhs_number] = person  # the oldest record wins
    wanted = [
        key
        for d in many
        if d.nhs_number not in by_number
        if (key := name_key(*_name(d))) is not None
    ]
    # Both the surname and the date of birth narrow the query (one functional index on
    # both): by date of birth alone, each chunk would fetch more people as the table grows.
    candidates = Person.objects.annotate(surname=Lower("last_name")).filter(
        surname__in={key[1] for key in wanted}, date_of_birth__in={key[2] for key in wanted}
    )
    by_name: dict[NameKey, Person] = {}
    for person in candidates.order_by("-pk"):
        key = name_key(person.first_name, person.last_name, person.date_of_birth)
        if key:
            by_name[key] = person
    found: list[Person | None] = []
    for details in many:
        match = by_number.get(details.nhs_number) if details.nhs_number else None
        key = name_key(*_name(details))
        found.append(match or (by_name.get(key) if key else None))
    return found


def find_match(details: PersonDetails) -> Person | None:
    """Return the person these details certainly describe, or None."""
    return find_matches([details])[0]


def _name(details: PersonDetails) -> tuple[str, str, dt.date | None]:
    return details.first_name, details.last_name, details.date_of_birth
