# No "from __future__ import annotations": ninja reads these signatures at runtime.
"""Venue check-ins through the API: upload a file and get its reconciliation, see batches
and their rejected rows."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, File, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from tracedesk.accounts.api_auth import caller
from tracedesk.accounts.roles import Right, require
from tracedesk.audit.reads import audit_read
from tracedesk.ingest.pipeline import save_upload
from tracedesk.people.schemas import Mapped, Pages
from tracedesk.places.access import checkin_batch_for, checkin_batches_for, checkin_rejections_for
from tracedesk.places.checkins import (
    CheckInFileError,
    batch_summary,
    check_header,
    prepare_batch,
    run_batch,
)
from tracedesk.places.models import CheckInBatch, CheckInRejection

router = Router(tags=["venue check-ins"])
FIRST_REJECTIONS = 100


class CheckInRejectionOut(Schema):
    line: int = Field(description="Line number in the file (the header is line 1)")
    field: str
    reason: str
    raw: str


class CheckInBatchOut(Schema):
    batch: int
    file: str
    status: str = Field(description="complete, running or incomplete")
    already_imported: bool = Field(description="The same bytes were imported before")
    read: int
    accepted: int
    duplicates: int
    rejected: int
    new_tokens: int
    balanced: bool = Field(description="read = accepted + duplicates + rejected")
    reconciles: bool = Field(description="complete and balanced")
    stopped_reason: str


class CheckInUploadOut(CheckInBatchOut):
    rejections: list[CheckInRejectionOut] = Field(
        description=f"The first {FIRST_REJECTIONS} rejected rows; all of them at"
        " /api/checkin-batches/{batch}/rejections"
    )


@router.post(
    "/checkins/files", response={201: CheckInUploadOut}, operation_id="upload_checkin_file"
)
def upload_checkin_file(request: HttpRequest, file: File[UploadedFile]) -> Status:
    """Import a CSV file of venue check-ins (venue_id, token, checked_in_at) and return its
    reconciliation with the first rejected rows. The same file again writes nothing; a
    file whose import was interrupted continues where it stopped."""
    user = caller(request)
    require(user, Right.INGEST_RESULTS)
    path = save_upload(file.chunks())
    try:
        check_header(path)
        batch = prepare_batch(path, actor=user, channel="api", name=file.name)
        batch = run_batch(batch, path, actor=user)
    except CheckInFileError as exc:
        raise ValidationError({"file": str(exc)}) from None
    finally:
        path.unlink(missing_ok=True)
    rejections = batch.rejections.order_by("line")[:FIRST_REJECTIONS]
    return Status(201, {**batch_summary(batch), "rejections": list(rejections)})


@router.get("/checkin-batches", response=list[CheckInBatchOut], operation_id="list_checkin_batches")
@paginate(Pages)
def list_checkin_batches(request: HttpRequest) -> Mapped[CheckInBatch]:
    batches = checkin_batches_for(caller(request)).order_by("-received_at", "-pk")
    return Mapped(batches, batch_summary)


@router.get(
    "/checkin-batches/{batch_id}", response=CheckInBatchOut, operation_id="get_checkin_batch"
)
def get_checkin_batch(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    return batch_summary(checkin_batch_for(caller(request), batch_id))


@router.get(
    "/checkin-batches/{batch_id}/rejections",
    response=list[CheckInRejectionOut],
    operation_id="list_checkin_rejections",
)
@paginate(Pages)
def list_checkin_rejections(request: HttpRequest, batch_id: int) -> QuerySet[CheckInRejection]:
    user = caller(request)
    batch = checkin_batch_for(user, batch_id)
    audit_read(request, CheckInRejection, purpose="api: rejected rows of a check-in import")
    return checkin_rejections_for(user, batch).order_by("line")
