"""End to end in Debian's headless Chromium: sign in, work from the home page, stay in scope."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tracedesk.accounts.twofactor import current_code
from tracedesk.ingest.tests.feeds import people, row, write_csv
from tracedesk.testing.twofactor import enrolled_device
from tracedesk.testing.world import PASSWORD, World

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
# Closed network here: without these flags Chromium keeps trying to reach Google.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Playwright's sync API runs an event loop in this thread; Django's ORM calls in
    # the test itself are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.django_db(transaction=True)
def test_tracer_signs_in_and_opens_a_case_from_their_tasks(
    world: World, live_server: object, page: Page
) -> None:
    base = str(live_server)
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/accounts/login/?next=/")
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("tracer_a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="My tasks")).to_be_visible()
    expect(page.get_by_text("CaseB")).to_have_count(0)
    page.get_by_role("link", name="CaseA Testperson").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CaseA Testperson")
    expect(page.get_by_role("table", name="Contacts")).to_contain_text("ContactA")
    # Stylesheet and vendored htmx load from our own server, not a CDN.
    assert page.evaluate("typeof window.htmx") == "object"
    case_b = world.district("b").case.pk
    response = page.goto(f"{base}/cases/{case_b}/")
    assert response is not None and response.status == 404


@pytest.mark.django_db(transaction=True)
def test_keyboard_user_can_skip_to_content_and_analyst_sees_chart_and_table(
    world: World, live_server: object, page: Page
) -> None:
    base = str(live_server)
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Cases and contacts per day")).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    expect(page.get_by_role("img")).to_have_count(1)
    expect(page.get_by_role("table", name="Daily figures")).to_be_visible()
    expect(page.get_by_text("Testperson")).to_have_count(0)  # aggregates only


@pytest.mark.django_db(transaction=True)
def test_uploading_a_feed_shows_progress_then_the_reconciliation(
    world: World, live_server: object, page: Page, tmp_path: Path
) -> None:
    """The real path: the file is ingested in a background thread while htmx polls."""
    rows = [*people(600), row("BAD1", result="MAYBE")]
    feed = write_csv(tmp_path / "results.csv", rows)
    base = str(live_server)
    page.goto(f"{base}/accounts/login/")
    device = enrolled_device(world.users["supervisor_a"])  # supervisors give a TOTP code
    page.get_by_label("Username").fill("supervisor_a")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Code").fill(current_code(device))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Lab results").click()
    page.get_by_label("File (CSV, FHIR Bundle or NDJSON, HL7 v2)").set_input_files(str(feed))
    page.get_by_role("button", name="Upload and ingest").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("results.csv")
    expect(page.get_by_text("every record is accounted for")).to_be_visible(timeout=60_000)
    expect(page.get_by_label("Reconciliation")).to_contain_text("601 read")
    page.get_by_role("link", name=str(len(rows) + 1)).click()  # the rejected record's line
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rejected record")
    page.get_by_label("result", exact=True).fill("NEGATIVE")
    page.get_by_role("button", name="Submit again").click()
    expect(page.get_by_text("was accepted")).to_be_visible()
    expect(page.get_by_label("Reconciliation")).to_contain_text("601 accepted")
