"""Self-service links and what people send through them: each write atomic and audited.

A new case is invited (by the worker job ``selfservice.invite_new_cases``) with
a single-use link, and their "reach the case" call is held back for
``SELF_SERVICE_HOURS``. The form's contacts and places go through the same
matching and actions as a tracer's interview; completing it completes the call.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.cases.actions import Exposure, add_contact
from tracedesk.cases.models import Case, ContactType
from tracedesk.messaging.actions import choose_channel, send_to_people
from tracedesk.messaging.gateways import gateway
from tracedesk.people.actions import jurisdiction_for_postcode
from tracedesk.people.details import PersonDetails, check_storable
from tracedesk.places.actions import record_case_attendance, register_setting
from tracedesk.places.models import AttendanceSource, Setting
from tracedesk.selfservice.models import AccessLink, LinkKind, Throttle, hash_token
from tracedesk.tracing.actions import complete_task, defer_task
from tracedesk.tracing.models import TaskKind, TaskStatus, TracingTask

SOURCE = "self-service"
LOOK_BACK_DAYS = 2  # the exposure window opens this many days before onset (or the test)


def new_token() -> str:
    """Return a fresh link token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def link_url(kind: str, token: str) -> str:
    """Return the public address of a link."""
    name = "selfservice-start" if kind == LinkKind.SELF_SERVICE else "check-in"
    return settings.PUBLIC_URL + reverse(name, kwargs={"token": token})


def find_link(token: str) -> AccessLink | None:
    """Return the link whose token this is, if any."""
    if not token or len(token) > 100:
        return None
    return (
        AccessLink.objects.select_related("person", "case", "case__person")
        .filter(token_hash=hash_token(token))
        .first()
    )


def exposure_window(case: Case) -> tuple[dt.date, dt.date]:
    """The days the case is asked about: from 2 days before onset (or the test) to today."""
    start = case.onset_date or timezone.localdate(case.first_specimen_at)
    return start - dt.timedelta(days=LOOK_BACK_DAYS), timezone.localdate()


# --- Invitations -------------------------------------------------------------------------


def invitable_cases(now: dt.datetime, *, limit: int = 500) -> list[Case]:
    """New open cases with no invitation whose call is still waiting, oldest first.

    Complex cases are left to the health protection team's call; only cases opened in
    the last day are invited (older ones are already being called).
    """
    waiting = TracingTask.objects.filter(
        kind=TaskKind.REACH_CASE, status=TaskStatus.OPEN, assignee__isnull=True
    ).values("case_id")
    return list(
        Case.objects.filter(
            status="open",
            is_complex=False,
            created_at__gte=now - dt.timedelta(days=1),
            created_at__lte=now,
            pk__in=waiting,
        )
        .exclude(links__kind=LinkKind.SELF_SERVICE)
        .select_related("person")
        .order_by("created_at", "pk")[:limit]
    )


def invite_case(case: Case, *, now: dt.datetime) -> str:
    """Invite one case: link, message, and the call held back. Returns what happened.

    'invited'; 'no_birth_date' or 'no_channel' (the call goes ahead); 'already'
    (another worker invited them first). All-or-nothing in one transaction.
    """
    person = case.person
    if person.date_of_birth is None:
        return "no_birth_date"  # nothing to confirm the link with
    if not choose_channel(person, gateway().channels)[1]:
        return "no_channel"
    token = new_token()
    hours = settings.SELF_SERVICE_HOURS
    try:
        with transaction.atomic():
            link = AccessLink.objects.create(
                kind=LinkKind.SELF_SERVICE,
                person=person,
                jurisdiction_id=case.jurisdiction_id,
                case=case,
                token_hash=hash_token(token),
                created_at=now,
                expires_at=now + dt.timedelta(hours=settings.SELF_SERVICE_LINK_HOURS),
            )
            record_event(None, Action.CREATE, link, purpose="self-service invitation",
                         source=SOURCE)  # fmt: skip
            send_to_people(
                [person],
                template="selfservice_invitation",
                context_for=lambda _: {"link": link_url(link.kind, token), "hours": hours},
                regarding=lambda _: case,
                actor=None,
                purpose="self-service invitation",
                source=SOURCE,
            )
            task = (
                TracingTask.objects.filter(
                    case=case, kind=TaskKind.REACH_CASE, status=TaskStatus.OPEN
                )
                .order_by("pk")
                .first()
            )
            if task is not None:
                defer_task(
                    task,
                    until=now + dt.timedelta(hours=hours),
                    reason="waiting for the self-service form",
                    actor=None,
                    source=SOURCE,
                )
    except IntegrityError:
        return "already"
    return "invited"


def invite_new_cases(now: dt.datetime, dry_run: bool) -> dict[str, int]:
    """Worker job: invite every new case that has no invitation yet."""
    cases = invitable_cases(now)
    counts = {"found": len(cases), "invited": 0, "no_birth_date": 0, "no_channel": 0, "already": 0}
    if dry_run:
        return counts
    for case in cases:
        counts[invite_case(case, now=now)] += 1
    return counts


# --- Opening a link ------------------------------------------------------------------------


def _throttle_key(address: str) -> str:
    """Key a network address with the secret key: the table holds no address."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def allow_attempt(address: str, *, now: dt.datetime) -> bool:
    """Count an attempt from a network address; False once it passes the hourly limit."""
    window = now.replace(minute=0, second=0, microsecond=0)
    key = _throttle_key(address or "unknown")
    with transaction.atomic():
        throttle, _ = Throttle.objects.get_or_create(key=key, window_start=window)
        Throttle.objects.filter(pk=throttle.pk).update(hits=F("hits") + 1)
        throttle.refresh_from_db()
    return throttle.hits <= settings.SELF_SERVICE_IP_ATTEMPTS_PER_HOUR


@transaction.atomic
def check_birth_date(link: AccessLink, given: dt.date, *, now: dt.datetime) -> bool:
    """Compare the date of birth given with the person's; lock the link after too many misses."""
    link = (
        AccessLink.objects.select_for_update(of=("self",)).select_related("person").get(pk=link.pk)
    )
    if link.state(now) != "open":
        return False
    if link.person.date_of_birth == given:
        if link.verified_at is None:
            link.verified_at = now
            link.save(update_fields=["verified_at"])
            record_event(None, Action.UPDATE, link, purpose="link opened", source=SOURCE,
                         fields=["verified_at"])  # fmt: skip
        return True
    link.failed_checks += 1
    fields = ["failed_checks"]
    if link.failed_checks >= settings.SELF_SERVICE_DOB_ATTEMPTS:
        link.locked_at = now
        fields.append("locked_at")
    link.save(update_fields=fields)
    record_event(None, Action.UPDATE, link, purpose="wrong date of birth", source=SOURCE,
                 fields=fields)  # fmt: skip
    return False


# --- The form ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportedContact:
    first_name: str
    last_name: str
    phone: str
    email: str
    date_of_birth: dt.date | None
    household: bool
    last_contact: dt.date


@dataclass(frozen=True)
class ReportedPlace:
    name: str
    setting_type: str
    postcode: str
    visited_on: dt.date


class RowError(Exception):
    """A reported row the actions refused: which list, which row, which fields."""

    def __init__(self, section: str, index: int, errors: dict[str, list[str]]) -> None:
        super().__init__(f"{section} {index + 1}: {errors}")
        self.section, self.index, self.errors = section, index, errors


def _field_errors(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            key.removeprefix("person."): [str(m) for e in errs for m in e.messages]
            for key, errs in error.error_dict.items()
        }
    return {"__all__": list(error.messages)}


def _place_setting(case: Case, place: ReportedPlace, *, key: str) -> Setting:
    """The setting a reported place is: a known one by name and postcode, else a new one."""
    known = Setting.objects.filter(name__iexact=place.name.strip())
    if place.postcode:
        known = known.filter(address__postcode=place.postcode)
    else:
        known = known.filter(jurisdiction=case.jurisdiction)
    found = known.order_by("pk").first()
    if found is not None:
        return found
    where = jurisdiction_for_postcode(place.postcode) if place.postcode else None
    setting, _ = register_setting(
        name=place.name.strip(),
        setting_type=place.setting_type,
        jurisdiction=where or case.jurisdiction,
        postcode=place.postcode,
        external_ref=key,
        actor=None,
        source=SOURCE,
    )
    return setting


@transaction.atomic
def submit_form(
    link: AccessLink,
    contacts: Sequence[ReportedContact],
    places: Sequence[ReportedPlace],
    *,
    now: dt.datetime,
) -> dict[str, int]:
    """Record what a case reported, complete their call, and use up the link.

    All or nothing: a row the actions refuse raises RowError and nothing is kept.
    Each row has a stable ``source_ref`` so a form sent twice adds nothing twice.
    """
    link = (
        AccessLink.objects.select_for_update(of=("self",))
        .select_related("case", "person")
        .get(pk=link.pk)
    )
    if link.state(now) != "open" or link.verified_at is None or link.case is None:
        raise ValidationError({"link": "This link can no longer be used."})
    case = link.case
    home = case.person.address
    new_contacts = 0
    for i, reported in enumerate(contacts):
        details = PersonDetails(
            first_name=reported.first_name,
            last_name=reported.last_name,
            date_of_birth=reported.date_of_birth,
            phone=reported.phone,
            email=reported.email,
            # A household member lives at the case's address: matching finds the household.
            address_line1=home.line1 if reported.household and home else "",
            town=home.town if reported.household and home else "",
            postcode=home.postcode if reported.household and home else "",
        )
        try:
            check_storable(details)
            _, created = add_contact(
                case,
                details,
                Exposure(
                    contact_type=ContactType.HOUSEHOLD if reported.household else ContactType.OTHER,
                    last_exposure_date=reported.last_contact,
                ),
                reported_at=now,
                source_ref=f"selfservice-{link.pk}-contact-{i}",
                actor=None,
                source=SOURCE,
            )
        except ValidationError as error:
            raise RowError("contacts", i, _field_errors(error)) from error
        new_contacts += created
    for j, place in enumerate(places):
        try:
            setting = _place_setting(case, place, key=f"selfservice-{link.pk}-place-{j}")
            record_case_attendance(case, setting, place.visited_on,
                                   source_kind=AttendanceSource.SELF_SERVICE, actor=None,
                                   source=SOURCE)  # fmt: skip
        except ValidationError as error:
            raise RowError("places", j, _field_errors(error)) from error
    link.used_at = now
    link.save(update_fields=["used_at"])
    record_event(None, Action.UPDATE, link, purpose="self-service form completed", source=SOURCE,
                 fields=["used_at"])  # fmt: skip
    for task in TracingTask.objects.filter(
        case=case, kind=TaskKind.REACH_CASE, status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED]
    ):
        complete_task(task, reason="case completed the self-service form", actor=None,
                      source=SOURCE)  # fmt: skip
    return {"contacts": len(contacts), "new_contacts": new_contacts, "places": len(places)}
