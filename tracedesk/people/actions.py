"""Writes to people, addresses and households: each atomic and audited."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from tracedesk.audit.actions import record_events
from tracedesk.audit.models import Action
from tracedesk.bulk import among, insert_rows
from tracedesk.geography.models import Jurisdiction, PostcodeDistrict
from tracedesk.linkage.actions import NEW, Proposal, index_people, probable_matches, queue_reviews
from tracedesk.people.details import PersonDetails, check_storable
from tracedesk.people.matching import PersonRef, find_matches, identity_key
from tracedesk.people.models import Address, Household, Person, match_key


def dwelling_key(line1: str, postcode: str) -> str:
    """Return the key shared by every record of one dwelling (``12 HIGH ST|LS6 3AB``)."""
    line = re.sub(r"[^A-Z0-9 ]", "", line1.upper())
    line = re.sub(r"\bSTREET\b", "ST", re.sub(r"\bROAD\b", "RD", line))
    line = re.sub(r"\s+", " ", line).strip()
    return f"{line}|{postcode}" if line and " " in postcode else ""


def jurisdictions_for_postcodes(postcodes: set[str]) -> dict[str, int]:
    """Return the local authority (id) of each (full or partial) postcode's district, if known."""
    outward = {code.split(" ")[0] for code in postcodes if code}
    by_outward = dict(
        PostcodeDistrict.objects.filter(outward_code__in=outward).values_list(
            "outward_code", "jurisdiction_id"
        )
    )
    return {
        code: by_outward[code.split(" ")[0]]
        for code in postcodes
        if code and code.split(" ")[0] in by_outward
    }


def jurisdiction_for_postcode(postcode: str) -> Jurisdiction | None:
    """Return the local authority of one postcode's district, if known."""
    found = jurisdictions_for_postcodes({postcode}).get(postcode)
    return Jurisdiction.objects.get(pk=found) if found else None


PERSON_COLUMNS = [
    *("first_name", "last_name", "date_of_birth", "sex", "nhs_number", "phone", "email"),
    *("preferred_language", "address", "household", "jurisdiction", "match_key"),
    *("created_at", "updated_at"),
]


def _addresses(
    new: list[tuple[PersonDetails, int]], *, actor: object, source: str
) -> list[tuple[int | None, int | None]]:
    """Return (address id, household id) for each new person, creating what is missing.

    People at one dwelling (``dwelling_key``) share its Address and Household; an
    address that is not a dwelling (no house line, or a partial postcode) is the
    person's own.
    """
    dwelling = [dwelling_key(d.address_line1, d.postcode) for d, _ in new]
    known = dict(
        Address.objects.filter(among(Address, "dwelling_key", set(dwelling) - {""})).values_list(
            "dwelling_key", "pk"
        )
    )
    rows: list[tuple[object, ...]] = []
    wanted: list[str | int | None] = []  # per person: a dwelling key, a row number, or None
    for (details, place), key in zip(new, dwelling, strict=True):
        if not (details.address_line1 or details.postcode):
            wanted.append(None)
            continue
        if key and key in known:
            wanted.append(key)
            continue
        if key:
            known[key] = -1 - len(rows)  # created below: the row's number, negated
        wanted.append(key or len(rows))
        line = (details.address_line1, details.address_line2, details.town, details.postcode)
        rows.append((*line, place, key))
    ids = insert_rows(
        Address, ["line1", "line2", "town", "postcode", "jurisdiction", "dwelling_key"], rows
    )
    record_events(actor, Action.CREATE, Address, ids, purpose="new address", source=source)
    for key, value in known.items():
        if value < 0:
            known[key] = ids[-1 - value]
    address_of = [None if w is None else ids[w] if isinstance(w, int) else known[w] for w in wanted]
    dwellings: dict[int, int] = {
        a: place
        for a, w, (_, place) in zip(address_of, wanted, new, strict=True)
        if isinstance(w, str) and a is not None
    }
    households = dict(
        Household.objects.filter(among(Household, "address", dwellings)).values_list(
            "address_id", "pk"
        )
    )
    missing = [a for a in dwellings if a not in households]
    now = timezone.now()
    created = insert_rows(
        Household,
        ["address", "jurisdiction", "created_at"],
        [(a, dwellings[a], now) for a in missing],
    )
    record_events(actor, Action.CREATE, Household, created, purpose="new household", source=source)
    households.update(zip(missing, created, strict=True))
    return [(a, households.get(a) if a is not None else None) for a in address_of]


@transaction.atomic
def find_or_create_people(
    many: Sequence[tuple[PersonDetails, Jurisdiction]],
    *,
    actor: object,
    source: str,
    purpose: str,
    checked: bool = False,
) -> list[tuple[PersonRef, bool]]:
    """Return the matching person for each (details, fallback jurisdiction), creating the rest.

    Certain matches (NHS number; exact name and date of birth) link first; the rest
    are scored against the people sharing a blocking key (``linkage.actions``): a
    score past the link threshold links, one past the review threshold creates the
    person and queues a review, anything else creates the person. Two records in one
    call that certainly describe the same new person become one Person. A new person
    belongs to their postcode's local authority, or to the fallback (the case's)
    when the postcode is missing or unknown. Validation errors name the field
    (``person.<field>``) and nothing is written (``checked``: the caller has
    already run ``check_storable`` on every record). Set-based: a few statements
    for any number of people, one audit event per type created.
    """
    matches = find_matches([details for details, _ in many])
    unsure = [i for i, found in enumerate(matches) if found is None]
    proposals = dict(zip(unsure, probable_matches([many[i][0] for i in unsure]), strict=True))
    areas = jurisdictions_for_postcodes({details.postcode for details, _ in many})
    results: list[tuple[PersonRef | int, bool]] = []
    seen: dict[tuple[str, str], PersonRef | int] = {}  # identity -> linked person or new row
    new: list[tuple[PersonDetails, int, str]] = []  # details, jurisdiction, match key
    reviews: list[tuple[int, Proposal]] = []  # new row, what the scorer proposed
    for i, ((details, fallback), match) in enumerate(zip(many, matches, strict=True)):
        key = match_key(details.first_name, details.last_name, details.date_of_birth)
        identity = identity_key(details, key)
        if match is None and identity is not None and identity in seen:
            results.append((seen[identity], False))
            continue
        proposal = proposals.get(i, NEW)
        if match is None and proposal.outcome == "link":
            match = proposal.person
        if match is not None:
            if identity is not None:
                seen[identity] = match
            results.append((match, False))
            continue
        if not checked:
            check_storable(details)
        if identity is not None:
            seen[identity] = len(new)
        if proposal.outcome == "review":
            reviews.append((len(new), proposal))
        results.append((len(new), True))
        new.append((details, areas.get(details.postcode, fallback.pk), key))
    homes = _addresses([(d, place) for d, place, _ in new], actor=actor, source=source)
    now = timezone.now()
    rows = [
        (d.first_name, d.last_name, d.date_of_birth, d.sex, d.nhs_number, d.phone, d.email,
         d.preferred_language, address, household, place, key, now, now)
        for (d, place, key), (address, household) in zip(new, homes, strict=True)
    ]  # fmt: skip
    ids = insert_rows(Person, PERSON_COLUMNS, rows)
    record_events(actor, Action.CREATE, Person, ids, purpose=purpose, source=source)
    index_people([(pk, d) for pk, (d, _, _) in zip(ids, new, strict=True)], actor=actor,
                 source=source)  # fmt: skip
    refs = [
        PersonRef(pk, place, d.preferred_language)
        for pk, (d, place, _) in zip(ids, new, strict=True)
    ]
    queue_reviews([(refs[row], proposal) for row, proposal in reviews], actor=actor, source=source)
    return [
        (refs[found], created) if isinstance(found, int) else (found, created)
        for found, created in results
    ]


def find_or_create_person(
    details: PersonDetails,
    *,
    fallback_jurisdiction: Jurisdiction,
    actor: object,
    source: str,
    purpose: str,
) -> tuple[Person, bool]:
    """Return the matching person, or create one; True when created."""
    ref, created = find_or_create_people(
        [(details, fallback_jurisdiction)], actor=actor, source=source, purpose=purpose
    )[0]
    return Person.objects.select_related("jurisdiction").get(pk=ref.pk), created
