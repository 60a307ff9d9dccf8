"""Writes of laboratory results: each atomic and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tracedesk.accounts.models import signed_in
from tracedesk.audit.actions import record_event, record_events
from tracedesk.audit.models import Action
from tracedesk.bulk import among, insert_rows
from tracedesk.cases.actions import open_or_extend_case, open_or_extend_cases
from tracedesk.geography.models import Jurisdiction
from tracedesk.ingest.models import (
    IngestBatch,
    RejectedRecord,
    RejectionStatus,
    Result,
    TestResult,
    TestResultRevision,
)
from tracedesk.ingest.validation import Invalid, LabResult, Valid, check, check_result
from tracedesk.linkage.households import propose_household_contacts
from tracedesk.people.actions import (
    find_or_create_people,
    find_or_create_person,
    jurisdictions_for_postcodes,
)
from tracedesk.people.details import PersonDetails
from tracedesk.people.matching import PersonRef, find_matches
from tracedesk.tracing.actions import create_case_task, create_case_tasks

POSITIVE = Result.POSITIVE

__all__ = [
    "ChunkOutcome",
    "LabResult",
    "correct_test_result",
    "ingest_chunk",
    "natural_key",
    "record_test_result",
    "resubmit_rejection",
    "store_new_results",
]


@transaction.atomic
def record_test_result(
    lab: LabResult,
    patient: PersonDetails,
    *,
    fallback_jurisdiction: Jurisdiction,
    received_at: dt.datetime | None = None,
    actor: object,
    source: str,
) -> tuple[TestResult, bool]:
    """Store a result once (natural key), and turn a positive one into a case and a task.

    Sending the same result again changes nothing and returns (existing, False).
    """
    existing = TestResult.objects.filter(
        lab_code=lab.lab_code, specimen_id=lab.specimen_id, test_code=lab.test_code
    ).first()
    if existing:
        return existing, False
    check_result(lab, f"{lab.lab_code}/{lab.specimen_id}")  # a feed record's rules
    [pk] = store_new_results(
        [(lab, patient)], fallback_jurisdiction=fallback_jurisdiction,
        received=received_at or timezone.now(), batch=None, actor=actor, source=source,
    )  # fmt: skip
    return TestResult.objects.get(pk=pk), True


PURPOSE = "laboratory result"
RESULT_COLUMNS = [
    *("lab_code", "specimen_id", "test_code", "test_name", "result", "specimen_collected_at"),
    *("result_at", "received_at", "person", "case", "jurisdiction", "batch"),
]


def store_new_results(
    new: Sequence[tuple[LabResult, PersonDetails]],
    *,
    fallback_jurisdiction: Jurisdiction,
    received: dt.datetime,
    batch: IngestBatch | None,
    actor: object,
    source: str,
    checked: bool = False,
) -> list[int]:
    """Store results not seen before, with their patients, and return the results' ids.

    A positive result finds or creates its Person and opens or extends their case,
    which gets its task "reach this case" due ``CASE_DEADLINE_HOURS`` after the
    result was received. A negative or void result is linked to the person only
    when tracing already knows them (matching, no new Person): tracedesk keeps no
    identity for the many people who test negative and are nobody's case or
    contact (data minimisation; the laboratory remains the record of their test).
    Such a result belongs to its patient's area by postcode, else to the fallback.

    Set-based (a few statements for any number) and inside the caller's transaction
    (a chunk, or one result). ``checked``: every patient has passed ``check_storable``.
    """
    positive = [patient for lab, patient in new if lab.result == POSITIVE]
    other = [patient for lab, patient in new if lab.result != POSITIVE]
    found = iter(
        find_or_create_people(
            [(patient, fallback_jurisdiction) for patient in positive], actor=actor,
            source=source, purpose=PURPOSE, checked=checked,
        )
    )  # fmt: skip
    known = iter(find_matches(other))
    areas = jurisdictions_for_postcodes({patient.postcode for patient in other})
    people: list[PersonRef | None] = [
        next(found)[0] if lab.result == POSITIVE else next(known) for lab, _ in new
    ]
    positives = [
        (person, lab.specimen_collected_at)
        for (lab, _), person in zip(new, people, strict=True)
        if lab.result == POSITIVE and person is not None
    ]
    opened = open_or_extend_cases(positives, opened_at=received, actor=actor, source=source)
    cases = iter(opened)
    case_of = [next(cases)[0] if lab.result == POSITIVE else None for lab, _ in new]
    propose_household_contacts(
        {case for case, created in opened if created}, actor=actor, source=source
    )
    due = received + dt.timedelta(hours=settings.CASE_DEADLINE_HOURS)
    create_case_tasks(
        {case for case in case_of if case is not None}, due_by=due, created_at=received,
        actor=actor, source=source,
    )  # fmt: skip
    batch_id, fallback = (batch.pk if batch else None), fallback_jurisdiction.pk
    rows = [
        (lab.lab_code, lab.specimen_id, lab.test_code, lab.test_name, lab.result,
         lab.specimen_collected_at, lab.result_at, received, person.pk if person else None, case,
         person.jurisdiction_id if person else areas.get(patient.postcode, fallback),
         batch_id)
        for (lab, patient), person, case in zip(new, people, case_of, strict=True)
    ]  # fmt: skip
    ids = insert_rows(TestResult, RESULT_COLUMNS, rows)
    record_events(actor, Action.CREATE, TestResult, ids, purpose=PURPOSE, source=source)
    return ids


NaturalKey = tuple[str, str, str]


def natural_key(lab: LabResult) -> NaturalKey:
    return (lab.lab_code, lab.specimen_id, lab.test_code)


@transaction.atomic
def correct_test_result(
    result: TestResult,
    lab: LabResult,
    patient: PersonDetails,
    *,
    batch: IngestBatch | None,
    actor: object,
    source: str,
) -> TestResult:
    """Apply a laboratory's correction to a stored result, keeping what it said before.

    A result corrected to positive finds or creates its person (from ``patient``)
    and opens (or extends) a case with its task; a positive corrected to negative
    keeps its case for the tracing team to close.
    """
    TestResultRevision.objects.create(
        test_result=result,
        previous_result=result.result,
        previous_result_at=result.result_at,
        batch=batch,
        replaced_at=batch.received_at if batch else timezone.now(),
    )
    became_positive = lab.result == Result.POSITIVE and result.result != Result.POSITIVE
    result.result, result.result_at = lab.result, lab.result_at
    changed = ["result", "result_at"]
    if became_positive:
        received = batch.received_at if batch else timezone.now()
        if result.person is None:  # a negative of someone tracing did not know
            result.person, _ = find_or_create_person(
                patient, fallback_jurisdiction=result.jurisdiction, actor=actor, source=source,
                purpose=PURPOSE,
            )  # fmt: skip
            result.jurisdiction = result.person.jurisdiction
            changed += ["person", "jurisdiction"]
        result.case, opened = open_or_extend_case(
            result.person, result.specimen_collected_at, opened_at=received, actor=actor,
            source=source,
        )  # fmt: skip
        if opened:
            propose_household_contacts([result.case.pk], actor=actor, source=source)
        due = received + dt.timedelta(hours=settings.CASE_DEADLINE_HOURS)
        create_case_task(result.case, due_by=due, created_at=received, actor=actor, source=source)
        changed.append("case")
    result.save(update_fields=changed)
    record_event(
        actor, Action.UPDATE, result, purpose="laboratory correction", source=source,
        fields=changed,
    )  # fmt: skip
    return result


Stored = tuple[int, str, dt.datetime]  # id, result, result_at


def _stored(records: Sequence[Valid]) -> dict[NaturalKey, Stored]:
    """The stored results that records of a chunk already have (by natural key)."""
    specimens: dict[str, set[str]] = {}
    for record in records:
        specimens.setdefault(record.lab.lab_code, set()).add(record.lab.specimen_id)
    stored: dict[NaturalKey, Stored] = {}
    for lab_code, ids in specimens.items():
        for *key, pk, result, result_at in TestResult.objects.filter(
            among(TestResult, "specimen_id", ids), lab_code=lab_code
        ).values_list("lab_code", "specimen_id", "test_code", "pk", "result", "result_at"):
            stored[tuple(key)] = (pk, result, result_at)  # type: ignore[index]
    return stored


@dataclass
class ChunkOutcome:
    accepted: int = 0
    corrections: int = 0
    duplicates: int = 0
    rejected: int = 0
    positives: int = 0


@transaction.atomic
def ingest_chunk(
    batch: IngestBatch,
    records: Sequence[Valid | Invalid],
    *,
    consumed: int,
    fallback_jurisdiction: Jurisdiction,
    actor: object,
    source: str,
) -> ChunkOutcome:
    """Store one chunk of a batch and advance the batch, all in one transaction.

    If the process dies part-way, nothing of the chunk is kept and the batch still
    says where it stopped, so running the same file again resumes exactly there.
    """
    outcome = ChunkOutcome()
    valid = [r for r in records if isinstance(r, Valid)]
    rejected = [r for r in records if isinstance(r, Invalid)]
    RejectedRecord.objects.bulk_create(
        RejectedRecord(
            batch=batch,
            number=r.number,
            field=r.field,
            reason=r.reason,
            raw=r.raw,
            fields=r.fields,
        )
        for r in rejected
    )
    outcome.rejected = len(rejected)

    stored = _stored(valid)
    new: dict[NaturalKey, Valid] = {}
    later: list[Valid] = []  # repeats of a key: duplicates or corrections, applied after
    for record in valid:
        key = natural_key(record.lab)
        if key in stored or key in new:
            later.append(record)
        else:
            new[key] = record

    ids = store_new_results(
        [(record.lab, record.patient) for record in new.values()],
        fallback_jurisdiction=fallback_jurisdiction,
        received=batch.received_at,
        batch=batch,
        actor=actor,
        source=source,
        checked=True,  # by validation.check, record by record
    )
    outcome.positives += sum(1 for r in new.values() if r.lab.result == POSITIVE)
    outcome.accepted = len(ids)
    for (key, record), pk in zip(new.items(), ids, strict=True):
        stored[key] = (pk, record.lab.result, record.lab.result_at)

    for record in later:
        key = natural_key(record.lab)
        pk, result, result_at = stored[key]
        same = (result, result_at) == (record.lab.result, record.lab.result_at)
        # A record issued before the stored result is one it has already superseded: a
        # file re-sent after its own correction must change nothing.
        if same or record.lab.result_at < result_at:
            outcome.duplicates += 1
            continue
        correct_test_result(
            TestResult.objects.select_related("person", "jurisdiction").get(pk=pk), record.lab,
            record.patient, batch=batch, actor=actor, source=source,
        )  # fmt: skip
        stored[key] = (pk, record.lab.result, record.lab.result_at)
        outcome.accepted += 1
        outcome.corrections += 1
        if record.lab.result == POSITIVE:
            outcome.positives += 1

    batch.read_count += len(records)
    batch.accepted_count += outcome.accepted
    batch.correction_count += outcome.corrections
    batch.duplicate_count += outcome.duplicates
    batch.rejected_count += outcome.rejected
    batch.positive_count += outcome.positives
    batch.resume_after = consumed
    batch.warnings = sorted({*batch.warnings, *(w for r in valid for w in r.warnings)})[:200]
    batch.save()
    return outcome


@transaction.atomic
def resubmit_rejection(
    rejection: RejectedRecord, fields: dict[str, str], *, actor: object, source: str
) -> RejectedRecord:
    """Re-check a rejected record with corrected fields; if it passes, store it.

    The batch still reconciles: the record moves from rejected to accepted (or to
    duplicates, if the result had meanwhile arrived another way). A correction
    that still fails raises ValidationError naming the field, and changes nothing.
    """
    from tracedesk.lib.labfeeds import SourceRecord

    if rejection.status != RejectionStatus.OPEN:
        raise ValidationError({"status": f"record {rejection.number} is already resolved"})
    checked = check(SourceRecord(number=rejection.number, fields=fields, raw=rejection.raw))
    if isinstance(checked, Invalid):
        raise ValidationError({checked.field: checked.reason})
    batch = IngestBatch.objects.select_for_update().get(pk=rejection.batch_id)
    ingest_chunk(
        batch,
        [checked],
        consumed=batch.resume_after,
        fallback_jurisdiction=_root_jurisdiction(),
        actor=actor,
        source=source,
    )
    batch.refresh_from_db()
    batch.read_count -= 1  # the record was read once, when it was rejected
    batch.rejected_count -= 1
    batch.save(update_fields=["read_count", "rejected_count"])
    rejection.status = RejectionStatus.RESUBMITTED
    rejection.fields = fields
    rejection.resolved_at = timezone.now()
    rejection.resolved_by = signed_in(actor)
    rejection.resolved_result = TestResult.objects.get(
        lab_code=checked.lab.lab_code,
        specimen_id=checked.lab.specimen_id,
        test_code=checked.lab.test_code,
    )
    rejection.save()
    record_event(
        actor, Action.UPDATE, rejection, purpose="rejected record corrected", source=source,
        fields=["status", "fields"],
    )  # fmt: skip
    return rejection


def _root_jurisdiction() -> Jurisdiction:
    from tracedesk.ingest.pipeline import unplaced_jurisdiction

    return unplaced_jurisdiction()
