"""Who an API request comes from: a bearer token, or a signed-in browser's session."""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer, SessionAuth

from tracedesk.accounts.models import ApiToken, User, hash_token

TOKEN_PREFIX = "td_"  # noqa: S105 -- the public prefix every key starts with, not a secret
# Writing last_used_at on every request would turn each read into a write.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class BearerToken(HttpBearer):
    """``Authorization: Bearer td_...``: a live token of an active user.

    A bearer header that does not name such a token is refused with 401 at
    once, rather than falling through to the session: explicit credentials
    that are wrong must never be silently replaced by others.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User:
        if not token.startswith(TOKEN_PREFIX):
            raise AuthenticationError()
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=hash_token(token), revoked_at__isnull=True)
            .first()
        )
        if found is None or not found.user.is_active:
            raise AuthenticationError()
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        # Downstream code (the access layer, the audit of reads) asks request.user
        # who is acting, whichever way they authenticated.
        request.user = found.user
        return found.user


class BrowserSession(SessionAuth):
    """Django's session, for a signed-in browser; CSRF-checked like ninja's ``django_auth``.

    The CSRF check runs only when the session cookie is sent: a request with no
    cookie carries no ambient credentials to forge, and gets a plain 401
    instead of a misleading "CSRF check failed" 403.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        if key is None:
            return None
        user = super().authenticate(request, key)
        return cast("User | None", user)


def caller(request: HttpRequest) -> User:
    """Return the user the API authenticated this request as (token or session)."""
    return cast(User, request.auth)  # type: ignore[attr-defined]
