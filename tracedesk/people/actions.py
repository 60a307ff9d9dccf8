"""Writes to people, addresses and households: each atomic and audited."""

from __future__ import annotations

import re
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from tracedesk.audit.actions import record_events
from tracedesk.audit.models import Action
from tracedesk.geography.models import Jurisdiction, PostcodeDistrict
from tracedesk.people.details import PersonDetails
from tracedesk.people.matching import find_matches, identity_key
from tracedesk.people.models import Address, Household, Person

# Foreign keys are checked by the database; checking them in Python costs a query each.
RELATIONS = ["address", "household", "jurisdiction"]


def dwelling_key(line1: str, postcode: str) -> str:
    """Return the key shared by every record of one dwelling (``12 HIGH ST|LS6 3AB``)."""
    line = re.sub(r"[^A-Z0-9 ]", "", line1.upper())
    line = re.sub(r"\bSTREET\b", "ST", re.sub(r"\bROAD\b", "RD", line))
    line = re.sub(r"\s+", " ", line).strip()
    return f"{line}|{postcode}" if line and " " in postcode else ""


def jurisdictions_for_postcodes(postcodes: set[str]) -> dict[str, Jurisdiction]:
    """Return the local authority of each (full or partial) postcode's district, where known."""
    outward = {code.split(" ")[0] for code in postcodes if code}
    districts = PostcodeDistrict.objects.select_related("jurisdiction").filter(
        outward_code__in=outward
    )
    by_outward = {d.outward_code: d.jurisdiction for d in districts}
    return {
        code: by_outward[code.split(" ")[0]]
        for code in postcodes
        if code and code.split(" ")[0] in by_outward
    }


def jurisdiction_for_postcode(postcode: str) -> Jurisdiction | None:
    """Return the local authority of one postcode's district, if known."""
    return jurisdictions_for_postcodes({postcode}).get(postcode)


def unsaved_person(details: PersonDetails, jurisdiction: Jurisdiction) -> Person:
    """Build (and validate) the Person that ``details`` would create; raise ValidationError."""
    person = Person(
        first_name=details.first_name,
        last_name=details.last_name,
        date_of_birth=details.date_of_birth,
        sex=details.sex,
        nhs_number=details.nhs_number,
        phone=details.phone,
        email=details.email,
        preferred_language=details.preferred_language,
        jurisdiction=jurisdiction,
    )
    try:
        person.clean_fields(exclude=RELATIONS)
        person.clean()
    except ValidationError as exc:
        raise ValidationError({f"person.{k}": v for k, v in exc.message_dict.items()}) from None
    return person


def _addresses(people: list[tuple[Person, PersonDetails]]) -> None:
    """Attach an Address (and a Household for a dwelling) to each new person, in bulk."""
    keys = {dwelling_key(d.address_line1, d.postcode) for _, d in people} - {""}
    existing = {a.dwelling_key: a for a in Address.objects.filter(dwelling_key__in=keys)}
    created: dict[str, Address] = {}
    fresh: list[Address] = []
    for person, details in people:
        if not (details.address_line1 or details.postcode):
            continue
        key = dwelling_key(details.address_line1, details.postcode)
        address = existing.get(key) or created.get(key) if key else None
        if address is None:
            address = Address(
                line1=details.address_line1,
                line2=details.address_line2,
                town=details.town,
                postcode=details.postcode,
                jurisdiction=person.jurisdiction,
                dwelling_key=key,
            )
            fresh.append(address)
            if key:
                created[key] = address
        person.address = address
    Address.objects.bulk_create(fresh)
    dwellings = {p.address.pk: p for p, _ in people if p.address and p.address.dwelling_key}
    households = {h.address_id: h for h in Household.objects.filter(address_id__in=dwellings)}
    new_households = [
        Household(address_id=address_id, jurisdiction=person.jurisdiction)
        for address_id, person in dwellings.items()
        if address_id not in households
    ]
    Household.objects.bulk_create(new_households)
    households.update({h.address_id: h for h in new_households})
    for person, _ in people:
        if person.address and person.address.pk in households:
            person.household = households[person.address.pk]
        person.address_id = person.address.pk if person.address else None


@transaction.atomic
def find_or_create_people(
    many: Sequence[tuple[PersonDetails, Jurisdiction]],
    *,
    actor: object,
    source: str,
    purpose: str,
) -> list[tuple[Person, bool]]:
    """Return the matching person for each (details, fallback jurisdiction), creating the rest.

    Two records in one call that certainly describe the same new person (same NHS
    number, or same name and date of birth) become one Person. A new person
    belongs to their postcode's local authority, or to the fallback (the case's)
    when the postcode is missing or unknown. Validation errors name the field.
    """
    matches = find_matches([details for details, _ in many])
    areas = jurisdictions_for_postcodes({details.postcode for details, _ in many})
    results: list[tuple[Person, bool] | None] = []
    new_by_identity: dict[tuple[object, ...], Person] = {}
    new: list[tuple[Person, PersonDetails]] = []
    for (details, fallback), match in zip(many, matches, strict=True):
        identity = identity_key(details)
        if match is None and identity is not None:
            match = new_by_identity.get(identity)
        if match is not None:
            results.append((match, False))
            continue
        person = unsaved_person(details, areas.get(details.postcode, fallback))
        new.append((person, details))
        if identity is not None:
            new_by_identity[identity] = person
        results.append((person, True))
    _addresses(new)
    Person.objects.bulk_create([person for person, _ in new])
    record_events(actor, Action.CREATE, [p for p, _ in new], purpose=purpose, source=source)
    return [result for result in results if result is not None]


def find_or_create_person(
    details: PersonDetails,
    *,
    fallback_jurisdiction: Jurisdiction,
    actor: object,
    source: str,
    purpose: str,
) -> tuple[Person, bool]:
    """Return the matching person, or create one; True when created."""
    return find_or_create_people(
        [(details, fallback_jurisdiction)], actor=actor, source=source, purpose=purpose
    )[0]
