"""Two middlewares: the second sign-in factor, and the security headers of every response."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse

from tracedesk.accounts import twofactor

# Pages a signed-in user who still owes a code may open: signing in and out, giving
# or setting up the code.
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {"login", "logout", "two-factor-verify", "two-factor-setup", "accept-invitation"}
)


class TwoFactorMiddleware:
    """Send a signed-in user who must give a code to the page that asks for it.

    Must come after django-otp's OTPMiddleware (which tells whether this session
    gave a code). API requests with a bearer token are not session sign-ins and
    are left to the API's own authentication; an API request that relies on a
    session still owing a code is refused with 401.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is not None and match.url_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if request.path.startswith("/api/"):
            # A bearer header is decided by the token alone (never rescued by the
            # session); any other scheme falls through to the session, so it is checked.
            if request.headers.get("Authorization", "").lower().startswith("bearer "):
                return None
            if twofactor.needs_verification(request.user):
                return JsonResponse(
                    {"detail": "Two-factor sign-in required: sign in through the web page."},
                    status=401,
                )
            return None
        if not twofactor.needs_verification(request.user):
            return None
        user = request.user
        has_device = twofactor.confirmed_device(user) is not None  # type: ignore[arg-type]
        target = reverse("two-factor-verify" if has_device else "two-factor-setup")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")


# A strict policy: scripts and styles only from our own static files, nothing inline,
# no plugins, no framing, forms only to ourselves. Inline SVG (charts, QR codes) is
# markup, not a resource, and needs nothing more.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
# django-ninja's Swagger UI (/api/docs) loads only our vendored files, but React sets
# style attributes and the bundle's CSS embeds data: images; its scripts stay 'self'.
SWAGGER_POLICY = CONTENT_SECURITY_POLICY.replace(
    "style-src 'self'", "style-src 'self' 'unsafe-inline'"
).replace("img-src 'self'", "img-src 'self' data:")
SWAGGER_PATHS = ("/api/docs",)

PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
    )
)


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy on every response.

    Django's SecurityMiddleware already sends X-Content-Type-Options, Referrer-Policy,
    Cross-Origin-Opener-Policy and (under HTTPS) Strict-Transport-Security;
    XFrameOptionsMiddleware sends X-Frame-Options. A response that set its own
    policy keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = (
            SWAGGER_POLICY if request.path.startswith(SWAGGER_PATHS) else CONTENT_SECURITY_POLICY
        )
        response.headers.setdefault("Content-Security-Policy", policy)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.user.is_authenticated if hasattr(request, "user") else False:
            # Pages of a signed-in user hold personal data: never keep them in a cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
