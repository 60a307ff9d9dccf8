"""The audit viewer, "who accessed this" on a person, and read-volume alerts."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Max, Q
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from tracedesk.accounts.decorators import requires
from tracedesk.accounts.roles import Right
from tracedesk.audit.access import alert_for, alerts_for, audited_person_for, trail_for
from tracedesk.audit.actions import acknowledge_alert
from tracedesk.audit.forms import AcknowledgeForm, TrailFilter
from tracedesk.audit.models import Action, AuditEvent, Outcome, ReadAlert
from tracedesk.audit.queries import about_person, keyset_page
from tracedesk.audit.reads import audit_read


def _next_link(query: QueryDict, before: int | None) -> str | None:
    if before is None:
        return None
    following = query.copy()
    following["before"] = str(before)
    return "?" + following.urlencode()


@require_safe
@requires(Right.AUDIT_TRAIL)
def trail(request: HttpRequest) -> HttpResponse:
    """Every audit event, newest first, by user, person, action and dates."""
    events = trail_for(request.user)
    form = TrailFilter(request.GET or None)
    page = None
    if form.is_bound and not form.is_valid():
        events = events.none()
    elif form.is_bound:
        events = events.filter(form.condition())
        if form.cleaned_data.get("person"):
            events = events.filter(about_person(form.cleaned_data["person"]))
        page = keyset_page(events, form.cleaned_data.get("before"))
    else:
        page = keyset_page(events, None)
    # Reading the trail is itself recorded: it says who looked at whom.
    audit_read(request, AuditEvent, purpose="audit trail")
    return render(
        request,
        "audit/trail.html",
        {
            "form": form,
            "page": page,
            "next": _next_link(request.GET, page.next_before) if page else None,
            "open_alerts": alerts_for(request.user).filter(acknowledged_at=None).count(),
        },
    )


@require_safe
@requires(Right.AUDIT_RECORDS)
def person_access(request: HttpRequest, person_id: int) -> HttpResponse:
    """Who accessed this person's records: each user's reads and changes, then every event."""
    person = audited_person_for(request.user, person_id)
    events = AuditEvent.objects.select_related("actor").filter(about_person(person.pk))
    before = request.GET.get("before", "")
    page = keyset_page(events, int(before) if before.isdigit() else None)
    reads = [Action.VIEW, Action.LIST, Action.EXPORT]
    who = (
        events.exclude(actor=None)
        .values("actor__username", "actor_role")
        .annotate(
            reads=Count("id", filter=Q(action__in=reads, outcome=Outcome.DONE)),
            changes=Count("id", filter=~Q(action__in=reads) & Q(outcome=Outcome.DONE)),
            refused=Count("id", filter=~Q(outcome=Outcome.DONE)),
            last=Max("at"),
        )
        .order_by("-last")
    )
    audit_read(request, person, purpose="who accessed this person")
    return render(
        request,
        "audit/person_access.html",
        {
            "person": person,
            "who": who,
            "page": page,
            "next": _next_link(request.GET, page.next_before),
        },
    )


@require_safe
@requires(Right.AUDIT_TRAIL)
def alerts(request: HttpRequest) -> HttpResponse:
    """Users whose reads were far above their peers', those awaiting review first."""
    rows = alerts_for(request.user)
    open_alerts = rows.filter(acknowledged_at=None).order_by("-period_start", "-reads")[:200]
    reviewed = rows.exclude(acknowledged_at=None).order_by("-acknowledged_at")[:50]
    audit_read(request, ReadAlert, purpose="read-volume alerts")
    return render(
        request,
        "audit/alerts.html",
        {"open_alerts": open_alerts, "reviewed": reviewed, "form": AcknowledgeForm()},
    )


@require_POST
@requires(Right.AUDIT_TRAIL)
def acknowledge(request: HttpRequest, alert_id: int) -> HttpResponse:
    """Record that an alert was reviewed, and what the reviewer found."""
    alert = alert_for(request.user, alert_id)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Alert {alert.pk}: say what you found before closing it.")
        return redirect("audit-alerts")
    acknowledge_alert(alert, actor=request.user, note=form.cleaned_data["note"], source="web")
    messages.success(request, f"Alert {alert.pk} reviewed.")
    return redirect("audit-alerts")
