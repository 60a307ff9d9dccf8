"""Writes to cases and contacts: each atomic and audited."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tracedesk.audit.actions import record_event, record_events
from tracedesk.audit.models import Action
from tracedesk.bulk import among, insert_rows
from tracedesk.cases.exposure import Exposure
from tracedesk.cases.models import Case, CaseStatus, Contact
from tracedesk.people.actions import find_or_create_person, postcode_of
from tracedesk.people.details import PersonDetails
from tracedesk.people.matching import PersonRef
from tracedesk.people.models import Person
from tracedesk.tracing.actions import create_contact_task


@transaction.atomic
def open_or_extend_cases(
    positives: Sequence[tuple[PersonRef, dt.datetime]],
    *,
    opened_at: dt.datetime | None = None,
    actor: object,
    source: str,
) -> list[tuple[int, bool]]:
    """Attach each positive specimen (person, collected at) to its episode, or open a case.

    Returns, for each, the case id and whether this specimen opened it. The
    episode rule: a specimen within ``settings.EPISODE_DAYS`` of a case's specimens
    (after its latest, or before its first when results arrive out of order)
    belongs to that case, which widens to include it. Specimens are applied in
    the order given, exactly as one call each would; set-based: a few statements
    for any number.
    """
    window = dt.timedelta(days=settings.EPISODE_DAYS)
    episodes: dict[int, list[_Episode]] = defaultdict(list)
    for pk, owner, first, latest in (
        Case.objects.select_for_update()
        .filter(among(Case, "person", {person.pk for person, _ in positives}))
        .values_list("pk", "person_id", "first_specimen_at", "latest_specimen_at")
    ):
        episodes[owner].append(_Episode(pk, first, latest, (first, latest)))
    opened: list[tuple[_Episode, PersonRef]] = []
    found: list[tuple[_Episode, bool]] = []
    for person, at in positives:
        fitting = [
            e for e in episodes[person.pk] if e.first <= at + window and e.latest >= at - window
        ]
        if fitting:
            episode = max(fitting, key=lambda e: e.latest)
            episode.first, episode.latest = min(episode.first, at), max(episode.latest, at)
            found.append((episode, False))
            continue
        episode = _Episode(0, at, at)
        episodes[person.pk].append(episode)
        opened.append((episode, person))
        found.append((episode, True))
    when = opened_at or timezone.now()
    ids = insert_rows(
        Case,
        [*("person", "jurisdiction", "status", "first_specimen_at", "latest_specimen_at"),
         *("is_complex", "created_at")],
        [(person.pk, person.jurisdiction_id, CaseStatus.OPEN, e.first, e.latest, False, when)
         for e, person in opened],
    )  # fmt: skip
    for (episode, _), pk in zip(opened, ids, strict=True):
        episode.pk = pk
    record_events(actor, Action.CREATE, Case, ids, purpose="new positive result", source=source)
    for episode in (e for es in episodes.values() for e in es if e.changed_fields()):
        changed = episode.changed_fields()
        Case.objects.filter(pk=episode.pk).update(
            first_specimen_at=episode.first, latest_specimen_at=episode.latest
        )
        record_event(
            actor, Action.UPDATE, Case(pk=episode.pk), purpose="positive result within the episode",
            source=source, fields=changed,
        )  # fmt: skip
    return [(episode.pk, created) for episode, created in found]


@dataclass
class _Episode:
    pk: int  # 0 until a new case is inserted
    first: dt.datetime
    latest: dt.datetime
    stored: tuple[dt.datetime, dt.datetime] | None = None  # bounds in the database

    def changed_fields(self) -> list[str]:
        """The bounds of a stored case that this call has moved."""
        if self.stored is None:
            return []
        return [
            name
            for name, now, before in zip(
                ("first_specimen_at", "latest_specimen_at"),
                (self.first, self.latest),
                self.stored,
                strict=True,
            )
            if now != before
        ]


def open_or_extend_case(
    person: Person,
    specimen_at: dt.datetime,
    *,
    opened_at: dt.datetime | None = None,
    actor: object,
    source: str,
) -> tuple[Case, bool]:
    """One positive specimen: see ``open_or_extend_cases``."""
    ref = PersonRef(person.pk, person.jurisdiction_id, person.preferred_language)
    [(pk, created)] = open_or_extend_cases(
        [(ref, specimen_at)], opened_at=opened_at, actor=actor, source=source
    )
    return Case.objects.get(pk=pk), created


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
    to be reached within ``settings.CONTACT_DEADLINE_HOURS`` of being reported, or
    sooner (``tracing.priorities``).
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
        near=postcode_of(case.person_id),
    )
    return add_known_contact(
        case, person, exposure, reported_at=reported_at, source_ref=source_ref, actor=actor,
        source=source,
    )  # fmt: skip


@transaction.atomic
def add_known_contact(
    case: Case,
    person: Person,
    exposure: Exposure,
    *,
    reported_at: dt.datetime,
    source_ref: str = "",
    actor: object,
    source: str,
) -> tuple[Contact, bool]:
    """Record a person the register already holds as a contact of a case (see add_contact)."""
    return add_person_as_contact(
        case, person, exposure, reported_at=reported_at, source_ref=source_ref, actor=actor,
        source=source,
    )  # fmt: skip


@transaction.atomic
def add_person_as_contact(
    case: Case,
    person: Person,
    exposure: Exposure,
    *,
    reported_at: dt.datetime,
    source_ref: str = "",
    actor: object,
    source: str,
) -> tuple[Contact, bool]:
    """Record a known person (a household member, a matched person) as a case's contact.

    Idempotent per case and person; creates the task to reach them (see ``add_contact``).
    """
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
    # Priority and deadline: tracing.priorities (within CONTACT_DEADLINE_HOURS, sooner
    # when the isolation window is closing).
    create_contact_task(contact, created_at=reported_at, actor=actor, source=source)
    return contact, True


@transaction.atomic
def record_onset_date(
    case: Case, onset_date: dt.date | None, *, actor: object, source: str
) -> Case:
    """Record the day the case's symptoms began (None: no symptoms), from the interview."""
    if onset_date is not None and onset_date > timezone.localdate():
        raise ValidationError({"onset_date": f"case {case.pk}: symptom onset is in the future"})
    if case.onset_date != onset_date:
        case.onset_date = onset_date
        case.save(update_fields=["onset_date"])
        record_event(actor, Action.UPDATE, case, purpose="case interview", source=source,
                     fields=["onset_date"])  # fmt: skip
    return case
