"""Daily follow-up of contacts in isolation: check-in links, answers, and the calls they raise.

Each day from ``CHECK_IN_HOUR`` every contact in isolation gets one check-in link
(one per person, even if several cases named them) with their isolation end
date. Symptoms open a "book a test" task; a need for support opens a follow-up
call; two check-ins in a row without an answer open a follow-up call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from tracedesk.audit.actions import record_event, record_events
from tracedesk.audit.models import Action
from tracedesk.cases.models import Contact
from tracedesk.followup.models import FollowUp, FollowUpStatus
from tracedesk.messaging.actions import choose_channel, send_to_people
from tracedesk.messaging.gateways import gateway
from tracedesk.selfservice.actions import link_url, new_token
from tracedesk.selfservice.models import AccessLink, LinkKind, hash_token
from tracedesk.tracing.actions import open_task
from tracedesk.tracing.models import TaskKind, TaskStatus, TracingTask

SOURCE = "follow-up"
SILENT_DAYS = 2  # check-ins in a row without an answer before someone calls


def isolation_ends_on(contact: Contact) -> dt.date:
    """The last day of a contact's isolation: ``ISOLATION_DAYS`` after their last exposure."""
    return contact.last_exposure_date + dt.timedelta(days=settings.ISOLATION_DAYS)


def contacts_in_isolation(today: dt.date) -> list[Contact]:
    """One contact per person told to isolate whose isolation runs today (latest exposure wins).

    "Told to isolate": some "reach the contact" task for the person is done.
    """
    reached = TracingTask.objects.filter(
        kind=TaskKind.REACH_CONTACT, status=TaskStatus.DONE, contact__person=OuterRef("person")
    )
    candidates = (
        Contact.objects.filter(
            last_exposure_date__gte=today - dt.timedelta(days=settings.ISOLATION_DAYS),
            last_exposure_date__lte=today,
        )
        .filter(Exists(reached))
        .select_related("person")
        .order_by("person_id", "-last_exposure_date", "-pk")
    )
    latest: dict[int, Contact] = {}
    for contact in candidates:
        latest.setdefault(contact.person_id, contact)
    checked_today = set(
        FollowUp.objects.filter(due_on=today, contact__person__in=latest.keys()).values_list(
            "contact__person", flat=True
        )
    )
    return [c for person, c in latest.items() if person not in checked_today]


def send_check_in(contact: Contact, *, today: dt.date, now: dt.datetime) -> str:
    """Create today's check-in, its link and its message; 'sent', 'no_channel' or 'already'."""
    if not choose_channel(contact.person, gateway().channels)[1]:
        return "no_channel"
    token = new_token()
    ends = isolation_ends_on(contact)
    try:
        with transaction.atomic():
            follow_up = FollowUp.objects.create(
                contact=contact, jurisdiction_id=contact.jurisdiction_id, due_on=today
            )
            record_event(None, Action.CREATE, follow_up, purpose="daily check-in", source=SOURCE)
            link = AccessLink.objects.create(
                kind=LinkKind.CHECK_IN,
                person=contact.person,
                jurisdiction_id=contact.jurisdiction_id,
                follow_up=follow_up,
                token_hash=hash_token(token),
                created_at=now,
                expires_at=now + dt.timedelta(hours=settings.SELF_SERVICE_LINK_HOURS),
            )
            record_event(None, Action.CREATE, link, purpose="check-in link", source=SOURCE)
            send_to_people(
                [contact.person],
                template="followup_check_in",
                context_for=lambda _: {"link": link_url(link.kind, token), "ends_on": ends},
                regarding=lambda _: contact,
                actor=None,
                purpose="daily check-in",
                source=SOURCE,
            )
    except IntegrityError:
        return "already"
    return "sent"


def send_check_ins(now: dt.datetime, dry_run: bool, *, limit: int = 2000) -> dict[str, int]:
    """Worker job: today's check-in for every contact in isolation (from CHECK_IN_HOUR)."""
    local = timezone.localtime(now)
    if local.hour < settings.CHECK_IN_HOUR:
        return {"due": 0}
    contacts = contacts_in_isolation(local.date())[:limit]
    counts = {"due": len(contacts), "sent": 0, "no_channel": 0, "already": 0}
    if dry_run:
        return counts
    for contact in contacts:
        counts[send_check_in(contact, today=local.date(), now=now)] += 1
    return counts


@transaction.atomic
def record_check_in(
    follow_up: FollowUp,
    *,
    symptoms: Sequence[str],
    support_needs: Sequence[str],
    now: dt.datetime,
) -> FollowUp:
    """Record a contact's answers; symptoms open "book a test", a need for support a call."""
    follow_up = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("contact")
        .get(pk=follow_up.pk)
    )
    follow_up.status = FollowUpStatus.COMPLETED
    follow_up.has_symptoms = bool(symptoms)
    follow_up.symptoms = sorted(symptoms)
    follow_up.needs_support = bool(support_needs)
    follow_up.support_needs = sorted(support_needs)
    follow_up.completed_at = now
    fields = ["status", "has_symptoms", "symptoms", "needs_support", "support_needs",
              "completed_at"]  # fmt: skip
    task = None
    if symptoms:
        task = open_task(
            TaskKind.BOOK_TEST,
            contact=follow_up.contact,
            due_by=now + dt.timedelta(hours=24),
            priority=2,
            reason="contact reported symptoms at check-in",
            actor=None,
            source=SOURCE,
        )
    if support_needs:
        support = open_task(
            TaskKind.FOLLOW_UP,
            contact=follow_up.contact,
            due_by=now + dt.timedelta(hours=24),
            priority=3,
            reason="contact asked for support at check-in",
            actor=None,
            source=SOURCE,
        )
        task = task or support
    if task is not None:
        follow_up.call_task = task
        fields.append("call_task")
    follow_up.full_clean()
    follow_up.save(update_fields=fields)
    record_event(None, Action.UPDATE, follow_up, purpose="check-in answered", source=SOURCE,
                 fields=fields)  # fmt: skip
    return follow_up


def close_missed(now: dt.datetime, dry_run: bool) -> dict[str, int]:
    """Worker job: yesterday's unanswered check-ins are missed; two in a row open a call."""
    today = timezone.localdate(now)
    overdue = FollowUp.objects.filter(status=FollowUpStatus.PENDING, due_on__lt=today)
    counts = {"missed": overdue.count(), "calls": 0}
    if dry_run:
        return counts
    with transaction.atomic():
        ids = list(overdue.select_for_update().values_list("pk", flat=True))
        FollowUp.objects.filter(pk__in=ids).update(status=FollowUpStatus.MISSED)
        record_events(None, Action.UPDATE, FollowUp, ids, purpose="check-in missed",
                      source=SOURCE)  # fmt: skip
    # A call is due for each contact whose latest SILENT_DAYS check-ins were all missed
    # and have not raised a call yet.
    recent = FollowUp.objects.filter(
        due_on__gte=today - dt.timedelta(days=SILENT_DAYS), due_on__lt=today
    ).order_by("contact_id", "-due_on")
    by_contact: dict[int, list[FollowUp]] = {}
    for follow_up in recent:
        by_contact.setdefault(follow_up.contact_id, []).append(follow_up)
    for rows in by_contact.values():
        latest = rows[:SILENT_DAYS]
        silent = len(latest) == SILENT_DAYS and all(
            f.status == FollowUpStatus.MISSED and f.call_task_id is None for f in latest
        )
        if silent:
            counts["calls"] += _call_the_silent(latest[0], now=now)
    return counts


@transaction.atomic
def _call_the_silent(follow_up: FollowUp, *, now: dt.datetime) -> int:
    task = open_task(
        TaskKind.FOLLOW_UP,
        contact=follow_up.contact,
        due_by=now + dt.timedelta(hours=24),
        priority=2,
        reason=f"no answer to {SILENT_DAYS} daily check-ins",
        actor=None,
        source=SOURCE,
    )
    follow_up.call_task = task
    follow_up.save(update_fields=["call_task"])
    record_event(None, Action.UPDATE, follow_up, purpose="call opened", source=SOURCE,
                 fields=["call_task"])  # fmt: skip
    return 1
