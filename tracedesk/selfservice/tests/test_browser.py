"""A case on a phone: open the link from their message, confirm, name two contacts and a place."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, ViewportSize, expect

from tracedesk.cases.models import Contact
from tracedesk.home.tests.test_browser import browser
from tracedesk.messaging.gateways import FileGateway
from tracedesk.messaging.models import Message
from tracedesk.places.models import Attendance
from tracedesk.selfservice.actions import invite_new_cases
from tracedesk.testing.world import World
from tracedesk.tracing.models import TaskKind, TaskStatus, TracingTask

__all__ = ["browser"]
pytestmark = pytest.mark.browser

PHONE: ViewportSize = {"width": 375, "height": 740}


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_case_completes_the_form_on_a_phone_and_their_contacts_become_tasks(
    world: World, live_server: Any, phone: Page, outbox: FileGateway, settings: Any
) -> None:
    settings.PUBLIC_URL = str(live_server)
    invite_new_cases(timezone.now(), False)  # the worker's job; the message goes on commit
    case = world.district("a").case
    sent = Message.objects.get(person=case.person).pk
    [line] = [line for line in outbox.read() if line["message"] == sent]
    found = re.search(r"https?://\S+/s/[\w-]+/", line["body"])
    assert found is not None
    link = found.group(0)

    phone.goto(link)
    expect(phone.get_by_role("heading", name="Tell us who you have been near")).to_be_visible()
    phone.get_by_label("Your date of birth").fill("1980-01-02")
    phone.get_by_role("button", name="Continue").click()

    expect(phone.get_by_role("heading", name="Who you have been near")).to_be_visible()
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    first = phone.get_by_role("group", name="Person 1")
    first.get_by_label("First name").fill("Priya")
    first.get_by_label("Last name").fill("Shah")
    first.get_by_label("Mobile or phone number").fill("07700 900456")
    first.get_by_label("Last day you were together").fill(yesterday)
    second = phone.get_by_role("group", name="Person 2")
    second.get_by_label("First name").fill("Sam")
    second.get_by_label("Last name").fill("Testperson")
    second.get_by_label("Lives with me").check()
    second.get_by_label("Last day you were together").fill(yesterday)
    place = phone.get_by_role("group", name="Place 1")
    place.get_by_label("Name of the place").fill("Kirkstall Gym")
    place.get_by_label("What kind of place").select_option("gym")
    place.get_by_label("Postcode (if you know it)").fill("LS5 3BE")
    place.get_by_label("Day you were there").fill(yesterday)
    # Nothing is wider than the phone: no sideways scrolling.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.get_by_role("button", name="Send my answers").click()

    expect(
        phone.get_by_role("heading", name="Thank you: your answers have been sent")
    ).to_be_visible()
    contacts = Contact.objects.filter(case=case, source_ref__startswith="selfservice-")
    assert sorted(contacts.values_list("person__first_name", flat=True)) == ["Priya", "Sam"]
    tasks = TracingTask.objects.filter(contact__in=contacts, kind=TaskKind.REACH_CONTACT)
    assert tasks.count() == 2 and set(tasks.values_list("status", flat=True)) == {TaskStatus.OPEN}
    assert Attendance.objects.filter(case=case, setting__name="Kirkstall Gym").exists()
    world.district("a").case_task.refresh_from_db()
    assert world.district("a").case_task.status == TaskStatus.DONE
    # The link worked once.
    phone.goto(link)
    expect(phone.get_by_role("heading", name="You have already sent your answers")).to_be_visible()
