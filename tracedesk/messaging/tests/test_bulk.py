"""One message per recipient on every gateway: the 296-addresses incident cannot happen."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core import mail

from tracedesk.audit.models import AuditEvent
from tracedesk.geography.models import Jurisdiction
from tracedesk.messaging.actions import send_to_people
from tracedesk.messaging.gateways import SmtpGateway, use_gateway
from tracedesk.messaging.models import Message, MessageStatus
from tracedesk.messaging.testing import FakeNotifyClient
from tracedesk.people.models import Person

PEOPLE = 1000


def many_people(jurisdiction: Jurisdiction, *, with_mobile: bool) -> list[Person]:
    return Person.objects.bulk_create(
        Person(
            first_name=f"Bulk{i}",
            last_name="Recipient",
            phone=f"07700{i:06d}" if with_mobile else "",
            email=f"bulk{i}@example.org",
            jurisdiction=jurisdiction,
        )
        for i in range(PEOPLE)
    )


def notify_bulk(people: list[Person], capture: Callable[..., Any]) -> list[Message]:
    with capture(execute=True):
        return send_to_people(
            people,
            template="notice",
            context_for=lambda person: {"text": f"Your reference is {person.pk}."},
            actor=None,
            purpose="bulk notice",
            source="tests",
        )


@pytest.fixture
def leeds(db: None) -> Jurisdiction:
    return Jurisdiction.objects.create(code="E08000035", name="Leeds", level="local_authority")


def assert_one_row_per_person(messages: list[Message], people: list[Person]) -> None:
    assert len(messages) == PEOPLE
    rows = Message.objects.all()
    assert rows.count() == PEOPLE
    assert sorted(rows.values_list("person_id", flat=True)) == sorted(p.pk for p in people)
    assert set(rows.values_list("status", flat=True)) <= {
        MessageStatus.SENT,
        MessageStatus.DELIVERED,
    }
    event = AuditEvent.objects.get(object_type="messaging.message", action="create")
    assert sorted(event.object_ids) == sorted(m.pk for m in messages)


def test_notify_sends_1000_messages_each_to_one_number(
    leeds: Jurisdiction, notify: FakeNotifyClient, django_capture_on_commit_callbacks: Any
) -> None:
    people = many_people(leeds, with_mobile=True)
    messages = notify_bulk(people, django_capture_on_commit_callbacks)
    assert_one_row_per_person(messages, people)
    assert len(notify.calls) == PEOPLE
    numbers = [call["phone_number"] for call in notify.calls]
    assert all(isinstance(n, str) and n.isdigit() and len(n) == 11 for n in numbers)
    assert len(set(numbers)) == PEOPLE  # each person exactly once
    # Each body names only its own recipient.
    for call in notify.calls:
        message = Message.objects.get(pk=int(call["reference"].removeprefix("tracedesk-")))
        assert call["phone_number"] == message.person.phone
        body = call["personalisation"]["body"]
        assert body == f"Hello {message.person.first_name}. Your reference is {message.person_id}."


def test_smtp_sends_1000_emails_each_to_one_address_never_cc_or_bcc(
    leeds: Jurisdiction, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MESSAGE_GATEWAY = "smtp"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    people = many_people(leeds, with_mobile=True)  # SMTP has no SMS: email is chosen
    messages = notify_bulk(people, django_capture_on_commit_callbacks)
    assert_one_row_per_person(messages, people)
    assert len(mail.outbox) == PEOPLE
    for email in mail.outbox:
        assert len(email.to) == 1
        assert email.cc == [] and email.bcc == [] and email.reply_to == []
        assert len(email.recipients()) == 1
        assert "," not in email.message()["To"]
        assert email.message()["Cc"] is None and email.message()["Bcc"] is None
    assert len({email.to[0] for email in mail.outbox}) == PEOPLE
    # No receipts will come: the address is forgotten once sent.
    assert not Message.objects.exclude(address="").exists()


def test_file_gateway_writes_1000_lines_each_to_one_recipient(
    leeds: Jurisdiction, outbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    people = many_people(leeds, with_mobile=False)
    messages = notify_bulk(people, django_capture_on_commit_callbacks)
    assert_one_row_per_person(messages, people)
    lines = [json.loads(line) for line in Path(outbox.path).read_text().splitlines()]
    assert len(lines) == PEOPLE
    assert all(isinstance(line["to"], str) and line["to"].count("@") == 1 for line in lines)
    assert len({line["to"] for line in lines}) == PEOPLE
    assert {line["channel"] for line in lines} == {"email"}


def test_a_gateway_refuses_an_address_that_could_be_several(leeds: Jurisdiction) -> None:
    from tracedesk.messaging.gateways import GatewayError, Outgoing

    for address in ["a@example.org, b@example.org", "a@example.org;b@example.org", ""]:
        with pytest.raises(GatewayError) as refused:
            SmtpGateway().send(Outgoing(1, "email", address, "subject", "body"))
        assert refused.value.permanent
    use_gateway(None)
