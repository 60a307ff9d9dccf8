"""Person details as they arrive from any source, cleaned into one shape."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from tracedesk.lib.addresses import normalise_uprn
from tracedesk.lib.identifiers import (
    is_valid_nhs_number,
    normalise_nhs_number,
    normalise_uk_phone,
)
from tracedesk.lib.languages import is_language_code
from tracedesk.lib.postcodes import PostcodeError, normalise_postcode, outward_code
from tracedesk.people.models import Sex

EARLIEST_BIRTH = dt.date(1900, 1, 1)

SEX_WORDS = {
    "f": Sex.FEMALE,
    "female": Sex.FEMALE,
    "m": Sex.MALE,
    "male": Sex.MALE,
    "other": Sex.OTHER,
    "u": Sex.UNKNOWN,
    "unknown": Sex.UNKNOWN,
    "": Sex.UNKNOWN,
}


def _today() -> dt.date:
    """Today's date in the project's time zone (``timezone.localdate`` costs ten times more,
    and this is asked once a record)."""
    return dt.datetime.now(timezone.get_default_timezone()).date()


@dataclass(frozen=True)
class PersonDetails:
    """What a source tells us about a person; every field optional but one identifier."""

    first_name: str = ""
    last_name: str = ""
    date_of_birth: dt.date | None = None
    sex: str = Sex.UNKNOWN
    nhs_number: str = ""
    phone: str = ""
    email: str = ""
    preferred_language: str = "en"
    address_line1: str = ""
    address_line2: str = ""
    town: str = ""
    postcode: str = ""
    uprn: str = ""
    warnings: tuple[str, ...] = field(default=())

    @property
    def outward_code(self) -> str:
        try:
            return outward_code(self.postcode) if self.postcode else ""
        except PostcodeError:
            return ""


def parse_person(row: dict[str, str], *, record: str) -> PersonDetails:
    """Clean one source row into PersonDetails, or raise ValidationError naming the field.

    Fields that are merely unusable (a malformed phone, a date of birth in the
    future from a case's memory) are dropped with a warning rather than rejecting
    the person: a contact with a name and an address can still be reached.
    Fields that are malformed (not a date at all, a failed check digit) reject the
    row, naming the record and field, because the source itself is broken.
    """
    warnings: list[str] = []
    errors: dict[str, str] = {}

    nhs = normalise_nhs_number(row.get("nhs_number", "").strip())
    if nhs and not is_valid_nhs_number(nhs):
        errors["nhs_number"] = f"{record}: nhs_number {nhs!r} fails the check digit"

    dob: dt.date | None = None
    dob_text = row.get("date_of_birth", "").strip()
    if dob_text:
        try:
            dob = dt.date.fromisoformat(dob_text)
        except ValueError:
            errors["date_of_birth"] = f"{record}: date_of_birth {dob_text!r} is not YYYY-MM-DD"
        else:
            if not EARLIEST_BIRTH <= dob <= _today():
                warnings.append(f"date_of_birth {dob_text!r} is impossible; dropped")
                dob = None

    sex_text = row.get("sex", "").strip().lower()
    if sex_text not in SEX_WORDS:
        errors["sex"] = f"{record}: sex {row.get('sex')!r} is not female, male, other or unknown"

    phone_text = row.get("phone", "").strip()
    phone = normalise_uk_phone(phone_text) if phone_text else ""
    if phone_text and not phone:
        warnings.append(f"phone {phone_text!r} is not a UK number; dropped")

    email = row.get("email", "").strip().lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            warnings.append(f"email {email!r} is not an email address; dropped")
            email = ""

    postcode_text = row.get("postcode", "").strip()
    postcode = ""
    if postcode_text:
        try:
            postcode = normalise_postcode(postcode_text)
        except PostcodeError:
            postcode = postcode_text.upper()  # partial postcodes still locate the district
            warnings.append(f"postcode {postcode_text!r} is incomplete")

    uprn_text = row.get("uprn", "").strip()
    uprn = normalise_uprn(uprn_text)
    if uprn_text and not uprn:
        warnings.append(f"uprn {uprn_text!r} is not a UPRN (up to 12 digits); dropped")

    if errors:
        raise ValidationError(errors)
    details = PersonDetails(
        first_name=row.get("first_name", "").strip(),
        last_name=row.get("last_name", "").strip(),
        date_of_birth=dob,
        sex=SEX_WORDS[sex_text],
        nhs_number=nhs,
        phone=phone,
        email=email,
        preferred_language=(row.get("preferred_language", "").strip().lower() or "en"),
        address_line1=row.get("address_line1", "").strip(),
        address_line2=row.get("address_line2", "").strip(),
        town=row.get("town", "").strip(),
        postcode=postcode,
        uprn=uprn,
        warnings=tuple(warnings),
    )
    if not (details.first_name or details.last_name or details.nhs_number or details.phone):
        raise ValidationError({"first_name": f"{record}: no name, NHS number or phone"})
    return details


@functools.cache
def _limits() -> list[tuple[str, int]]:
    """(field, longest allowed) for every PersonDetails field stored in a CharField."""
    from tracedesk.people.models import Address, Person

    sources = {"address_line1": "line1", "address_line2": "line2"}
    limits = []
    for name in PersonDetails.__dataclass_fields__:
        model = Address if name in (*sources, "town", "postcode") else Person
        try:
            column = model._meta.get_field(sources.get(name, name))
        except FieldDoesNotExist:
            continue
        longest = getattr(column, "max_length", None)
        if longest:
            limits.append((name, longest))
    return limits


def check_storable(details: PersonDetails, *, record: str = "") -> None:
    """Raise ValidationError (``person.<field>``) unless ``details`` can be stored as they are.

    ``parse_person`` has already cleaned the formats; what remains is what the
    database would refuse: over-long values and an unknown language code.
    """
    where = f"{record}: " if record else ""
    for name, longest in _limits():
        value = getattr(details, name)
        if len(value) > longest:
            raise ValidationError(
                {f"person.{name}": f"{where}{name} has {len(value)} characters; at most {longest}"}
            )
    if not is_language_code(details.preferred_language):
        language = details.preferred_language
        raise ValidationError(
            {"person.preferred_language": f"{where}{language!r} is not an ISO 639-1 language code"}
        )
