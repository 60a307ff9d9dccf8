"""Writes to cases and contacts: each atomic and audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tracedesk.audit.actions import record_event
from tracedesk.audit.models import Action
from tracedesk.cases.models import Case, CaseStatus, Contact
from tracedesk.people.actions import find_or_create_person
from tracedesk.people.details import PersonDetails
from tracedesk.people.models import Person
from tracedesk.places.models import Setting
from tracedesk.tracing.actions import create_contact_task


@transaction.atomic
def open_or_extend_case(
    person: Person,
    specimen_at: dt.datetime,
    *,
    opened_at: dt.datetime | None = None,
    actor: object,
    source: str,
) -> tuple[Case, bool]:
    """Attach a positive specimen to the person's episode, or open a new case.

    The episode rule: a specimen within ``settings.EPISODE_DAYS`` of a case's
    specimens (after its latest, or before its first when results arrive out of
    order) belongs to that case, which widens to include it.
    """
    window = dt.timedelta(days=settings.EPISODE_DAYS)
    episode = (
        Case.objects.select_for_update()
        .filter(
            person=person,
            first_specimen_at__lte=specimen_at + window,
            latest_specimen_at__gte=specimen_at - window,
        )
        .order_by("-latest_specimen_at")
        .first()
    )
    if episode:
        changed = []
        if specimen_at > episode.latest_specimen_at:
            episode.latest_specimen_at, changed = specimen_at, ["latest_specimen_at"]
        elif specimen_at < episode.first_specimen_at:
            episode.first_specimen_at, changed = specimen_at, ["first_specimen_at"]
        if changed:
            episode.save(update_fields=changed)
            record_event(
                actor,
                Action.UPDATE,
                episode,
                purpose="positive result within the episode",
                source=source,
                fields=changed,
            )
        return episode, False
    case = Case.objects.create(
        person=person,
        jurisdiction=person.jurisdiction,
        status=CaseStatus.OPEN,
        first_specimen_at=specimen_at,
        latest_specimen_at=specimen_at,
        created_at=opened_at or timezone.now(),
    )
    record_event(actor, Action.CREATE, case, purpose="new positive result", source=source)
    return case, True


@dataclass(frozen=True)
class Exposure:
    """How a contact was exposed to a case."""

    contact_type: str
    last_exposure_date: dt.date
    proximity: str = "other"
    duration_minutes: int | None = None
    setting: Setting | None = None


@transaction.atomic
def add_contact(
    case: Case,
    details: PersonDetails,
    exposure: Exposure,
    *,
    reported_at: dt.datetime,
    source_ref: str = "",
    actor: object,
    source: str,
) -> tuple[Contact, bool]:
    """Record a contact named by a case and create the task to reach them.

    Idempotent: the same report (``source_ref``) again, or the same person named
    twice for one case, returns the existing contact (False). A new contact is due
    to be reached within ``settings.CONTACT_DEADLINE_HOURS`` of being reported.
    """
    if source_ref:
        reported = Contact.objects.filter(source_ref=source_ref).first()
        if reported:
            return reported, False
    person, _ = find_or_create_person(
        details,
        fallback_jurisdiction=case.jurisdiction,
        actor=actor,
        source=source,
        purpose="contact named by a case",
    )
    if person.pk == case.person_id:
        raise ValidationError({"person": f"case {case.pk}: a case cannot be their own contact"})
    existing = Contact.objects.filter(case=case, person=person).first()
    if existing:
        return existing, False
    contact = Contact(
        case=case,
        person=person,
        jurisdiction=person.jurisdiction,
        contact_type=exposure.contact_type,
        last_exposure_date=exposure.last_exposure_date,
        proximity=exposure.proximity,
        duration_minutes=exposure.duration_minutes,
        setting=exposure.setting,
        reported_at=reported_at,
        source_ref=source_ref,
    )
    contact.full_clean()
    contact.save()
    record_event(actor, Action.CREATE, contact, purpose="contact named by a case", source=source)
    due = reported_at + dt.timedelta(hours=settings.CONTACT_DEADLINE_HOURS)
    create_contact_task(contact, due_by=due, created_at=reported_at, actor=actor, source=source)
    return contact, True
