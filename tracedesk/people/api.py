"""People endpoints: thin handlers over ``people.access``."""

# No "from __future__ import annotations": ninja reads these signatures at runtime.
import re

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tracedesk.accounts.api_auth import caller
from tracedesk.audit.reads import audit_read
from tracedesk.lib.identifiers import normalise_nhs_number
from tracedesk.people.access import person_for, persons_for
from tracedesk.people.models import Person
from tracedesk.people.schemas import Pages, PersonOut

router = Router(tags=["people"])


class PeopleFilter(Schema):
    q: str = Field(
        "",
        max_length=100,
        description="An NHS number (spaces allowed), or words all found in first or last name",
    )


def search(people: QuerySet[Person], q: str) -> QuerySet[Person]:
    """Narrow ``people`` to an NHS number, or to names containing every word of ``q``."""
    q = q.strip()
    if not q:
        return people
    if re.fullmatch(r"[0-9][0-9 \-]*", q):
        return people.filter(nhs_number=normalise_nhs_number(q))
    for word in q.split():
        people = people.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    return people


@router.get("", response=list[PersonOut], operation_id="list_people")
@paginate(Pages)
def list_people(request: HttpRequest, filters: Query[PeopleFilter]) -> QuerySet[Person]:
    """List the people in your scope, by name; ``q`` searches names and NHS number."""
    people = persons_for(caller(request)).select_related("jurisdiction")
    audit_read(request, Person, purpose="api: search people" if filters.q else "api: list people")
    return search(people, filters.q).order_by("last_name", "first_name", "pk")


@router.get("/{person_id}", response=PersonOut, operation_id="get_person")
def get_person(request: HttpRequest, person_id: int) -> Person:
    """Return one person in your scope."""
    person = person_for(caller(request), person_id)
    audit_read(request, person, purpose="api: get person")
    return person
