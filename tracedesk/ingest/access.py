"""The one place that scopes test results, ingest batches and rejected records to a user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tracedesk.accounts.roles import Right, require
from tracedesk.accounts.scope import uploads_within_scope, within_scope
from tracedesk.ingest.models import IngestBatch, RejectedRecord, TestResult


def results_for(user: object) -> QuerySet[TestResult]:
    """Return the test results the user may see."""
    return within_scope(user, TestResult.objects.all(), Right.VIEW_PERSONAL)


def batches_for(user: object) -> QuerySet[IngestBatch]:
    """Return the ingest batches a user may see: all of them for a national scope, else
    their own uploads (a file spans areas, and its rejected records belong to none yet)."""
    return uploads_within_scope(
        user, IngestBatch.objects.select_related("created_by"), Right.INGEST_RESULTS
    )


def batch_for(user: object, batch_id: int) -> IngestBatch:
    """Return one batch the user may see, or raise Http404."""
    return get_object_or_404(batches_for(user), pk=batch_id)


def rejections_for(user: object) -> QuerySet[RejectedRecord]:
    """Return rejected records of the batches the user may see."""
    require(user, Right.VIEW_PERSONAL)
    return RejectedRecord.objects.filter(batch__in=batches_for(user))


def rejection_for(user: object, rejection_id: int) -> RejectedRecord:
    """Return one rejected record the user may see, or raise Http404."""
    return get_object_or_404(rejections_for(user).select_related("batch"), pk=rejection_id)
