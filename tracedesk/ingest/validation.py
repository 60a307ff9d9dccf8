"""Turn a parsed source record into a result ready to store, or a rejection naming the field."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from tracedesk.geography.models import Jurisdiction
from tracedesk.ingest.models import Result, TestResult
from tracedesk.lib.labfeeds import SourceRecord
from tracedesk.people.actions import unsaved_person
from tracedesk.people.details import PersonDetails, parse_person


@dataclass(frozen=True)
class LabResult:
    """One result as a laboratory reports it, before it touches the database."""

    lab_code: str
    specimen_id: str
    test_code: str
    test_name: str
    result: str
    specimen_collected_at: dt.datetime
    result_at: dt.datetime


def unsaved_result(lab: LabResult, where: str) -> TestResult:
    """Build the TestResult a record would store and check its own fields (lengths, order
    of dates) so that storing a chunk cannot fail on them; raise ValidationError."""
    result = TestResult(**{f: getattr(lab, f) for f in LabResult.__dataclass_fields__})
    try:
        result.clean_fields(exclude=["person", "case", "jurisdiction", "batch", "received_at"])
        result.clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ValidationError({field: f"{where}: {field}: {' '.join(messages)}"}) from None
    return result


RESULTS = {"POSITIVE": Result.POSITIVE, "NEGATIVE": Result.NEGATIVE, "VOID": Result.VOID}
KNOWN = ", ".join(RESULTS)
REQUIRED = ("lab_code", "specimen_id", "test_code", "result")


@dataclass(frozen=True)
class Valid:
    number: int
    raw: str
    lab: LabResult
    patient: PersonDetails
    warnings: tuple[str, ...]


@dataclass(frozen=True)
class Invalid:
    number: int
    raw: str
    field: str
    reason: str
    fields: dict[str, str]


def _when(text: str, name: str, where: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError({name: f"{where}: {name} {text!r} is not a date and time"}) from None
    if value.tzinfo is None:
        raise ValidationError({name: f"{where}: {name} {text!r} has no time zone"})
    return value


def check(record: SourceRecord) -> Valid | Invalid:
    """Validate one record; every problem is reported with the record number and field."""
    where = f"record {record.number}"
    if record.error is not None:
        reason = f"{where}: {record.error.reason}"
        return Invalid(record.number, record.raw, record.error.field, reason, record.fields)
    fields = record.fields
    try:
        for name in REQUIRED:
            if not fields.get(name, "").strip():
                raise ValidationError({name: f"{where}: {name} is missing"})
        result = RESULTS.get(fields["result"].strip().upper())
        if result is None:
            raise ValidationError(
                {"result": f"{where}: result {fields['result']!r} is not one of {KNOWN}"}
            )
        collected = _when(fields.get("specimen_collected_at", ""), "specimen_collected_at", where)
        issued = _when(fields.get("result_at", ""), "result_at", where)
        if issued < collected:
            raise ValidationError(
                {"result_at": f"{where}: the result is dated before the specimen was collected"}
            )
        unsaved_result(
            LabResult(
                lab_code=fields["lab_code"].strip(),
                specimen_id=fields["specimen_id"].strip(),
                test_code=fields["test_code"].strip(),
                test_name=fields.get("test_name", "").strip(),
                result=result,
                specimen_collected_at=collected,
                result_at=issued,
            ),
            where,
        )
        patient = parse_person(fields, record=where)
        # The person is checked now (lengths, formats) so that storing the chunk cannot
        # fail on them; where they will live is decided when they are stored.
        unsaved_person(patient, Jurisdiction())
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        return Invalid(record.number, record.raw, field, "; ".join(messages), fields)
    lab = LabResult(
        lab_code=fields["lab_code"].strip(),
        specimen_id=fields["specimen_id"].strip(),
        test_code=fields["test_code"].strip(),
        test_name=fields.get("test_name", "").strip(),
        result=result,
        specimen_collected_at=collected,
        result_at=issued,
    )
    return Valid(record.number, record.raw, lab, patient, record.warnings + patient.warnings)
