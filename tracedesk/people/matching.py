"""Find the existing people that sets of details describe.

Deterministic for now (NHS number; else exact name and date of birth). The
probabilistic matcher of the matching issue replaces ``find_matches`` behind the
same signature. Works on many records at once: two indexed queries for any number,
each fetching only the people that certainly match (``Person.match_key``), so the
cost does not grow with the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from tracedesk.bulk import among
from tracedesk.people.details import PersonDetails
from tracedesk.people.models import Person, match_key


@dataclass(frozen=True, slots=True)
class PersonRef:
    """What set-based writes need of a person: no model instance per row."""

    pk: int
    jurisdiction_id: int
    preferred_language: str


def identity_key(details: PersonDetails, key: str | None = None) -> tuple[str, str] | None:
    """Return what makes two records certainly the same person (None: nothing certain);
    ``key``: their ``match_key``, when the caller has it already."""
    if details.nhs_number:
        return ("nhs", details.nhs_number)
    key = _key(details) if key is None else key
    return ("name", key) if key else None


def find_matches(many: Sequence[PersonDetails]) -> list[PersonRef | None]:
    """Return, for each set of details, the person it certainly describes, or None.

    When several stored people fit, the oldest record wins.
    """
    return find_known([(d.nhs_number, _key(d)) for d in many])


def find_known(identities: Sequence[tuple[str, str]]) -> list[PersonRef | None]:
    """``find_matches`` for (NHS number, ``match_key``) pairs ("" when absent): what a
    feed's records carry once prepared (``ingest.actions.prepare_chunk``)."""
    numbers = {number for number, _ in identities if number}
    # No statement for an empty set: a round trip each, on every arrival, on PostgreSQL.
    by_number = (
        _oldest(Person.objects.filter(among(Person, "nhs_number", numbers)), "nhs_number")
        if numbers
        else {}
    )
    wanted = {key for number, key in identities if key and number not in by_number}
    by_name = (
        _oldest(Person.objects.filter(among(Person, "match_key", wanted)), "match_key")
        if wanted
        else {}
    )
    found: list[PersonRef | None] = []
    for number, key in identities:
        match = by_number.get(number) if number else None
        found.append(match or by_name.get(key))
    return found


def _oldest(people: QuerySet[Person], field: str) -> dict[str, PersonRef]:
    # A person merged into another is kept only so that the merge can be undone.
    rows = (
        people.filter(merged_into__isnull=True)
        .order_by("-pk")
        .values_list(field, "pk", "jurisdiction_id", "preferred_language")
    )
    return {value: PersonRef(pk, place, language) for value, pk, place, language in rows}


def _key(details: PersonDetails) -> str:
    return match_key(details.first_name, details.last_name, details.date_of_birth)
