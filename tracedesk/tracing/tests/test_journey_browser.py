"""Issue 5, item 7: the whole journey in headless Chromium, one person per role.

A laboratory posts a positive result to the API; the worker's invitation job
sends the new case a self-service link (read back from the file gateway); the
case opens it on a phone, names two contacts and a place; the contacts are
tasks; a tracer signs in, presses "Next task" and records outcomes; and the
supervisor's console shows the queue figures move at every step.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tracedesk.accounts.twofactor import current_code
from tracedesk.cases.models import Case, Contact
from tracedesk.home.tests.test_browser import browser
from tracedesk.ingest.tests.feeds import row
from tracedesk.messaging.gateways import FileGateway
from tracedesk.messaging.models import Message
from tracedesk.messaging.testing import outbox
from tracedesk.testing.api_routes import bearer_token
from tracedesk.testing.twofactor import enrolled_device
from tracedesk.testing.world import PASSWORD, World
from tracedesk.tracing.models import CallAttempt, Outcome, TaskKind, TaskStatus, TracingTask
from tracedesk.worker.runner import run_pass, select

__all__ = ["browser", "outbox"]
pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 375, "height": 740}
FIGURES = ("waiting", "deferred", "claimed")


@pytest.fixture
def contexts(browser: Browser) -> Iterator[dict[str, Page]]:
    """One browser context per person: the supervisor, the tracer, the case's phone."""
    opened = {
        "supervisor": browser.new_context(),
        "tracer": browser.new_context(),
        "phone": browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True),
    }
    yield {name: context.new_page() for name, context in opened.items()}
    for context in opened.values():
        context.close()


def sign_in(page: Page, base: str, username: str, *, code: str | None = None) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if code is not None:
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Continue").click()


def console_shows(page: Page, base: str, **expected: int) -> None:
    """Reload the console and check its queue-depth figures."""
    page.goto(f"{base}/tracing/console/")
    expect(page.get_by_role("heading", name="Queue console")).to_be_visible()
    for name, value in expected.items():
        expect(page.locator(f"#depth-{name}")).to_have_text(str(value))


def tracer_row(page: Page, username: str) -> Any:
    return page.get_by_role("table", name="Tracers").get_by_role("row").filter(has_text=username)


@pytest.mark.django_db(transaction=True)
def test_result_to_self_service_to_tracer_to_supervisor_console(
    world: World, live_server: Any, contexts: dict[str, Page], outbox: FileGateway, settings: Any
) -> None:
    base = str(live_server)
    settings.PUBLIC_URL = base
    supervisor, tracer, phone = contexts["supervisor"], contexts["tracer"], contexts["phone"]
    device = enrolled_device(world.users["supervisor_a"])  # supervisors give a TOTP code
    sign_in(supervisor, base, "supervisor_a", code=current_code(device))
    # Leeds at the start: the world's case and its household contact wait to be called.
    console_shows(supervisor, base, waiting=2, deferred=0, claimed=0)
    expect(tracer_row(supervisor, "tracer_a")).to_contain_text("Offline")

    # 1. A laboratory posts a positive result for someone new, over HTTP with its API token.
    specimen_at = timezone.now() - dt.timedelta(days=1)
    result = row(
        "JOURNEY-1",
        result="POSITIVE",
        first_name="Grace",
        last_name="Hopper",
        date_of_birth="1985-06-15",
        phone="07700 900123",
        specimen_collected_at=specimen_at.isoformat(),
        result_at=(specimen_at + dt.timedelta(hours=12)).isoformat(),
    )
    token = bearer_token(world.users["supervisor_a"], name="lab feed")
    response = supervisor.request.post(
        f"{base}/api/lab-results", data=result, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status == 201, response.text()
    assert (response.json()["accepted"], response.json()["positives"]) == (1, 1)
    case = Case.objects.get(person__first_name="Grace", person__last_name="Hopper")
    assert case.jurisdiction == world.leeds  # placed by the postcode LS6
    console_shows(supervisor, base, waiting=3, deferred=0, claimed=0)

    # 2. The worker's invitation job: one message per new case; their calls wait for the form.
    [run] = run_pass(select(["selfservice.invite_new_cases"]), worker="journey", force=True)
    assert run.error == "" and run.counts["invited"] == 3  # Grace and the two world cases
    console_shows(supervisor, base, waiting=1, deferred=2, claimed=0)
    message = Message.objects.get(person=case.person)
    assert message.channel == "sms"
    [sent] = [line for line in outbox.read() if line["message"] == message.pk]
    link = re.search(r"https?://\S+/s/[\w-]+/", sent["body"])
    assert link is not None

    # 3. Grace completes the form on her phone.
    phone.goto(link.group(0))
    expect(phone.get_by_role("heading", name="Tell us who you have been near")).to_be_visible()
    phone.get_by_label("Your date of birth").fill("1985-06-15")
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_role("heading", name="Who you have been near")).to_be_visible()
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    first = phone.get_by_role("group", name="Person 1")
    first.get_by_label("First name").fill("Alan")
    first.get_by_label("Last name").fill("Hopper")
    first.get_by_label("Mobile or phone number").fill("07700 900789")
    first.get_by_label("Lives with me").check()
    first.get_by_label("Last day you were together").fill(yesterday)
    second = phone.get_by_role("group", name="Person 2")
    second.get_by_label("First name").fill("Ada")
    second.get_by_label("Last name").fill("Byron")
    second.get_by_label("Mobile or phone number").fill("07700 900456")
    second.get_by_label("Last day you were together").fill(yesterday)
    place = phone.get_by_role("group", name="Place 1")
    place.get_by_label("Name of the place").fill("Headingley Library")
    place.get_by_label("What kind of place").select_option("other")
    place.get_by_label("Day you were there").fill(yesterday)
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.get_by_role("button", name="Send my answers").click()
    expect(
        phone.get_by_role("heading", name="Thank you: your answers have been sent")
    ).to_be_visible()

    # 4. The contacts are tasks; Grace's own call is done (the form did its work).
    contacts = Contact.objects.filter(case=case)
    assert sorted(contacts.values_list("person__first_name", flat=True)) == ["Ada", "Alan"]
    new_tasks = TracingTask.objects.filter(contact__in=contacts, kind=TaskKind.REACH_CONTACT)
    assert sorted(new_tasks.values_list("status", flat=True)) == [TaskStatus.OPEN] * 2
    assert case.tasks.get(kind=TaskKind.REACH_CASE).status == TaskStatus.DONE
    console_shows(supervisor, base, waiting=3, deferred=1, claimed=0)

    # 5. A tracer signs in and presses "Next task": the most urgent task, claimed for them.
    sign_in(tracer, base, "tracer_a")
    tracer.get_by_role("link", name="Call queue").first.click()
    expect(tracer.get_by_role("heading", name="Call queue")).to_be_visible()
    expect(tracer.get_by_text("3 tasks waiting that you can take now")).to_be_visible()
    # Household contacts come first, the earliest deadline first: the world's household
    # contact was named before Grace's.
    tracer.get_by_role("button", name="Next task").click()
    expect(tracer.get_by_role("heading", level=1)).to_have_text(
        "Reach the contact: ContactA Testperson"
    )
    first_task = TracingTask.objects.get(assignee=world.users["tracer_a"])
    assert first_task.status == TaskStatus.CLAIMED and first_task.priority == 1
    console_shows(supervisor, base, waiting=2, deferred=1, claimed=1)
    expect(tracer_row(supervisor, "tracer_a")).to_contain_text("On a call")

    # No answer: the task goes back to the queue, offered again after the retry wait.
    tracer.get_by_label("No answer").check()
    tracer.get_by_role("button", name="Record outcome").click()
    expect(tracer.get_by_text("Recorded: No answer.")).to_be_visible()
    first_task.refresh_from_db()
    assert first_task.status == TaskStatus.OPEN and first_task.available_from is not None
    console_shows(supervisor, base, waiting=2, deferred=2, claimed=0)
    expect(tracer_row(supervisor, "tracer_a")).to_contain_text("Wrap-up")

    # The next press gives Grace's household contact (before Ada, who does not live with her);
    # Alan answers and the contact script is followed.
    tracer.get_by_role("button", name="Next task").click()
    expect(tracer.get_by_role("heading", level=1)).to_have_text("Reach the contact: Alan Hopper")
    second_task = TracingTask.objects.get(assignee=world.users["tracer_a"])
    assert second_task.contact is not None and second_task.contact.case_id == case.pk
    console_shows(supervisor, base, waiting=1, deferred=2, claimed=1)
    tracer.get_by_label("Name and date of birth confirmed").check()
    tracer.get_by_label("Symptoms", exact=True).select_option("no")
    tracer.get_by_role("button", name="Finish: record the interview").click()
    expect(tracer.get_by_text("Interview recorded; the task is done.")).to_be_visible()
    second_task.refresh_from_db()
    assert second_task.status == TaskStatus.DONE
    attempts = CallAttempt.objects.filter(tracer=world.users["tracer_a"])
    assert sorted(attempts.values_list("outcome", flat=True)) == sorted(
        [Outcome.NO_ANSWER, Outcome.REACHED]
    )

    # 6. The supervisor sees the numbers moved: one fewer waiting, none held, the tracer busy.
    console_shows(supervisor, base, waiting=1, deferred=2, claimed=0)
    row_ = tracer_row(supervisor, "tracer_a")
    expect(row_).to_contain_text("Wrap-up")
    cells = row_.get_by_role("cell")
    expect(cells.nth(5)).to_have_text("0")  # tasks held
    expect(cells.nth(4)).to_have_text(re.compile(r"^\d+%$"))  # utilisation measured today
