"""Sending messages: one Message row and one gateway send per recipient, always.

``send_to_people`` writes the messages (queued) and their audit event in the
caller's transaction, and hands them to the gateway once that transaction has
committed. A message the gateway did not take stays queued and the worker job
``messaging.deliver`` retries it with growing delays; after
``MESSAGE_MAX_ATTEMPTS`` (or at once, when retrying cannot help) it fails and a
call task replaces it. Nothing queued is lost if a process dies: the outbox is
the table.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import timezone

from tracedesk.audit.actions import record_event, record_events
from tracedesk.audit.models import Action
from tracedesk.cases.models import Case, CaseStatus, Contact
from tracedesk.messaging.gateways import Accepted, Gateway, GatewayError, Outgoing, gateway
from tracedesk.messaging.models import Channel, Message, MessageStatus
from tracedesk.people.models import Person

log = logging.getLogger(__name__)

SOURCE = "messaging"
# Delay before attempt n+1 after attempt n failed: 1 min, 5 min, 30 min, 2 h, then 6 h.
BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
    dt.timedelta(hours=6),
)
# A worker holds a message this long while it talks to the gateway; if it dies
# meanwhile, another worker retries the message afterwards.
SEND_LEASE = dt.timedelta(minutes=10)
CLAIM_BATCH = 100  # messages claimed in one statement
RECORD_EVERY = 1.0  # seconds: how often sends are recorded (bounds a resend after a crash)
DEFAULT_SUBJECT = "A message from your local health protection team"

Regarding = Case | Contact | None


def is_mobile(phone: str) -> bool:
    """Return whether a stored (national form) UK number can receive text messages."""
    return len(phone) == 11 and phone.startswith("07") and not phone.startswith("070")


def choose_channel(person: Person, channels: Iterable[str]) -> tuple[str, str]:
    """Return (channel, address) for the person among the gateway's channels, or ("", "")."""
    for channel in channels:
        if channel == Channel.SMS and is_mobile(person.phone):
            return Channel.SMS, person.phone
        if channel == Channel.EMAIL and person.email:
            return Channel.EMAIL, person.email
    return "", ""


def render(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """Return (subject, body) from ``messaging/<template>.txt`` and optional ``.subject.txt``."""
    body = render_to_string(f"messaging/{template}.txt", context).strip()
    try:
        subject = render_to_string(f"messaging/{template}.subject.txt", context).strip()
    except TemplateDoesNotExist:
        subject = DEFAULT_SUBJECT
    return subject, body


@transaction.atomic
def send_to_people(
    people: Iterable[Person],
    *,
    template: str,
    context_for: Callable[[Person], dict[str, Any]] | None = None,
    regarding: Callable[[Person], Regarding] | None = None,
    actor: object,
    purpose: str,
    source: str,
) -> list[Message]:
    """Queue one message per person and send each once the transaction commits.

    The channel is the person's mobile (text message) or else their email, among
    those the gateway can use. A person with neither gets a message that has
    failed at once, so the call task that replaces it is opened now.
    ``regarding(person)`` names the case or contact the message is about, which
    is where that call task goes.
    """
    chosen = gateway()
    now = timezone.now()
    messages: list[Message] = []
    for person in people:
        channel, address = choose_channel(person, chosen.channels)
        context = {"first_name": person.first_name, **(context_for(person) if context_for else {})}
        subject, body = render(template, context)
        about = regarding(person) if regarding else None
        message = Message(
            person=person,
            jurisdiction_id=person.jurisdiction_id,
            case=about if isinstance(about, Case) else None,
            contact=about if isinstance(about, Contact) else None,
            channel=channel,
            address=address,
            template=template,
            purpose=purpose,
            subject=subject if channel == Channel.EMAIL else "",
            body=body if address else "",
            gateway=chosen.name,
            created_at=now,
            next_attempt_at=now,
        )
        if not address:
            message.status = MessageStatus.FAILED
            message.failed_at = now
            message.next_attempt_at = None
            message.error = "no mobile number or email address the gateway can use"
        messages.append(message)
    Message.objects.bulk_create(messages)
    record_events(
        actor, Action.CREATE, Message, [m.pk for m in messages], purpose=purpose, source=source
    )
    for message in messages:
        if message.status == MessageStatus.FAILED:
            _open_call_task(message, now=now)
    queued = [m.pk for m in messages if m.status == MessageStatus.QUEUED]
    if queued:
        transaction.on_commit(lambda: deliver_due(timezone.now(), ids=queued), robust=True)
    return messages


def deliver_due(
    now: dt.datetime, *, ids: list[int] | None = None, limit: int = 1000, dry_run: bool = False
) -> dict[str, int]:
    """Hand every queued message whose time has come to the gateway (once each).

    Messages are claimed a batch at a time (one committed UPDATE), sent one by one,
    and recorded as sent at least every second (``RECORD_EVERY``): if the worker dies,
    only the messages sent since the last record can be sent again, after their lease.
    """
    due = Message.objects.filter(status=MessageStatus.QUEUED, next_attempt_at__lte=now)
    if ids is not None:
        due = due.filter(pk__in=ids)
    pks = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    counts = {"due": len(pks), "sent": 0, "retrying": 0, "failed": 0, "skipped": 0}
    if dry_run:
        return counts
    chosen = gateway()
    for start in range(0, len(pks), CLAIM_BATCH):
        chunk = pks[start : start + CLAIM_BATCH]
        claimed = _claim(chunk, now)
        counts["skipped"] += len(chunk) - len(claimed)
        sent: list[tuple[Message, Accepted]] = []
        recorded_at = time.monotonic()
        for message in claimed:
            outcome = _send(message, chosen, now)
            if isinstance(outcome, str):
                counts[outcome] += 1
                continue
            sent.append((message, outcome))
            if time.monotonic() - recorded_at >= RECORD_EVERY:
                counts["sent"] += record_sent(sent, gateway_name=chosen.name,
                                              receipts=chosen.receipts, now=now)  # fmt: skip
                sent, recorded_at = [], time.monotonic()
        counts["sent"] += record_sent(sent, gateway_name=chosen.name, receipts=chosen.receipts,
                                      now=now)  # fmt: skip
    return counts


def _claim(pks: list[int], now: dt.datetime) -> list[Message]:
    """Take the still-due messages among ``pks`` for this worker; no other worker can take them."""
    token = secrets.token_hex(8)
    with transaction.atomic():
        Message.objects.filter(
            pk__in=pks, status=MessageStatus.QUEUED, next_attempt_at__lte=now
        ).update(attempts=F("attempts") + 1, next_attempt_at=now + SEND_LEASE, claim=token)
    return list(Message.objects.filter(pk__in=pks, claim=token).order_by("pk"))


def _send(message: Message, chosen: Gateway, now: dt.datetime) -> Accepted | str:
    """Send one claimed message; on failure record it and return the outcome's name."""
    outgoing = Outgoing(
        message_id=message.pk,
        channel=message.channel,
        to=message.address,
        subject=message.subject,
        body=message.body,
    )
    try:
        return chosen.send(outgoing)
    except GatewayError as error:
        return record_failure(message, reason=error.reason, permanent=error.permanent, now=now)
    except Exception:  # a gateway bug must not stop the other messages
        log.exception("message %s: gateway %s raised", message.pk, chosen.name)
        return record_failure(message, reason="gateway error", permanent=False, now=now)


@transaction.atomic
def record_sent(
    sent: list[tuple[Message, Accepted]], *, gateway_name: str, receipts: bool, now: dt.datetime
) -> int:
    """The gateway took these messages; forget each address unless a receipt may need it."""
    for message, accepted in sent:
        message.status = MessageStatus.DELIVERED if accepted.delivered else MessageStatus.SENT
        message.provider_ref = accepted.provider_ref
        message.gateway = gateway_name
        message.sent_at = now
        message.delivered_at = now if accepted.delivered else None
        message.next_attempt_at = None
        message.error = ""
        fields = ["status", "provider_ref", "gateway", "sent_at", "delivered_at",
                  "next_attempt_at", "error"]  # fmt: skip
        if accepted.delivered or not receipts:
            message.address, message.body = "", ""
            fields += ["address", "body"]
        message.save(update_fields=fields)
    record_events(None, Action.UPDATE, Message, [m.pk for m, _ in sent], purpose="message sent",
                  source=SOURCE)  # fmt: skip
    return len(sent)


@transaction.atomic
def record_failure(message: Message, *, reason: str, permanent: bool, now: dt.datetime) -> str:
    """Retry later with a longer delay, or give up and open a call task. Returns the outcome."""
    message.refresh_from_db()
    message.error = reason[:200]
    if permanent or message.attempts >= settings.MESSAGE_MAX_ATTEMPTS:
        give_up(message, now=now)
        return "failed"
    message.status = MessageStatus.QUEUED
    message.next_attempt_at = now + BACKOFF[min(message.attempts, len(BACKOFF)) - 1]
    message.save(update_fields=["status", "next_attempt_at", "error"])
    record_event(
        None,
        Action.UPDATE,
        message,
        purpose="message to be retried",
        source=SOURCE,
        fields=["status", "next_attempt_at", "error"],
    )
    return "retrying"


def give_up(message: Message, *, now: dt.datetime) -> None:
    """Mark the message failed for good, forget its address, and open a call in its place."""
    message.status = MessageStatus.FAILED
    message.failed_at = now
    message.next_attempt_at = None
    message.address, message.body = "", ""
    fields = ["status", "failed_at", "next_attempt_at", "address", "body", "error"]
    message.save(update_fields=fields)
    record_event(
        None, Action.UPDATE, message, purpose="message failed", source=SOURCE, fields=fields
    )
    _open_call_task(message, now=now)


def _open_call_task(message: Message, *, now: dt.datetime) -> None:
    """Open (or bring forward) the call that replaces a message nobody received."""
    from tracedesk.tracing.actions import defer_task, open_task
    from tracedesk.tracing.models import TaskKind

    case, contact = message.case, message.contact
    if case is None and contact is None:
        case = Case.objects.filter(person=message.person, status=CaseStatus.OPEN).first()
    if case is None and contact is None:
        contact = Contact.objects.filter(person=message.person).order_by("-reported_at").first()
    reason = f"message {message.pk} ({message.template}) could not be delivered"
    if contact is not None:
        task = open_task(
            TaskKind.FOLLOW_UP,
            contact=contact,
            due_by=now + dt.timedelta(hours=settings.CONTACT_DEADLINE_HOURS),
            priority=2,
            reason=reason,
            actor=None,
            source=SOURCE,
        )
    elif case is not None:
        task = open_task(
            TaskKind.REACH_CASE,
            case=case,
            due_by=now + dt.timedelta(hours=settings.CASE_DEADLINE_HOURS),
            priority=2,
            reason=reason,
            actor=None,
            source=SOURCE,
        )
    else:
        log.warning("message %s failed and concerns no case or contact", message.pk)
        return
    available_from = getattr(task, "available_from", None)
    if available_from is not None and available_from > now:
        # The case's call was waiting for the self-service form the message offered.
        defer_task(task, until=now, reason=reason, actor=None, source=SOURCE)
    message.call_task = task
    message.save(update_fields=["call_task"])
    record_event(
        None, Action.UPDATE, message, purpose="call opened", source=SOURCE, fields=["call_task"]
    )


# Notify's delivery statuses (https://docs.notifications.service.gov.uk/python.html).
NOTIFY_DELIVERED = {"delivered"}
NOTIFY_PERMANENT = {"permanent-failure"}
NOTIFY_RETRY = {"temporary-failure", "technical-failure"}


@transaction.atomic
def record_receipt(message: Message, status: str, *, now: dt.datetime) -> str:
    """Apply a provider's delivery receipt; idempotent (a repeated receipt changes nothing)."""
    message = Message.objects.select_for_update().get(pk=message.pk)
    if message.status != MessageStatus.SENT:
        return "ignored"
    if status in NOTIFY_DELIVERED:
        message.status = MessageStatus.DELIVERED
        message.delivered_at = now
        message.address, message.body = "", ""
        fields = ["status", "delivered_at", "address", "body"]
        message.save(update_fields=fields)
        record_event(
            None, Action.UPDATE, message, purpose="message delivered", source=SOURCE, fields=fields
        )
        return "delivered"
    if status in NOTIFY_PERMANENT | NOTIFY_RETRY:
        return record_failure(
            message,
            reason=f"Notify reported {status}",
            permanent=status in NOTIFY_PERMANENT,
            now=now,
        )
    return "ignored"  # created, sending, pending: nothing to do yet
