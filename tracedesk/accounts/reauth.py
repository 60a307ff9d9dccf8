"""Re-authentication before sensitive work (bulk exports): "confirm it is still you".

Web views::

    from tracedesk.accounts.reauth import recent_authentication_required

    @recent_authentication_required
    def export_view(request): ...

A user who has not given their password (and, when they use two-factor sign-in,
a code) within ``TRACEDESK_REAUTH_SECONDS`` is sent to ``/accounts/confirm/``
and then back to the page they asked for (a POST comes back as a GET of the same
address, so its form is shown again rather than submitted blind).

API handlers (django-ninja)::

    from tracedesk.accounts.reauth import require_recent_authentication

    def export(request): require_recent_authentication(request); ...

raises ``ReauthenticationRequired`` (a PermissionDenied: HTTP 403 with a detail
telling the caller to confirm in the browser) for a browser session that has not
re-authenticated recently. Bearer tokens are refused unless ``allow_tokens`` is
given: a token is a standing credential with no person at the keyboard to ask.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

SESSION_KEY = "tracedesk_authenticated_at"


class ReauthenticationRequired(PermissionDenied):
    """The caller must confirm their password (and code) before this."""


def mark_authenticated(request: HttpRequest, now: dt.datetime | None = None) -> None:
    """Record that the user has just proven who they are (sign-in or confirmation)."""
    request.session[SESSION_KEY] = (now or timezone.now()).timestamp()


def authenticated_recently(request: HttpRequest, now: dt.datetime | None = None) -> bool:
    stamp = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if not isinstance(stamp, int | float):
        return False
    age = (now or timezone.now()).timestamp() - stamp
    return 0 <= age <= settings.REAUTH_SECONDS


def confirm_url(next_url: str) -> str:
    return f"{reverse('reauthenticate')}?{urlencode({'next': next_url})}"


def recent_authentication_required(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Sign-in required; then send to the confirmation page unless it was given recently."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not authenticated_recently(request):
            return HttpResponseRedirect(confirm_url(request.get_full_path()))
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def require_recent_authentication(request: HttpRequest, *, allow_tokens: bool = False) -> None:
    """For API handlers: raise ReauthenticationRequired (403) unless confirmed recently."""
    by_token = request.headers.get("Authorization", "").lower().startswith("bearer ")
    if by_token:
        if allow_tokens:
            return
        raise ReauthenticationRequired(
            "This needs a person who confirmed their password recently: use the web page."
        )
    if not authenticated_recently(request):
        raise ReauthenticationRequired(
            "Confirm your password first: open /accounts/confirm/ in this browser, then retry."
        )
