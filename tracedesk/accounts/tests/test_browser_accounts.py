"""End to end in headless Chromium: two-factor set-up under the strict CSP, no violations."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Browser, Page, expect

from tracedesk.home.tests.test_browser import browser  # noqa: F401  (the shared fixture)
from tracedesk.testing.world import PASSWORD, World

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def code_for(secret: str) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


@pytest.mark.django_db(transaction=True)
def test_an_administrator_sets_up_two_factor_and_the_page_breaks_no_policy(
    world: World, live_server: object, page: Page
) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    base = str(live_server)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    secret = page.locator("code.secret").inner_text()
    assert len(secret) >= 32
    page.get_by_label("Code from your app").fill(code_for(secret))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(
        10
    )
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="Users")).to_be_visible()
    page.get_by_role("link", name="Staff accounts").first.click()
    page.get_by_role("link", name="tracer_b").click()
    expect(page.get_by_role("heading", name="tracer_b")).to_be_visible()
    page.goto(f"{base}/api/docs")
    expect(page.locator(".swagger-ui")).to_be_visible()
    assert violations == []
