from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tracedesk.accounts.roles import Right, has_right
from tracedesk.audit.reads import audit_read
from tracedesk.cases.access import case_for, cases_for, contact_for, contacts_for
from tracedesk.cases.models import Case, CaseStatus
from tracedesk.ingest.access import results_for
from tracedesk.places.access import attendances_for
from tracedesk.tracing.access import tasks_for

PAGE_SIZE = 50


@require_safe
@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    """Cases in scope, newest first, optionally by status."""
    cases = cases_for(request.user).order_by("-created_at", "-pk")
    status = request.GET.get("status", "")
    if status in CaseStatus.values:
        cases = cases.filter(status=status)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_read(request, Case, purpose="list cases", ids=[case.pk for case in page.object_list])
    return render(
        request, "cases/case_list.html", {"page": page, "status": status, "statuses": CaseStatus}
    )


@require_safe
@login_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """A case: results, contacts in scope (and how many are elsewhere), settings, tasks."""
    case = case_for(request.user, case_id)
    audit_read(request, case, purpose="case page")
    contacts = contacts_for(request.user).filter(case=case)
    tasks = (
        tasks_for(request.user).filter(case=case)
        if has_right(request.user, Right.WORK_TASKS)
        else None
    )
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "results": results_for(request.user).filter(case=case),
            "contacts": contacts,
            "contacts_elsewhere": case.contacts.count() - contacts.count(),
            "attendances": attendances_for(request.user).filter(case=case),
            "tasks": tasks,
        },
    )


@require_safe
@login_required
def contact_detail(request: HttpRequest, contact_id: int) -> HttpResponse:
    """A contact and the exposure that made them one."""
    contact = contact_for(request.user, contact_id)
    audit_read(request, contact, purpose="contact page")
    case_visible = cases_for(request.user).filter(pk=contact.case_id).exists()
    return render(
        request,
        "cases/contact_detail.html",
        {"contact": contact, "case_visible": case_visible},
    )
