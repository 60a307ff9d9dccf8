"""Writes of laboratory results: each atomic and audited."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
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
from tracedesk.people.matching import PersonRef, find_known
from tracedesk.people.models import match_key
from tracedesk.tracing.actions import create_case_task, create_case_tasks

POSITIVE = Result.POSITIVE

__all__ = [
    "ChunkOutcome",
    "LabResult",
    "PreparedChunk",
    "correct_test_result",
    "ingest_chunk",
    "natural_key",
    "prepare_chunk",
    "record_test_result",
    "resubmit_rejection",
    "store_chunk",
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
    one = prepare_chunk([Valid(0, "", lab, patient, ())])
    [pk] = store_new_results(
        one.labs, one.patients, one.match_keys, fallback_jurisdiction=fallback_jurisdiction,
        received=received_at or timezone.now(), batch=None, actor=actor, source=source,
    )  # fmt: skip
    return TestResult.objects.get(pk=pk), True


PURPOSE = "laboratory result"
RESULT_COLUMNS = [
    *("lab_code", "specimen_id", "test_code", "test_name", "result", "specimen_collected_at"),
    *("result_at", "received_at", "person", "case", "jurisdiction", "batch"),
]
#: A ``LabResult``'s values and a ``PersonDetails``' values, in field order (the columns of a
#: ``PreparedChunk``); a result's values are the first columns of its row.
LabValues = tuple[Any, ...]
PatientValues = tuple[Any, ...]
_LAB_FIELDS = tuple(LabResult.__dataclass_fields__)
_PATIENT_FIELDS = tuple(PersonDetails.__dataclass_fields__)
assert tuple(RESULT_COLUMNS[: len(_LAB_FIELDS)]) == _LAB_FIELDS  # noqa: S101  (import-time)
_lab_values, _patient_values = attrgetter(*_LAB_FIELDS), attrgetter(*_PATIENT_FIELDS)
_RESULT, _COLLECTED_AT, _RESULT_AT = map(
    _LAB_FIELDS.index, ("result", "specimen_collected_at", "result_at")
)
_NHS_NUMBER, _POSTCODE = map(_PATIENT_FIELDS.index, ("nhs_number", "postcode"))


def store_new_results(
    labs: Sequence[LabValues],
    patients: Sequence[PatientValues],
    match_keys: Sequence[str],
    *,
    fallback_jurisdiction: Jurisdiction,
    received: dt.datetime,
    batch: IngestBatch | None,
    actor: object,
    source: str,
    checked: bool = False,
) -> list[int]:
    """Store results not seen before, with their patients, and return the results' ids.

    One result per position of ``labs`` (a ``LabResult``'s values), ``patients`` (a
    ``PersonDetails``' values) and ``match_keys`` (the patient's ``match_key``): the
    columns of a ``PreparedChunk``.

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
    positive = [i for i, lab in enumerate(labs) if lab[_RESULT] == POSITIVE]
    other = [i for i, lab in enumerate(labs) if lab[_RESULT] != POSITIVE]
    found = find_or_create_people(
        [(PersonDetails(*patients[i]), fallback_jurisdiction) for i in positive], actor=actor,
        source=source, purpose=PURPOSE, checked=checked,
    )  # fmt: skip
    known = find_known([(patients[i][_NHS_NUMBER], match_keys[i]) for i in other])
    areas = jurisdictions_for_postcodes({patients[i][_POSTCODE] for i in other})
    people: list[PersonRef | None] = [None] * len(labs)
    for i, match in zip(other, known, strict=True):
        people[i] = match
    for i, (person, _) in zip(positive, found, strict=True):
        people[i] = person
    opened = open_or_extend_cases(
        [(person, labs[i][_COLLECTED_AT]) for i, (person, _) in zip(positive, found, strict=True)],
        opened_at=received, actor=actor, source=source,
    )  # fmt: skip
    case_of: list[int | None] = [None] * len(labs)
    for i, (case, _) in zip(positive, opened, strict=True):
        case_of[i] = case
    propose_household_contacts(
        {case for case, created in opened if created}, actor=actor, source=source
    )
    due = received + dt.timedelta(hours=settings.CASE_DEADLINE_HOURS)
    create_case_tasks(
        {case for case, _ in opened}, due_by=due, created_at=received, actor=actor,
        source=source,
    )  # fmt: skip
    batch_id, fallback = (batch.pk if batch else None), fallback_jurisdiction.pk
    rows = [
        (*lab, received, person.pk if person else None, case,
         person.jurisdiction_id if person else areas.get(patient[_POSTCODE], fallback), batch_id)
        for lab, patient, person, case in zip(labs, patients, people, case_of, strict=True)
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


def _stored(keys: Sequence[NaturalKey]) -> dict[NaturalKey, Stored]:
    """The stored results that records of a chunk already have (by natural key)."""
    specimens: dict[str, set[str]] = {}
    for lab_code, specimen_id, _ in keys:
        specimens.setdefault(lab_code, set()).add(specimen_id)
    stored: dict[NaturalKey, Stored] = {}
    for lab_code, ids in specimens.items():
        for *key, pk, result, result_at in TestResult.objects.filter(
            among(TestResult, "specimen_id", ids), lab_code=lab_code
        ).values_list("lab_code", "specimen_id", "test_code", "pk", "result", "result_at"):
            stored[tuple(key)] = (pk, result, result_at)  # type: ignore[index]
    return stored


class PreparedChunk(NamedTuple):
    """A chunk of checked records as storing needs them (``prepare_chunk``).

    Built without the database, so that a reader process can build it while this one
    stores the chunk before (``ingest.readahead``), and cheap to send from there: the
    valid records are columns of plain tuples — each ``LabResult``'s values, each
    ``PersonDetails``' values, in field order — not three objects a record, which cost
    more to rebuild than to check. Objects are made again only for the records that
    need them: the positive results' people, and corrections.
    """

    read: int  #: records in the chunk, valid or not
    rejected: list[Invalid]
    keys: list[NaturalKey]  #: per valid record
    labs: list[LabValues]
    patients: list[PatientValues]
    match_keys: list[str]
    warnings: list[str]  #: of the valid records, each once


def prepare_chunk(records: Sequence[Valid | Invalid]) -> PreparedChunk:
    """Turn checked records into a ``PreparedChunk`` (no database)."""
    valid = [r for r in records if isinstance(r, Valid)]
    labs = [_lab_values(r.lab) for r in valid]
    return PreparedChunk(
        read=len(records),
        rejected=[r for r in records if isinstance(r, Invalid)],
        keys=[natural_key(r.lab) for r in valid],
        labs=labs,
        patients=[_patient_values(r.patient) for r in valid],
        match_keys=[
            match_key(r.patient.first_name, r.patient.last_name, r.patient.date_of_birth)
            for r in valid
        ],
        warnings=sorted({w for r in valid for w in r.warnings}),
    )


@dataclass
class ChunkOutcome:
    accepted: int = 0
    corrections: int = 0
    duplicates: int = 0
    rejected: int = 0
    positives: int = 0


def ingest_chunk(
    batch: IngestBatch,
    records: Sequence[Valid | Invalid],
    *,
    consumed: int,
    fallback_jurisdiction: Jurisdiction,
    actor: object,
    source: str,
) -> ChunkOutcome:
    """Store one chunk of checked records and advance the batch (``store_chunk``)."""
    return store_chunk(
        batch, prepare_chunk(records), consumed=consumed,
        fallback_jurisdiction=fallback_jurisdiction, actor=actor, source=source,
    )  # fmt: skip


@transaction.atomic
def store_chunk(
    batch: IngestBatch,
    chunk: PreparedChunk,
    *,
    consumed: int,
    fallback_jurisdiction: Jurisdiction,
    actor: object,
    source: str,
) -> ChunkOutcome:
    """Store one chunk of a batch and advance the batch, all in one transaction.

    If the process dies part-way, nothing of the chunk is kept and the batch still
    says where it stopped, so running the same file again resumes exactly there.

    A chunk is first stored as if none of its results were stored before (the usual
    case: no look-up of every natural key, which on PostgreSQL cost a tenth of the
    ingest), inside a savepoint. If one was (the natural key's unique constraint
    refuses the insert: a file overlapping an earlier one), everything of that attempt
    is undone and the chunk is stored again knowing the stored results: duplicates
    and corrections come out exactly as if they had been looked up first.
    """
    RejectedRecord.objects.bulk_create(
        RejectedRecord(
            batch=batch,
            number=r.number,
            field=r.field,
            reason=r.reason,
            raw=r.raw,
            fields=r.fields,
        )
        for r in chunk.rejected
    )
    store = functools.partial(
        _store_valid, batch, chunk, fallback_jurisdiction=fallback_jurisdiction, actor=actor,
        source=source,
    )  # fmt: skip
    try:
        with transaction.atomic():
            outcome = store({})
    except IntegrityError:
        outcome = store(_stored(chunk.keys))
    outcome.rejected = len(chunk.rejected)

    batch.read_count += chunk.read
    batch.accepted_count += outcome.accepted
    batch.correction_count += outcome.corrections
    batch.duplicate_count += outcome.duplicates
    batch.rejected_count += outcome.rejected
    batch.positive_count += outcome.positives
    batch.resume_after = consumed
    batch.warnings = sorted({*batch.warnings, *chunk.warnings})[:200]
    batch.save()
    return outcome


def _store_valid(
    batch: IngestBatch,
    chunk: PreparedChunk,
    stored: dict[NaturalKey, Stored],
    *,
    fallback_jurisdiction: Jurisdiction,
    actor: object,
    source: str,
) -> ChunkOutcome:
    """Store a chunk's valid records, given the results already ``stored`` of its keys."""
    outcome = ChunkOutcome()
    labs, patients = chunk.labs, chunk.patients
    new: dict[NaturalKey, int] = {}  # key: position in the chunk
    later: list[int] = []  # repeats of a key: duplicates or corrections, applied after
    for i, key in enumerate(chunk.keys):
        if key in stored or key in new:
            later.append(i)
        else:
            new[key] = i

    fresh = list(new.values())
    ids = store_new_results(
        [labs[i] for i in fresh],
        [patients[i] for i in fresh],
        [chunk.match_keys[i] for i in fresh],
        fallback_jurisdiction=fallback_jurisdiction,
        received=batch.received_at,
        batch=batch,
        actor=actor,
        source=source,
        checked=True,  # by validation.check, record by record
    )
    outcome.positives += sum(1 for i in fresh if labs[i][_RESULT] == POSITIVE)
    outcome.accepted = len(ids)
    for i, pk in zip(fresh, ids, strict=True):
        stored[chunk.keys[i]] = (pk, labs[i][_RESULT], labs[i][_RESULT_AT])

    for i in later:
        key, lab = chunk.keys[i], LabResult(*labs[i])
        pk, result, result_at = stored[key]
        same = (result, result_at) == (lab.result, lab.result_at)
        # A record issued before the stored result is one it has already superseded: a
        # file re-sent after its own correction must change nothing.
        if same or lab.result_at < result_at:
            outcome.duplicates += 1
            continue
        correct_test_result(
            TestResult.objects.select_related("person", "jurisdiction").get(pk=pk), lab,
            PersonDetails(*patients[i]), batch=batch, actor=actor, source=source,
        )  # fmt: skip
        stored[key] = (pk, lab.result, lab.result_at)
        outcome.accepted += 1
        outcome.corrections += 1
        if lab.result == POSITIVE:
            outcome.positives += 1
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
