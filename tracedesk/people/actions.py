"""Writes to people, addresses and households: each atomic and audited."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import transaction

from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.geography.models import Jurisdiction, PostcodeDistrict
from tracedesk.people.details import PersonDetails
from tracedesk.people.matching import find_match
from tracedesk.people.models import Address, Household, Person


def dwelling_key(line1: str, postcode: str) -> str:
    """Return the key shared by every record of one dwelling (``12 HIGH ST|LS6 3AB``)."""
    line = re.sub(r"[^A-Z0-9 ]", "", line1.upper())
    line = re.sub(r"\bSTREET\b", "ST", re.sub(r"\bROAD\b", "RD", line))
    line = re.sub(r"\s+", " ", line).strip()
    return f"{line}|{postcode}" if line and " " in postcode else ""


def jurisdiction_for_postcode(postcode: str) -> Jurisdiction | None:
    """Return the local authority of a (full or partial) postcode's district, if known."""
    outward = postcode.split(" ")[0] if postcode else ""
    district = PostcodeDistrict.objects.select_related("jurisdiction").filter(outward_code=outward)
    found = district.first()
    return found.jurisdiction if found else None


def _address(details: PersonDetails, jurisdiction: Jurisdiction | None) -> Address | None:
    if not (details.address_line1 or details.postcode):
        return None
    key = dwelling_key(details.address_line1, details.postcode)
    if key:
        existing = Address.objects.filter(dwelling_key=key).first()
        if existing:
            return existing
    return Address.objects.create(
        line1=details.address_line1,
        line2=details.address_line2,
        town=details.town,
        postcode=details.postcode,
        jurisdiction=jurisdiction,
        dwelling_key=key,
    )


def _household(address: Address | None, jurisdiction: Jurisdiction) -> Household | None:
    if address is None or not address.dwelling_key:
        return None
    household, _ = Household.objects.get_or_create(
        address=address, defaults={"jurisdiction": jurisdiction}
    )
    return household


@transaction.atomic
def find_or_create_person(
    details: PersonDetails,
    *,
    fallback_jurisdiction: Jurisdiction,
    actor: object,
    source: str,
    purpose: str,
) -> tuple[Person, bool]:
    """Return the matching person, or create one; True when created.

    The person belongs to the local authority of their postcode, or to
    ``fallback_jurisdiction`` (the case's) when the postcode is missing or unknown.
    """
    existing = find_match(details)
    if existing is not None:
        return existing, False
    jurisdiction = jurisdiction_for_postcode(details.postcode) or fallback_jurisdiction
    address = _address(details, jurisdiction)
    person = Person(
        first_name=details.first_name,
        last_name=details.last_name,
        date_of_birth=details.date_of_birth,
        sex=details.sex,
        nhs_number=details.nhs_number,
        phone=details.phone,
        email=details.email,
        preferred_language=details.preferred_language,
        address=address,
        household=_household(address, jurisdiction),
        jurisdiction=jurisdiction,
    )
    try:
        person.full_clean()
    except ValidationError as exc:
        raise ValidationError({f"person.{k}": v for k, v in exc.message_dict.items()}) from None
    person.save()
    record_event(actor, Action.CREATE, person, purpose=purpose, source=source)
    return person, True
