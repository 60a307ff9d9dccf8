"""Content Security Policy, security headers, CSRF on every route, deployment checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tracedesk.accounts.middleware import CONTENT_SECURITY_POLICY, SWAGGER_POLICY
from tracedesk.accounts.tests.test_api_tokens import MATRIX
from tracedesk.home.tests.test_access_matrix import PAGES, RECORD_OF_A, RECORD_PAGES
from tracedesk.testing.api_routes import call
from tracedesk.testing.routes import SEPARATELY_TESTED_PREFIXES
from tracedesk.testing.twofactor import enrolled_device
from tracedesk.testing.world import PASSWORD, PERSONAS, World

REQUIRED_DIRECTIVES = {
    "default-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
}
CRAWL_LIMIT = 80  # pages per persona: enough to reach every kind of page in the small world


class InlineCodeFinder(HTMLParser):
    """Collect what a strict CSP would block: inline scripts, handlers, styles, js: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value or "" for name, value in attrs}
        if tag == "script" and "src" not in names:
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("inline <style>")
        for name, value in names.items():
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            if name == "style" and tag != "svg":
                self.problems.append(f"<{tag} style=…>")
            if name in {"href", "src", "action", "formaction"} and value.strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:…>")
        if tag == "a" and names.get("href"):
            self.links.append(names["href"])


def check_page(response: Any, where: str) -> list[str]:
    """Assert the page's policy and markup; return the links it offers."""
    policy = response.headers.get("Content-Security-Policy", "")
    directives = {part.strip() for part in policy.split(";")}
    assert directives >= REQUIRED_DIRECTIVES, f"{where}: CSP is {policy!r}"
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, where
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in response.headers["Permissions-Policy"]
    if not response.headers.get("Content-Type", "").startswith("text/html"):
        return []
    finder = InlineCodeFinder()
    finder.feed(response.content.decode())
    assert finder.problems == [], f"{where}: {finder.problems}"
    return finder.links


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_matrix_page_has_the_policy_and_no_inline_code(
    world: World, login: Callable[[str], Client], persona: str
) -> None:
    client = login(persona)
    for name, expected in PAGES.items():
        response = client.get(reverse(name))
        assert response.status_code == expected[persona], name
        check_page(response, f"{persona} {name}")
    for name, kwargs in RECORD_PAGES.items():
        response = client.get(reverse(name, kwargs=kwargs(world)))
        assert response.status_code == RECORD_OF_A[persona], name
        check_page(response, f"{persona} {name}")


@pytest.mark.parametrize("persona", PERSONAS)
def test_crawling_from_each_home_finds_no_inline_code(
    world: World, login: Callable[[str], Client], persona: str
) -> None:
    """Follow every same-site link from the home page: other apps' pages are covered too."""
    client = login(persona)
    queue: list[str] = ["/"]
    seen: set[str] = set()
    while queue and len(seen) < CRAWL_LIMIT:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path, follow=True)
        final = response.request["PATH_INFO"]
        if final.startswith(("/admin/", "/api/", "/static/")):
            continue
        for link in check_page(response, f"{persona} {path}"):
            target = urlsplit(urljoin(final, link))
            if (
                target.netloc
                or not target.path.startswith("/")
                or target.path.startswith(("/admin/", "/api/", "/static/"))
            ):
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    assert len(seen) > 3, seen


def test_sign_in_pages_have_the_policy(world: World, client: Client) -> None:
    check_page(client.get(reverse("login")), "login")
    response = client.post(reverse("login"), {"username": "supervisor_a", "password": "x"})
    check_page(response, "login error")
    client.post(reverse("login"), {"username": "admin", "password": PASSWORD})
    setup = client.get(reverse("two-factor-setup"))
    assert b"<svg" in setup.content
    check_page(setup, "two-factor set-up with its QR code")
    enrolled_device(world.users["admin"])
    check_page(client.get(reverse("two-factor-verify")), "two-factor verify")
    check_page(client.get(reverse("accept-invitation", kwargs={"key": "x"})), "invitation")


def test_the_swagger_ui_gets_its_own_narrow_policy(world: World, login: Any) -> None:
    response = login("tracer_a").get("/api/docs")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert policy == SWAGGER_POLICY
    assert "script-src 'self';" in policy  # still no inline or remote scripts
    scripts = re.findall(r"<script([^>]*)>", response.content.decode())
    executable = [attrs for attrs in scripts if "application/json" not in attrs]
    assert all("src=" in attrs for attrs in executable)
    assert SWAGGER_POLICY != CONTENT_SECURITY_POLICY


def test_api_responses_carry_the_policy_too(world: World, login: Any) -> None:
    response = login("tracer_a").get("/api/cases")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["Cache-Control"] == "no-store"


def test_https_deployments_send_hsts_and_secure_cookies(
    world: World, settings: Any, client: Client
) -> None:
    settings.SECURE_HSTS_SECONDS = 63072000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    response = client.get(reverse("login"), secure=True)
    assert response.headers["Strict-Transport-Security"] == (
        "max-age=63072000; includeSubDomains; preload"
    )


# --- CSRF on every route ---------------------------------------------------------------


# Sample values for route parameters: the first that a converter's regex accepts.
SAMPLE_VALUES = (
    "1",
    "placeholder",
    "2024-01",
    "2024-01-31",
    "00000000-0000-0000-0000-000000000000",
)
# Routes that take a POST with no session at all, authenticated by a shared secret in a
# header: there are no ambient credentials for a forged cross-site request to ride on.
CSRF_EXEMPT = {
    "notify-status": "GOV.UK Notify delivery callbacks, authenticated by a bearer secret",
}


def _sample(regex: str, where: str) -> str:
    for value in SAMPLE_VALUES:
        if re.fullmatch(regex, value):
            return value
    raise AssertionError(f"{where}: add a sample value matching {regex!r} to SAMPLE_VALUES")


def _every_web_path() -> list[tuple[str, str]]:
    """(name, path) of every named web route, its parameters filled with sample values.

    Django's CSRF check runs before the view, so a route refuses a forged POST
    whether or not the record exists or the view accepts POST at all.
    """
    found: list[tuple[str, str]] = []

    def fill(route: str, converters: dict[str, Any]) -> str:
        def one(match: re.Match[str]) -> str:
            name = match.group(2)
            return _sample(converters[name].regex, route)

        return re.sub(r"<(?:(\w+):)?(\w+)>", one, route)

    def walk(
        patterns: list[URLPattern | URLResolver], prefix: str, converters: dict[str, Any]
    ) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            known = {**converters, **getattr(pattern.pattern, "converters", {})}
            if route.startswith(SEPARATELY_TESTED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route, known)
            elif pattern.name:
                found.append((pattern.name, "/" + fill(route, known)))

    walk(get_resolver().url_patterns, "", {})
    return sorted(found)


@pytest.mark.parametrize(("name", "path"), _every_web_path(), ids=lambda v: str(v))
@pytest.mark.parametrize("who", ["anonymous", "admin", "supervisor_a"])
def test_every_web_route_refuses_a_post_without_a_csrf_token(
    world: World, name: str, path: str, who: str
) -> None:
    from tracedesk.testing.twofactor import force_verified_login

    client = Client(enforce_csrf_checks=True)
    if who != "anonymous":
        force_verified_login(client, world.users[who])
    response = client.post(path, {"username": "tracer_a", "password": "x"})
    if name in CSRF_EXEMPT:
        # No cookie-borne credentials are honoured there: refused without its secret.
        assert response.status_code in {401, 403}, f"{name}: {response.status_code}"
        return
    assert response.status_code == 403, f"{name} {path} answered {response.status_code}"
    assert b"CSRF" in response.content


@pytest.mark.parametrize(
    "route", sorted(route for route in MATRIX if route[0] != "GET"), ids=" ".join
)
def test_every_api_write_refuses_a_session_without_a_csrf_token(
    world: World, route: tuple[str, str]
) -> None:
    from tracedesk.testing.twofactor import force_verified_login

    client = Client(enforce_csrf_checks=True)
    force_verified_login(client, world.users["supervisor_a"])
    entry = MATRIX[route]
    district = world.district("a")
    body = entry.body(district) if entry.body else None
    response = call(client, route[0], entry.url(district), body)
    assert response.status_code == 403, route


# --- Deployment checks -----------------------------------------------------------------


def test_deploy_checks_are_clean_with_production_settings(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The browser tests set this for Playwright's event loop; it is never set in production.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    settings.DEBUG = False
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 63072000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.TOTP_KEY_CONFIGURED = True  # TRACEDESK_TOTP_KEY given, as production must
    call_command("check", deploy=True, fail_level="WARNING")


def test_deploy_checks_refuse_a_generated_totp_key(settings: Any) -> None:
    """The authenticator-secret key generated next to the data is for development only."""
    from tracedesk.accounts.checks import check_totp_key

    settings.TOTP_KEY_CONFIGURED = False
    assert [message.id for message in check_totp_key()] == ["accounts.W001"]
    settings.TOTP_KEY_CONFIGURED = True
    assert check_totp_key() == []
