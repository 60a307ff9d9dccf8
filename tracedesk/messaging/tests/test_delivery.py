"""Channel choice, retries with backoff, failure into a call task, and Notify's receipts."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tracedesk.messaging.actions import BACKOFF, deliver_due, send_to_people
from tracedesk.messaging.gateways import NotifyGateway
from tracedesk.messaging.models import Channel, Message, MessageStatus
from tracedesk.messaging.testing import RECEIPT_TOKEN, FakeNotifyClient
from tracedesk.testing.world import World
from tracedesk.tracing.actions import defer_task
from tracedesk.tracing.models import TaskKind, TaskStatus, TracingTask

START = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def send_notice(person: Any, capture: Any, **kwargs: Any) -> Message:
    with capture(execute=True):
        [message] = send_to_people(
            [person], template="notice", context_for=lambda p: {"text": "Hi."},
            actor=None, purpose="tests", source="tests", **kwargs,
        )  # fmt: skip
    message.refresh_from_db()
    return message


def test_the_production_notify_gateway_uses_the_real_client(settings: Any) -> None:
    from notifications_python_client.notifications import NotificationsAPIClient

    settings.NOTIFY_API_KEY = "test_key-" + "0" * 36 + "-" + "1" * 36
    assert isinstance(NotifyGateway().client, NotificationsAPIClient)


def test_mobile_goes_by_text_message_and_landline_by_email(
    world: World, notify: FakeNotifyClient, django_capture_on_commit_callbacks: Any
) -> None:
    person = world.district("a").person
    message = send_notice(person, django_capture_on_commit_callbacks)
    assert (message.channel, message.status) == (Channel.SMS, MessageStatus.SENT)
    assert message.address == person.phone  # kept until Notify reports delivery
    assert notify.calls[0]["template_id"] == "sms-template"
    person.phone, person.email = "01132000000", "case.a@example.org"
    person.save()
    message = send_notice(person, django_capture_on_commit_callbacks)
    assert message.channel == Channel.EMAIL
    assert notify.calls[1]["email_address"] == "case.a@example.org"
    assert notify.calls[1]["personalisation"]["subject"]


def test_no_phone_or_email_fails_at_once_into_a_call(
    world: World, notify: FakeNotifyClient, django_capture_on_commit_callbacks: Any
) -> None:
    contact = world.district("a").contact  # a contact with no phone or email
    message = send_notice(contact.person, django_capture_on_commit_callbacks)
    assert message.status == MessageStatus.FAILED and notify.calls == []
    assert message.call_task is not None
    assert (message.call_task.kind, message.call_task.contact_id) == (
        TaskKind.FOLLOW_UP,
        contact.pk,
    )


def test_failures_are_retried_with_backoff_then_become_a_call(
    world: World, notify: FakeNotifyClient, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MESSAGE_MAX_ATTEMPTS = 3
    district = world.district("a")
    notify.fail_with = 500
    with time_machine.travel(START, tick=False):
        message = send_notice(
            district.person, django_capture_on_commit_callbacks, regarding=lambda p: district.case
        )
        assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)
        assert message.next_attempt_at == START + BACKOFF[0]
        assert "500" in message.error
        assert deliver_due(START + dt.timedelta(seconds=30))["due"] == 0  # not yet
        assert deliver_due(START + BACKOFF[0]) == {
            "due": 1, "sent": 0, "retrying": 1, "failed": 0, "skipped": 0,
        }  # fmt: skip
        message.refresh_from_db()
        assert message.attempts == 2
        assert message.next_attempt_at == START + BACKOFF[0] + BACKOFF[1]
        assert deliver_due(message.next_attempt_at)["failed"] == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempts == 3
    assert message.address == "" and message.body == ""
    task = message.call_task
    assert task is not None and task.kind == TaskKind.REACH_CASE
    assert task == district.case_task  # the case's own call, not a second one
    assert TracingTask.objects.filter(case=district.case, kind=TaskKind.REACH_CASE).count() == 1


def test_a_failed_invitation_brings_a_deferred_call_forward(
    world: World, notify: FakeNotifyClient, django_capture_on_commit_callbacks: Any
) -> None:
    district = world.district("a")
    later = timezone.now() + dt.timedelta(hours=4)
    defer_task(district.case_task, until=later, reason="tests", actor=None, source="tests")
    notify.fail_with = 400  # a number Notify refuses: retrying cannot help
    message = send_notice(
        district.person, django_capture_on_commit_callbacks, regarding=lambda p: district.case
    )
    assert message.status == MessageStatus.FAILED and message.attempts == 1
    district.case_task.refresh_from_db()
    assert district.case_task.available_from is not None
    assert district.case_task.available_from <= timezone.now()


def test_a_message_is_sent_once_even_if_two_workers_try(
    world: World, notify: FakeNotifyClient, django_capture_on_commit_callbacks: Any
) -> None:
    notify.fail_with = 503
    message = send_notice(world.district("a").person, django_capture_on_commit_callbacks)
    notify.fail_with = None
    due = message.next_attempt_at
    assert due is not None
    first = deliver_due(due)
    second = deliver_due(due)  # what a second worker finds afterwards
    assert first["sent"] == 1 and second["due"] == 0
    assert len(notify.calls) == 1


# --- Notify's delivery receipts --------------------------------------------------------------


def post_receipt(client: Client, body: object, token: str | None = RECEIPT_TOKEN) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(
        reverse("notify-status"),
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


@pytest.fixture
def sent(
    world: World, notify: FakeNotifyClient, django_capture_on_commit_callbacks: Any
) -> Message:
    district = world.district("a")
    return send_notice(
        district.person, django_capture_on_commit_callbacks, regarding=lambda p: district.case
    )


def test_receipts_need_the_shared_bearer_token(sent: Message, client: Client) -> None:
    body = {"id": sent.provider_ref, "status": "delivered"}
    assert post_receipt(client, body, token=None).status_code == 401
    assert post_receipt(client, body, token="wrong").status_code == 401
    sent.refresh_from_db()
    assert sent.status == MessageStatus.SENT
    assert client.get(reverse("notify-status")).status_code == 405


def test_a_delivery_receipt_marks_delivered_and_forgets_the_address(
    sent: Message, client: Client
) -> None:
    body = {"id": sent.provider_ref, "reference": f"tracedesk-{sent.pk}", "status": "delivered"}
    response = post_receipt(client, body)
    assert response.status_code == 200 and response.json()["outcome"] == "delivered"
    sent.refresh_from_db()
    assert sent.status == MessageStatus.DELIVERED and sent.delivered_at is not None
    assert sent.address == "" and sent.body == ""
    assert post_receipt(client, body).json()["outcome"] == "ignored"  # a repeat changes nothing


def test_a_permanent_failure_receipt_opens_the_call(sent: Message, client: Client) -> None:
    post_receipt(client, {"id": sent.provider_ref, "status": "permanent-failure"})
    sent.refresh_from_db()
    assert sent.status == MessageStatus.FAILED
    assert sent.call_task is not None and sent.call_task.status == TaskStatus.OPEN


def test_a_temporary_failure_receipt_queues_a_retry(sent: Message, client: Client) -> None:
    assert (
        post_receipt(client, {"id": sent.provider_ref, "status": "temporary-failure"}).json()[
            "outcome"
        ]
        == "retrying"
    )
    sent.refresh_from_db()
    assert sent.status == MessageStatus.QUEUED and sent.next_attempt_at is not None
    assert sent.address  # still needed for the retry


def test_bad_receipts_are_refused(sent: Message, client: Client) -> None:
    assert post_receipt(client, {"status": "delivered"}).status_code == 400
    assert post_receipt(client, {"id": "no-such-id", "status": "delivered"}).status_code == 404
    response = client.post(
        reverse("notify-status"), data="not json", content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {RECEIPT_TOKEN}",
    )  # fmt: skip
    assert response.status_code == 400


def test_a_message_held_by_a_killed_worker_is_sent_after_its_lease(
    world: World, notify: FakeNotifyClient
) -> None:
    from tracedesk.messaging.actions import SEND_LEASE

    with time_machine.travel(START, tick=False):
        [message] = send_to_people(
            [world.district("a").person], template="notice", context_for=lambda p: {"text": "x"},
            actor=None, purpose="tests", source="tests",
        )  # fmt: skip
        # A worker claimed it and died before recording anything.
        Message.objects.filter(pk=message.pk).update(attempts=1, next_attempt_at=START + SEND_LEASE)
        assert deliver_due(START)["due"] == 0 and notify.calls == []
        assert deliver_due(START + SEND_LEASE)["sent"] == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)


def test_a_claimed_batch_cannot_be_claimed_again(world: World, notify: FakeNotifyClient) -> None:
    from tracedesk.messaging.actions import _claim

    [message] = send_to_people(
        [world.district("a").person], template="notice", context_for=lambda p: {"text": "x"},
        actor=None, purpose="tests", source="tests",
    )  # fmt: skip
    now = timezone.now()
    first, second = _claim([message.pk], now), _claim([message.pk], now)
    assert [m.pk for m in first] == [message.pk] and second == []
