from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tracedesk.accounts.roles import Right, has_right
from tracedesk.audit.reads import audit_read
from tracedesk.cases.access import cases_for, contacts_for
from tracedesk.linkage.access import decisions_about
from tracedesk.people.access import person_for, persons_for
from tracedesk.people.models import Person
from tracedesk.privacy.minimise import visible_fields

PAGE_SIZE = 50


@require_safe
@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    """Search people in scope by name, NHS number or postcode."""
    people = persons_for(request.user).order_by("last_name", "first_name", "pk")
    query = request.GET.get("q", "").strip()
    if query:
        people = people.filter(
            Q(last_name__icontains=query)
            | Q(first_name__icontains=query)
            | Q(nhs_number=query.replace(" ", ""))
            | Q(address__postcode__iexact=query)
        )
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_read(
        request,
        Person,
        purpose="search people" if query else "list people",
        ids=[person.pk for person in page.object_list],
    )
    return render(
        request,
        "people/person_list.html",
        {"page": page, "query": query, "visible": visible_fields(request.user, "people.person")},
    )


@require_safe
@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    """A person, their cases and the cases they were a contact of (in scope only)."""
    person = person_for(request.user, person_id)
    audit_read(request, person, purpose="person page")
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "cases": cases_for(request.user).filter(person=person),
            "exposures": contacts_for(request.user).filter(person=person),
            "visible": visible_fields(request.user, "people.person"),
            "can_audit": has_right(request.user, Right.AUDIT_RECORDS),
            "decisions": decisions_about(request.user, person.pk, limit=20),
        },
    )
