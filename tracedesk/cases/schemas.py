"""What the API says about cases and contacts, and what it accepts for a new contact."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from tracedesk.cases.models import CaseStatus, ContactType, Proximity
from tracedesk.people.schemas import JurisdictionOut, PersonSummary


class CaseOut(Schema):
    id: int
    status: CaseStatus
    person: PersonSummary
    jurisdiction: JurisdictionOut
    first_specimen_at: dt.datetime
    latest_specimen_at: dt.datetime
    onset_date: dt.date | None
    is_complex: bool
    created_at: dt.datetime


class ContactOut(Schema):
    id: int
    case_id: int = Field(description="The case who named this contact")
    person: PersonSummary
    jurisdiction: JurisdictionOut = Field(description="The contact's own area, which scopes it")
    contact_type: ContactType
    last_exposure_date: dt.date
    proximity: Proximity
    duration_minutes: int | None
    setting_id: int | None
    reported_at: dt.datetime


class CaseContactsPage(Schema):
    items: list[ContactOut]
    count: int = Field(description="Contacts of this case in your scope")
    outside_scope_count: int = Field(
        description="Contacts of this case who live outside your scope (their area's team has them)"
    )


class ContactIn(Schema):
    """A contact named by a case: the person as a source gives them, and the exposure.

    Person fields are text, cleaned exactly as every other source's are
    (``people.details.parse_person``); at least a name, NHS number or phone.
    """

    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    date_of_birth: str = Field("", max_length=10, description="YYYY-MM-DD")
    sex: str = Field("", max_length=10, description="female, male, other or unknown")
    nhs_number: str = Field("", max_length=14, description="Ten digits; spaces allowed")
    phone: str = Field("", max_length=20, description="A UK number; others are dropped")
    email: str = Field("", max_length=254)
    preferred_language: str = Field("", max_length=2, description="ISO 639-1; default en")
    address_line1: str = Field("", max_length=200)
    address_line2: str = Field("", max_length=200)
    town: str = Field("", max_length=100)
    postcode: str = Field("", max_length=10)
    contact_type: ContactType
    last_exposure_date: dt.date
    proximity: Proximity = Proximity.OTHER
    duration_minutes: int | None = Field(None, ge=0)

    def person_row(self) -> dict[str, str]:
        """Return the person fields as the source row ``parse_person`` reads."""
        return self.model_dump(
            exclude={"contact_type", "last_exposure_date", "proximity", "duration_minutes"}
        )


class ContactAdded(Schema):
    """The outcome of naming a contact.

    ``contact`` is null when the contact lives outside your scope: the record
    exists and their own area's team will reach them, but you may not read it.
    """

    created: bool = Field(description="False when this case had already named this person")
    in_scope: bool
    contact_id: int
    case_id: int
    contact: ContactOut | None
    warnings: list[str] = Field(
        default_factory=list, description="Details dropped as unusable, e.g. a non-UK phone"
    )
