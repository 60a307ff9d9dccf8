"""The case's own pages, opened from a link in a message: no account, no JavaScript needed."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tracedesk.audit.reads import client_address
from tracedesk.selfservice.actions import (
    ReportedContact,
    ReportedPlace,
    RowError,
    allow_attempt,
    check_birth_date,
    exposure_window,
    find_link,
    submit_form,
)
from tracedesk.selfservice.forms import BaseRows, BirthDateForm, ContactRows, PlaceRows
from tracedesk.selfservice.models import AccessLink, LinkKind

# Why a link cannot be used, and the page that says so (with its HTTP status).
CLOSED = {
    "unknown": 404,
    "expired": 410,
    "used": 410,
    "locked": 403,
}


def closed(request: HttpRequest, reason: str) -> HttpResponse:
    """The page for a link that does not work (any more), saying what happens next."""
    if reason == "throttled":
        return render(request, "selfservice/too_many.html", status=429)
    return render(request, "selfservice/closed.html", {"reason": reason}, status=CLOSED[reason])


def attempt_allowed(request: HttpRequest) -> bool:
    """Count an attempt against the network address's hourly limit; False once past it.

    Every guess counts: an unknown link, a date of birth, a check-in answer. Links are
    unguessable, but a limit makes trying them at speed pointless.
    """
    return allow_attempt(client_address(request) or "", now=timezone.now())


def open_link(request: HttpRequest, token: str, kind: str) -> tuple[AccessLink | None, str]:
    """The link of ``kind`` and its state; an unknown token counts as an attempt ("throttled"
    once the address is past its limit)."""
    link = find_link(token)
    if link is None or link.kind != kind:
        return None, "unknown" if attempt_allowed(request) else "throttled"
    return link, link.state(timezone.now())


def _session_key(link: AccessLink) -> str:
    return f"selfservice-link-{link.pk}"


@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, token: str) -> HttpResponse:
    """Confirm the date of birth, then go on to the form."""
    link, state = open_link(request, token, LinkKind.SELF_SERVICE)
    if link is None or state != "open":
        return closed(request, state)
    if request.session.get(_session_key(link)):
        return redirect("selfservice-form", token=token)
    form = BirthDateForm(request.POST or None)
    if request.method == "POST":
        now = timezone.now()
        if not attempt_allowed(request):
            return closed(request, "throttled")
        if form.is_valid():
            if check_birth_date(link, form.cleaned_data["date_of_birth"], now=now):
                request.session.cycle_key()  # a new session id once the person is confirmed
                request.session[_session_key(link)] = True
                return redirect("selfservice-form", token=token)
            link.refresh_from_db()
            if link.state(now) == "locked":
                return closed(request, "locked")
            form.add_error(
                "date_of_birth",
                "That date of birth does not match our records. Check it and try again.",
            )
    return render(request, "selfservice/start.html", {"form": form})


def _rows_from(request: HttpRequest, window: tuple[dt.date, dt.date]) -> tuple[BaseRows, BaseRows]:
    if request.method == "POST":
        contacts = ContactRows(request.POST, prefix="contacts", window=window)
        places = PlaceRows(request.POST, prefix="places", window=window)
    else:
        contacts = ContactRows(prefix="contacts", window=window, initial=[{}] * 3)
        places = PlaceRows(prefix="places", window=window, initial=[{}] * 2)
    return contacts, places


def _with_another_row(request: HttpRequest, prefix: str) -> HttpRequest:
    """The no-JavaScript 'add another' button: the same answers, one more empty row."""
    data = request.POST.copy()
    total = f"{prefix}-TOTAL_FORMS"
    data[total] = str(min(int(data.get(total, "0") or 0) + 1, 30))
    request.POST = data  # type: ignore[assignment]
    return request


@never_cache
@require_http_methods(["GET", "POST"])
def contacts_form(request: HttpRequest, token: str) -> HttpResponse:
    """Contacts and places in the exposure window; sending it completes the case's call."""
    link, state = open_link(request, token, LinkKind.SELF_SERVICE)
    if link is None or state != "open":
        return closed(request, state)
    if not request.session.get(_session_key(link)) or link.case is None:
        return redirect("selfservice-start", token=token)
    window = exposure_window(link.case)
    adding = request.POST.get("add") if request.method == "POST" else None
    if adding in ("contacts", "places"):
        request = _with_another_row(request, adding)
    contacts, places = _rows_from(request, window)
    context = {"contacts": contacts, "places": places, "window": window}
    if request.method != "POST" or adding:
        return render(request, "selfservice/form.html", context)
    if not (contacts.is_valid() and places.is_valid()):
        return render(request, "selfservice/form.html", {**context, "invalid": True}, status=400)
    try:
        with transaction.atomic():
            submit_form(
                link,
                [ReportedContact(**{k: row[k] for k in ReportedContact.__dataclass_fields__})
                 for row in contacts.filled()],
                [ReportedPlace(**{k: row[k] for k in ReportedPlace.__dataclass_fields__})
                 for row in places.filled()],
                now=timezone.now(),
            )  # fmt: skip
    except RowError as error:
        rows = contacts if error.section == "contacts" else places
        filled = [form for form in rows.forms if form.has_changed()]
        form = filled[error.index]
        for field, messages in error.errors.items():
            for text in messages:
                form.add_error(field if field in form.fields else None, text)
        return render(request, "selfservice/form.html", {**context, "invalid": True}, status=400)
    request.session.pop(_session_key(link), None)
    return redirect("selfservice-done")


@require_http_methods(["GET"])
def done(request: HttpRequest) -> HttpResponse:
    """Thank the person and say what happens next."""
    return render(request, "selfservice/done.html")
