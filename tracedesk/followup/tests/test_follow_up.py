"""Daily check-ins: one a day per person in isolation, answers raise tasks, silence a call."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from tracedesk.followup.actions import close_missed, isolation_ends_on, send_check_ins
from tracedesk.followup.models import FollowUp, FollowUpStatus
from tracedesk.messaging.gateways import FileGateway
from tracedesk.testing.world import World
from tracedesk.tracing.actions import complete_task
from tracedesk.tracing.models import TaskKind, TaskStatus, TracingTask


def at_local(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def reached(world: World) -> Any:
    """District A's contact has been reached and told to isolate; they have a mobile."""
    contact = world.district("a").contact
    contact.person.phone = "07700900777"
    contact.person.save()
    task = TracingTask.objects.get(contact=contact, kind=TaskKind.REACH_CONTACT)
    complete_task(task, reason="tests", actor=None, source="tests")
    return contact


def check_in_path(outbox: FileGateway) -> str:
    found = re.search(r"https?://[^/\s]+(/check-in/[\w-]+/)", outbox.read()[-1]["body"])
    assert found is not None
    return found.group(1)


def test_one_check_in_a_day_with_the_isolation_end_date(
    reached: Any, outbox: FileGateway, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ISOLATION_DAYS = 10
    today = timezone.localdate()
    assert send_check_ins(at_local(today, settings.CHECK_IN_HOUR - 1), False) == {"due": 0}
    now = at_local(today, settings.CHECK_IN_HOUR)
    with django_capture_on_commit_callbacks(execute=True):
        counts = send_check_ins(now, False)
    assert counts == {"due": 1, "sent": 1, "no_channel": 0, "already": 0}
    assert send_check_ins(now, False)["due"] == 0  # once a day
    ends = isolation_ends_on(reached)
    assert ends == reached.last_exposure_date + dt.timedelta(days=10)
    [line] = outbox.read()
    assert line["to"] == "07700900777"
    assert f"{ends:%A} {ends.day} {ends:%B}" in line["body"]
    assert FollowUp.objects.get().due_on == today


def test_contacts_not_reached_or_out_of_isolation_get_no_check_in(
    world: World, outbox: FileGateway, settings: Any
) -> None:
    now = at_local(timezone.localdate(), 12)
    assert send_check_ins(now, False)["due"] == 0  # nobody reached yet
    contact = world.district("a").contact
    complete_task(
        TracingTask.objects.get(contact=contact), reason="tests", actor=None, source="tests"
    )
    later = at_local(isolation_ends_on(contact) + dt.timedelta(days=1), 12)
    assert send_check_ins(later, False)["due"] == 0


def test_symptoms_open_a_book_a_test_task_and_support_a_call(
    reached: Any, outbox: FileGateway, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        send_check_ins(at_local(timezone.localdate(), 12), False)
    path = check_in_path(outbox)
    assert client.get(path).status_code == 200
    response = client.post(path, {"unwell": "yes", "needs_help": "no"})
    assert response.status_code == 400 and b"Choose at least one symptom" in response.content
    response = client.post(
        path, {"unwell": "yes", "symptoms": ["cough", "fever"], "needs_help": "yes",
               "support": ["food"]},
    )  # fmt: skip
    assert response.status_code == 302
    follow_up = FollowUp.objects.get()
    assert follow_up.status == FollowUpStatus.COMPLETED
    assert follow_up.symptoms == ["cough", "fever"] and follow_up.support_needs == ["food"]
    book = TracingTask.objects.get(contact=reached, kind=TaskKind.BOOK_TEST)
    assert book.status == TaskStatus.OPEN and follow_up.call_task == book
    assert TracingTask.objects.filter(contact=reached, kind=TaskKind.FOLLOW_UP).exists()
    assert client.get(path).status_code == 410  # used


def test_a_well_contact_raises_no_task(
    reached: Any, outbox: FileGateway, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        send_check_ins(at_local(timezone.localdate(), 12), False)
    response = client.post(check_in_path(outbox), {"unwell": "no", "needs_help": "no"})
    assert response.status_code == 302
    assert FollowUp.objects.get().has_symptoms is False
    assert not TracingTask.objects.filter(
        contact=reached, kind__in=[TaskKind.BOOK_TEST, TaskKind.FOLLOW_UP]
    ).exists()


def test_two_days_without_an_answer_open_one_call(
    reached: Any, outbox: FileGateway, settings: Any
) -> None:
    day = reached.last_exposure_date + dt.timedelta(days=1)
    with time_machine.travel(at_local(day, 12), tick=False):
        send_check_ins(at_local(day, 12), False)
    second = day + dt.timedelta(days=1)
    with time_machine.travel(at_local(second, 12), tick=False):
        assert close_missed(at_local(second, 12), False) == {"missed": 1, "calls": 0}
        send_check_ins(at_local(second, 12), False)
    third = second + dt.timedelta(days=1)
    with time_machine.travel(at_local(third, 12), tick=False):
        assert close_missed(at_local(third, 12), False) == {"missed": 1, "calls": 1}
        assert close_missed(at_local(third, 12), False) == {"missed": 0, "calls": 0}
    call = TracingTask.objects.get(contact=reached, kind=TaskKind.FOLLOW_UP)
    assert call.status == TaskStatus.OPEN
    assert FollowUp.objects.filter(status=FollowUpStatus.MISSED).count() == 2


def test_guessing_links_and_answers_is_rate_limited_per_network_address(
    reached: Any,
    outbox: FileGateway,
    client: Client,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Unknown check-in links and check-in answers count against the address's hourly limit
    (the same limit as the self-service form's dates of birth); another address is unaffected."""
    settings.SELF_SERVICE_IP_ATTEMPTS_PER_HOUR = 3
    with django_capture_on_commit_callbacks(execute=True):
        send_check_ins(at_local(timezone.localdate(), 12), False)
    path = check_in_path(outbox)
    for guess in ("a" * 43, "b" * 43):
        assert client.get(f"/check-in/{guess}/").status_code == 404
    invalid = client.post(path, {"unwell": "yes", "needs_help": "no"})  # the third attempt
    assert invalid.status_code == 400
    assert client.get(f"/check-in/{'c' * 43}/").status_code == 429  # the fourth
    assert client.post(path, {"unwell": "no", "needs_help": "no"}).status_code == 429
    assert FollowUp.objects.get().status != FollowUpStatus.COMPLETED
    other = Client(REMOTE_ADDR="192.0.2.9")
    assert other.get(path).status_code == 200  # opening a real link is not an attempt
    assert other.post(path, {"unwell": "no", "needs_help": "no"}).status_code == 302
