"""Case and contact endpoints: thin handlers over ``cases.access`` and ``cases.actions``."""

# No "from __future__ import annotations": ninja reads these signatures at runtime.
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from tracedesk.accounts.api_auth import caller
from tracedesk.accounts.roles import Right, require
from tracedesk.audit.reads import audit_read
from tracedesk.cases.access import case_for, cases_for, contact_for, contacts_for
from tracedesk.cases.actions import Exposure, add_contact
from tracedesk.cases.models import Case, CaseStatus, Contact
from tracedesk.cases.schemas import (
    CaseContactsPage,
    CaseOut,
    ContactAdded,
    ContactIn,
    ContactOut,
)
from tracedesk.people.details import parse_person
from tracedesk.people.schemas import PageParams, Pages

cases_router = Router(tags=["cases"])
contacts_router = Router(tags=["contacts"])


class CaseFilter(Schema):
    status: CaseStatus | None = Field(None, description="Only cases with this status")


@cases_router.get("", response=list[CaseOut], operation_id="list_cases")
@paginate(Pages)
def list_cases(request: HttpRequest, filters: Query[CaseFilter]) -> QuerySet[Case]:
    """List the cases in your scope, newest first; ``status`` filters."""
    cases = cases_for(caller(request))
    audit_read(request, Case, purpose="api: list cases")
    if filters.status is not None:
        cases = cases.filter(status=filters.status)
    return cases.order_by("-created_at", "-pk")


@cases_router.get("/{case_id}", response=CaseOut, operation_id="get_case")
def get_case(request: HttpRequest, case_id: int) -> Case:
    """Return one case in your scope."""
    case = case_for(caller(request), case_id)
    audit_read(request, case, purpose="api: get case")
    return case


@cases_router.get(
    "/{case_id}/contacts", response=CaseContactsPage, operation_id="list_case_contacts"
)
def list_case_contacts(
    request: HttpRequest, case_id: int, page: Query[PageParams]
) -> dict[str, object]:
    """List a case's contacts in your scope, and count those outside it."""
    user = caller(request)
    case = case_for(user, case_id)
    contacts = contacts_for(user).filter(case=case).order_by("-reported_at", "-pk")
    audit_read(request, Contact, purpose="api: list a case's contacts")
    in_scope = contacts.count()
    return {
        "items": list(contacts[page.offset : page.offset + page.limit]),
        "count": in_scope,
        # A number, not records: tells the tracer the list is partial without
        # showing who lives elsewhere.
        "outside_scope_count": case.contacts.count() - in_scope,
    }


def _name_body_fields(exc: ValidationError) -> ValidationError:
    """Key errors by the request body's field names (``person.phone`` is ``phone`` here)."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(
        {key.removeprefix("person."): errors for key, errors in exc.error_dict.items()}
    )


@cases_router.post(
    "/{case_id}/contacts",
    response={200: ContactAdded, 201: ContactAdded},
    operation_id="add_case_contact",
)
def add_case_contact(request: HttpRequest, case_id: int, payload: ContactIn) -> Status:
    """Record a contact named by the case (201); naming the same person again returns 200."""
    user = caller(request)
    case = case_for(user, case_id)
    require(user, Right.WORK_TASKS)
    try:
        details = parse_person(payload.person_row(), record=f"case {case.pk} contact")
        contact, created = add_contact(
            case,
            details,
            Exposure(
                contact_type=payload.contact_type,
                last_exposure_date=payload.last_exposure_date,
                proximity=payload.proximity,
                duration_minutes=payload.duration_minutes,
            ),
            reported_at=timezone.now(),
            actor=user,
            source="api",
        )
    except ValidationError as exc:
        raise _name_body_fields(exc) from None
    # The person may live elsewhere (or match someone who does): show the record
    # only through the access layer, as any other read.
    visible = contacts_for(user).filter(pk=contact.pk).first()
    outcome = ContactAdded(
        created=created,
        in_scope=visible is not None,
        contact_id=contact.pk,
        case_id=case.pk,
        contact=ContactOut.model_validate(visible) if visible is not None else None,
        warnings=list(details.warnings),
    )
    return Status(201 if created else 200, outcome)


@contacts_router.get("", response=list[ContactOut], operation_id="list_contacts")
@paginate(Pages)
def list_contacts(request: HttpRequest) -> QuerySet[Contact]:
    """List the contacts in your scope, most recently reported first."""
    contacts = contacts_for(caller(request)).order_by("-reported_at", "-pk")
    audit_read(request, Contact, purpose="api: list contacts")
    return contacts


@contacts_router.get("/{contact_id}", response=ContactOut, operation_id="get_contact")
def get_contact(request: HttpRequest, contact_id: int) -> Contact:
    """Return one contact in your scope."""
    contact = contact_for(caller(request), contact_id)
    audit_read(request, contact, purpose="api: get contact")
    return contact
