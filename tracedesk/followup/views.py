"""The daily check-in page a contact in isolation opens from their message."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.followup.actions import isolation_ends_on, record_check_in
from tracedesk.followup.forms import CheckInForm
from tracedesk.selfservice.models import AccessLink, LinkKind
from tracedesk.selfservice.views import attempt_allowed, closed, open_link


@never_cache
@require_http_methods(["GET", "POST"])
def check_in(request: HttpRequest, token: str) -> HttpResponse:
    """Symptoms and support today; the link works once."""
    link, state = open_link(request, token, LinkKind.CHECK_IN)
    if link is None or link.follow_up is None:
        return closed(request, "unknown" if state == "open" else state)
    if state != "open":
        return closed(request, state)
    if request.method == "POST" and not attempt_allowed(request):
        return closed(request, "throttled")
    now = timezone.now()
    follow_up = link.follow_up
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            locked = AccessLink.objects.select_for_update().get(pk=link.pk)
            if locked.state(now) != "open":
                return closed(request, locked.state(now))
            record_check_in(
                follow_up,
                symptoms=form.cleaned_data["symptoms"],
                support_needs=form.cleaned_data["support"],
                now=now,
            )
            locked.used_at = now
            locked.save(update_fields=["used_at"])
            record_event(None, Action.UPDATE, locked, purpose="check-in answered",
                         source="follow-up", fields=["used_at"])  # fmt: skip
        return redirect("check-in-done")
    return render(
        request,
        "followup/check_in.html",
        {"form": form, "ends_on": isolation_ends_on(follow_up.contact)},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET"])
def check_in_done(request: HttpRequest) -> HttpResponse:
    """Thank the contact and say what happens next."""
    return render(request, "followup/check_in_done.html")
