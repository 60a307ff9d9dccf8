# No "from __future__ import annotations": ninja reads these signatures at runtime.
"""Laboratory results through the API: upload a file, post one result, see batches,
correct rejected records."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from tracedesk.accounts.api_auth import caller
from tracedesk.accounts.roles import Right, require
from tracedesk.audit.reads import audit_read
from tracedesk.ingest.access import batch_for, batches_for, rejection_for, rejections_for
from tracedesk.ingest.actions import resubmit_rejection
from tracedesk.ingest.models import Channel, IngestBatch, RejectedRecord
from tracedesk.ingest.pipeline import ingest_file, ingest_records, save_upload
from tracedesk.ingest.reporting import batch_summary
from tracedesk.lib.labfeeds import FeedError, SourceRecord
from tracedesk.people.schemas import Mapped, Pages

router = Router(tags=["laboratory results"])


class BatchOut(Schema):
    batch: int
    source: str
    format: str
    status: str
    read: int
    accepted: int
    corrections: int
    duplicates: int
    rejected: int
    positives: int
    declared: int | None
    balanced: bool
    matches_declared: bool | None
    reconciles: bool
    stopped_reason: str
    warnings: list[str]
    already_ingested: bool


class RejectionOut(Schema):
    id: int
    batch_id: int
    number: int = Field(description="Line, message or entry number in the source")
    field: str
    reason: str
    raw: str
    fields: dict[str, str]
    status: str


class LabResultIn(Schema):
    """One result, with the canonical fields of docs/lab-feeds.md."""

    lab_code: str
    specimen_id: str
    test_code: str
    test_name: str = ""
    result: str
    specimen_collected_at: str
    result_at: str
    nhs_number: str = ""
    first_name: str = ""
    last_name: str = ""
    date_of_birth: str = ""
    sex: str = ""
    phone: str = ""
    email: str = ""
    address_line1: str = ""
    address_line2: str = ""
    town: str = ""
    postcode: str = ""
    uprn: str = Field("", description="Unique Property Reference Number, when the lab has it")


class ResubmitIn(Schema):
    fields: dict[str, str]


def _summary(batch: IngestBatch) -> dict[str, Any]:
    return batch_summary(batch)


@router.post("/lab-results/files", response={201: BatchOut}, operation_id="upload_lab_file")
def upload_lab_file(
    request: HttpRequest,
    file: File[UploadedFile],
    format: Form[str | None] = None,
    lab: Form[str | None] = None,
) -> Status:
    """Ingest a whole file (CSV, FHIR Bundle or NDJSON, HL7) and return its reconciliation."""
    user = caller(request)
    require(user, Right.INGEST_RESULTS)
    path = save_upload(file.chunks())
    try:
        batch = ingest_file(
            path, actor=user, channel=Channel.API, format=format, lab=lab, name=file.name
        )
    except FeedError as exc:
        raise ValidationError({"file": str(exc)}) from None
    finally:
        path.unlink(missing_ok=True)
    return Status(201, _summary(batch))


@router.post("/lab-results", response={201: BatchOut, 422: dict}, operation_id="post_lab_result")
def post_lab_result(request: HttpRequest, payload: LabResultIn) -> Status:
    """Ingest one result; a rejected one is kept (and answered 422 naming the field)."""
    user = caller(request)
    require(user, Right.INGEST_RESULTS)
    fields = payload.model_dump()
    record = SourceRecord(number=1, fields=fields, raw=payload.model_dump_json())
    batch = ingest_records([record], name="API result", actor=user, channel=Channel.API)
    rejection = batch.rejections.first()
    if rejection is not None:
        return Status(
            422,
            {
                "detail": [{"field": rejection.field, "message": rejection.reason}],
                "rejection": rejection.pk,
                "batch": batch.pk,
            },
        )
    return Status(201, _summary(batch))


@router.get("/ingest-batches", response=list[BatchOut], operation_id="list_ingest_batches")
@paginate(Pages)
def list_ingest_batches(request: HttpRequest) -> Mapped[IngestBatch]:
    batches: QuerySet[IngestBatch] = batches_for(caller(request)).order_by("-received_at", "-pk")
    return Mapped(batches, _summary)


@router.get("/ingest-batches/{batch_id}", response=BatchOut, operation_id="get_ingest_batch")
def get_ingest_batch(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    return _summary(batch_for(caller(request), batch_id))


@router.get(
    "/ingest-batches/{batch_id}/rejections",
    response=list[RejectionOut],
    operation_id="list_batch_rejections",
)
@paginate(Pages)
def list_batch_rejections(request: HttpRequest, batch_id: int) -> QuerySet[RejectedRecord]:
    user = caller(request)
    batch = batch_for(user, batch_id)
    audit_read(request, RejectedRecord, purpose="api: rejected records of a batch")
    return rejections_for(user).filter(batch=batch).order_by("number")


@router.post(
    "/rejections/{rejection_id}/resubmit",
    response=RejectionOut,
    operation_id="resubmit_rejection",
)
def resubmit(request: HttpRequest, rejection_id: int, payload: ResubmitIn) -> RejectedRecord:
    """Correct a rejected record's fields and submit it again."""
    user = caller(request)
    rejection = rejection_for(user, rejection_id)
    return resubmit_rejection(rejection, payload.fields, actor=user, source="api")
