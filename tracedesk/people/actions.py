"""Writes to people, addresses and households: each atomic and audited."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tracedesk.audit.actions import record_event, record_events
from tracedesk.audit.models import Action
from tracedesk.bulk import among, insert_rows
from tracedesk.geography.models import Jurisdiction, PostcodeDistrict
from tracedesk.lib.addresses import dwelling
from tracedesk.linkage.actions import (
    NEW,
    Proposal,
    index_people,
    probable_matches,
    queue_reviews,
    record_decisions,
    reindex_people,
)
from tracedesk.people.details import PersonDetails, check_storable
from tracedesk.people.matching import PersonRef, find_matches, identity_key
from tracedesk.people.models import Address, Household, Person, Sex, match_key
from tracedesk.places.actions import register_setting
from tracedesk.places.models import SettingType


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

    People at one dwelling share its Address and Household. A record finds its
    dwelling by UPRN, else by its dwelling key (building and flat, see
    ``lib/addresses.py``), else — when it gives no flat — by its building if only one
    dwelling is known there. An address that names no dwelling (no house line, or a
    partial postcode) is the person's own and makes no household.
    """
    homes = [
        dwelling(d.address_line1, d.address_line2, d.postcode, d.uprn) if d.address_line1
        or d.postcode else None
        for d, _ in new
    ]  # fmt: skip
    present = [home for home in homes if home is not None]

    def known(field: str, values: set[str]) -> list[tuple[str, int]]:
        values.discard("")
        if not values:  # most chunks of a laboratory feed: no query at all
            return []
        rows = Address.objects.filter(among(Address, field, values)).order_by("pk")
        return list(rows.values_list(field, "pk"))

    by_uprn = dict(known("uprn", {h.uprn for h in present}))
    by_key = dict(known("dwelling_key", {h.key for h in present}))
    buildings: dict[str, set[int]] = defaultdict(set)
    for building, pk in known(
        "building_key", {h.building for h in present if not h.flat and h.key not in by_key}
    ):
        buildings[building].add(pk)
    rows: list[tuple[object, ...]] = []
    wanted: list[int | None] = []  # per person: an address id (>= 0) or a new row (-1 - row)
    for (details, place), home in zip(new, homes, strict=True):
        if home is None:
            wanted.append(None)
            continue
        found = by_uprn.get(home.uprn) if home.uprn else None
        if found is None and home.key:
            found = by_key.get(home.key)
        if found is None and home.building and not home.flat:
            only = buildings.get(home.building, set())
            found = next(iter(only)) if len(only) == 1 else None
        if found is None:
            found = -1 - len(rows)
            line = (details.address_line1, details.address_line2, details.town, details.postcode)
            rows.append((*line, place, home.key, home.building, home.uprn))
            if home.key:
                by_key[home.key] = found
            if home.uprn:
                by_uprn[home.uprn] = found
        wanted.append(found)
    ids = insert_rows(
        Address,
        [*("line1", "line2", "town", "postcode", "jurisdiction"),
         *("dwelling_key", "building_key", "uprn")],
        rows,
    )  # fmt: skip
    record_events(actor, Action.CREATE, Address, ids, purpose="new address", source=source)
    address_of = [None if w is None else w if w >= 0 else ids[-1 - w] for w in wanted]
    dwellings: dict[int, int] = {
        a: place
        for a, home, (_, place) in zip(address_of, homes, new, strict=True)
        if a is not None and home is not None and (home.key or home.uprn)
    }
    households = dict(
        Household.objects.filter(among(Household, "address", dwellings)).values_list(
            "address_id", "pk"
        )
        if dwellings
        else ()
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


def _shared_residences(household_ids: set[int], *, actor: object, source: str) -> list[int]:
    """Turn households with too many unrelated residents into settings; return their ids.

    Residents are "unrelated" by surname: more different surnames than
    ``settings.SHARED_RESIDENCE_SURNAMES`` at one dwelling is a care home, a house
    in multiple occupation or a student hall, whose residents are not each other's
    household contacts; so is any dwelling with more residents than
    ``settings.HOUSEHOLD_MAX_RESIDENTS``, whatever their names. The household is
    kept (members still point at it, for the record) and linked to a setting of that
    address, so household proposals skip it and cluster detection sees the residents as
    attendees.
    """
    if not household_ids:
        return []
    surnames: dict[int, set[str]] = defaultdict(set)
    residents: Counter[int] = Counter()
    for household, surname in Person.objects.filter(
        among(Person, "household", household_ids),
        merged_into=None,
        household__shared_residence=None,
    ).values_list("household_id", "last_name"):
        residents[household] += 1
        if surname:
            surnames[household].add(surname.casefold())
    crowded = sorted(
        h
        for h, count in residents.items()
        if count > settings.HOUSEHOLD_MAX_RESIDENTS
        or len(surnames[h]) > settings.SHARED_RESIDENCE_SURNAMES
    )
    converted = []
    for home in Household.objects.filter(pk__in=crowded).select_related("address", "jurisdiction"):
        address = home.address
        text = f"{address.line1} {address.line2}".upper()
        kind = (
            SettingType.CARE_HOME if re.search(r"\b(CARE|NURSING)\b", text) else SettingType.OTHER
        )
        setting, _ = register_setting(
            name=f"Shared residence: {address.line1}, {address.postcode}"[:200],
            setting_type=kind,
            jurisdiction=home.jurisdiction,
            address_line1=address.line1,
            town=address.town,
            postcode=address.postcode,
            external_ref=f"residence-{address.pk}",
            actor=actor,
            source=source,
        )
        home.shared_residence = setting
        home.save(update_fields=["shared_residence"])
        record_event(actor, Action.UPDATE, home, purpose="shared residence", source=source,
                     fields=["shared_residence"])  # fmt: skip
        converted.append(home.pk)
    return converted


@transaction.atomic
def find_or_create_people(
    many: Sequence[tuple[PersonDetails, Jurisdiction]],
    *,
    actor: object,
    source: str,
    purpose: str,
    checked: bool = False,
    near: Sequence[str] | None = None,
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

    ``near`` (one per record) is the postcode of where each record was met — for a
    contact, the case who named them. A record without a postcode of its own can then
    be found again by its full name in that postcode district, where a namesake is rare
    (``linkage.actions.probable_matches``); nothing else uses it.

    A linked person gains what they lacked from the record (``complete_people``), and
    everyone who has just joined a dwelling is proposed to its open cases
    (``linkage.households.propose_new_members``).
    """
    places = list(near) if near is not None else [""] * len(many)
    matches = find_matches([details for details, _ in many])
    unsure = [i for i, found in enumerate(matches) if found is None]
    proposals = dict(
        zip(
            unsure,
            probable_matches([many[i][0] for i in unsure], [places[i] for i in unsure]),
            strict=True,
        )
    )
    areas = jurisdictions_for_postcodes({details.postcode for details, _ in many})
    results: list[tuple[PersonRef | int, bool]] = []
    seen: dict[tuple[str, str], PersonRef | int] = {}  # identity -> linked person or new row
    new: list[tuple[PersonDetails, int, str]] = []  # details, jurisdiction, match key
    new_near: list[str] = []
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
        new_near.append(places[i])
    refs = create_people(new, actor=actor, source=source, purpose=purpose, near=new_near)
    queue_reviews([(refs[row], proposal) for row, proposal in reviews], actor=actor, source=source)
    final = [
        (refs[found], created) if isinstance(found, int) else (found, created)
        for found, created in results
    ]
    completed = complete_people(
        [(ref.pk, details) for (ref, created), (details, _) in zip(final, many, strict=True)
         if not created],
        actor=actor, source=source,
    )  # fmt: skip
    # Imported here: linkage.households builds on cases.actions, which builds on this module.
    from tracedesk.linkage.households import propose_new_members

    propose_new_members(
        {ref.pk for ref, created in final if created} | set(completed), actor=actor,
        source=source,
    )  # fmt: skip
    record_decisions(
        [(final[i][0].pk, proposal) for i, proposal in proposals.items()],
        actor=actor, source=source,
    )  # fmt: skip
    return final


FILLED = ("date_of_birth", "sex", "nhs_number", "phone", "email")
"""Details a linked record gives to a person who lacks them (never overwriting one)."""


@transaction.atomic
def complete_people(
    linked: Sequence[tuple[int, PersonDetails]], *, actor: object, source: str
) -> list[int]:
    """Fill in what each linked person lacks from the record that was linked to them.

    A contact named by a name alone who later has a positive result gains the
    result's date of birth, phone, NHS number and address (so their household is
    known, and proposed when they become a case). A value the person already has is
    never replaced: a disagreement stays for a person to look at. An NHS number another
    person holds is not copied. The person's new blocking keys are stored; one audit
    event names the people completed (never the values). Returns their ids.
    """
    wanted = {pk for pk, _ in linked}
    if not wanted:
        return []
    people = {p.pk: p for p in Person.objects.filter(among(Person, "id", wanted))}
    numbers = {d.nhs_number for _, d in linked if d.nhs_number}
    held = set(
        Person.objects.filter(among(Person, "nhs_number", numbers)).values_list(
            "nhs_number", flat=True
        )
        if numbers
        else ()
    )
    changed: dict[int, set[str]] = defaultdict(set)
    housed: list[tuple[Person, PersonDetails]] = []
    for pk, details in linked:
        person = people.get(pk)
        if person is None or person.merged_into_id is not None:
            continue
        for name in FILLED:
            value = getattr(details, name)
            blank = getattr(person, name) in (None, "", Sex.UNKNOWN)
            if not value or value == Sex.UNKNOWN or not blank:
                continue
            if name == "nhs_number":
                if value in held:
                    continue
                held.add(value)
            setattr(person, name, value)
            changed[pk].add(name)
        homeless = person.address_id is None and (details.address_line1 or details.postcode)
        if homeless and all(p is not person for p, _ in housed):
            housed.append((person, details))
    homes = _addresses(
        [(details, person.jurisdiction_id) for person, details in housed], actor=actor,
        source=source,
    )  # fmt: skip
    for (person, _), (address, household) in zip(housed, homes, strict=True):
        if address is None:
            continue
        person.address_id, person.household_id = address, household
        changed[person.pk] |= {"address", "household"}
    for pk, fields in changed.items():
        people[pk].save(update_fields=[*sorted(fields), "updated_at"])
    ids = sorted(changed)
    record_events(actor, Action.UPDATE, Person, ids, purpose="details completed from a match",
                  source=source)  # fmt: skip
    _shared_residences(
        {h for h in (people[pk].household_id for pk in ids) if h is not None},
        actor=actor, source=source,
    )  # fmt: skip
    reindex_people(ids, actor=actor, source=source)
    return ids


@transaction.atomic
def create_people(
    new: Sequence[tuple[PersonDetails, int, str]],
    *,
    actor: object,
    source: str,
    purpose: str,
    near: Sequence[str] | None = None,
) -> list[PersonRef]:
    """Store people already known to be new — (details, jurisdiction id, match key) each,
    checked — with their addresses and households, shared residences, blocking keys and
    term frequencies. ``find_or_create_people`` calls it for the records that matched
    nobody; a register loaded from another system (all distinct people) can call it
    directly. Set-based; one audit event per type created."""
    homes = _addresses([(d, place) for d, place, _ in new], actor=actor, source=source)
    now = timezone.now()
    rows = [
        (d.first_name, d.last_name, d.date_of_birth, d.sex, d.nhs_number, d.phone, d.email,
         d.preferred_language, address, household, place, key, now, now)
        for (d, place, key), (address, household) in zip(new, homes, strict=True)
    ]  # fmt: skip
    ids = insert_rows(Person, PERSON_COLUMNS, rows)
    record_events(actor, Action.CREATE, Person, ids, purpose=purpose, source=source)
    _shared_residences({h for _, h in homes if h is not None}, actor=actor, source=source)
    index_people([(pk, d) for pk, (d, _, _) in zip(ids, new, strict=True)], actor=actor,
                 source=source, near=near)  # fmt: skip
    return [
        PersonRef(pk, place, d.preferred_language)
        for pk, (d, place, _) in zip(ids, new, strict=True)
    ]


def postcode_of(person_id: int) -> str:
    """The postcode a person lives at (``''`` when unknown): the ``near`` of the contacts
    they name."""
    found = Person.objects.filter(pk=person_id).values_list("address__postcode", flat=True).first()
    return found or ""


def find_or_create_person(
    details: PersonDetails,
    *,
    fallback_jurisdiction: Jurisdiction,
    actor: object,
    source: str,
    purpose: str,
    near: str = "",
) -> tuple[Person, bool]:
    """Return the matching person, or create one; True when created (``near``: see
    ``find_or_create_people``)."""
    ref, created = find_or_create_people(
        [(details, fallback_jurisdiction)], actor=actor, source=source, purpose=purpose,
        near=[near],
    )[0]  # fmt: skip
    return Person.objects.select_related("jurisdiction").get(pk=ref.pk), created
