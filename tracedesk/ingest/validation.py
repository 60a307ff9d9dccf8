"""Turn a parsed source record into a result ready to store, or a rejection naming the field."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from tracedesk.ingest.models import Result, TestResult
from tracedesk.lib.labfeeds import SourceRecord
from tracedesk.people.details import PersonDetails, check_storable, parse_person


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


@functools.cache
def _limits() -> list[tuple[str, int]]:
    limits = []
    for name in LabResult.__dataclass_fields__:
        longest = getattr(TestResult._meta.get_field(name), "max_length", None)
        if longest:
            limits.append((name, longest))
    return limits


def check_result(lab: LabResult, where: str) -> None:
    """Check what the database would refuse of a result's own fields (lengths, order of
    dates), so that storing a chunk cannot fail on them; raise ValidationError."""
    for name, longest in _limits():
        value = getattr(lab, name)
        if len(value) > longest:
            raise ValidationError(
                {name: f"{where}: {name} has {len(value)} characters; at most {longest}"}
            )
    if lab.result_at < lab.specimen_collected_at:
        raise ValidationError(
            {"result_at": f"{where}: the result is dated before the specimen was collected"}
        )


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
        lab = LabResult(
            lab_code=fields["lab_code"].strip(),
            specimen_id=fields["specimen_id"].strip(),
            test_code=fields["test_code"].strip(),
            test_name=fields.get("test_name", "").strip(),
            result=result,
            specimen_collected_at=_when(
                fields.get("specimen_collected_at", ""), "specimen_collected_at", where
            ),
            result_at=_when(fields.get("result_at", ""), "result_at", where),
        )
        check_result(lab, where)
        patient = parse_person(fields, record=where)
        # Checked now so that storing the chunk cannot fail on the person either.
        check_storable(patient, record=where)
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        return Invalid(record.number, record.raw, field, "; ".join(messages), fields)
    return Valid(record.number, record.raw, lab, patient, record.warnings + patient.warnings)
