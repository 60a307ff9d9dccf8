"""The one place that scopes settings and attendances to a user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tracedesk.accounts.roles import Right
from tracedesk.accounts.scope import uploads_within_scope, within_scope
from tracedesk.places.models import Attendance, CheckInBatch, CheckInRejection, Setting


def settings_for(user: object) -> QuerySet[Setting]:
    """Return the settings the user may see (in scope; staff who work cases)."""
    return within_scope(
        user, Setting.objects.select_related("address", "jurisdiction"), Right.VIEW_PERSONAL
    )


def setting_for(user: object, setting_id: int) -> Setting:
    """Return one setting in scope, or raise Http404."""
    return get_object_or_404(settings_for(user), pk=setting_id)


def attendances_for(user: object) -> QuerySet[Attendance]:
    """Return attendances of people in the user's scope."""
    return within_scope(
        user, Attendance.objects.select_related("setting", "person"), Right.VIEW_PERSONAL
    )


def checkin_batches_for(user: object) -> QuerySet[CheckInBatch]:
    """Return the check-in imports a user may see: all of them for a national scope, else
    their own uploads (a file spans venues in many areas). Rows hold venue ids and opaque
    tokens, never a name, so the right is the one for uploading feeds."""
    return uploads_within_scope(
        user, CheckInBatch.objects.select_related("created_by"), Right.INGEST_RESULTS
    )


def checkin_batch_for(user: object, batch_id: int) -> CheckInBatch:
    """Return one check-in import the user may see, or raise Http404."""
    return get_object_or_404(checkin_batches_for(user), pk=batch_id)


def checkin_rejections_for(user: object, batch: CheckInBatch) -> QuerySet[CheckInRejection]:
    """Return the rejected rows of a batch the user may see (``checkin_batch_for`` first)."""
    return CheckInRejection.objects.filter(batch__in=checkin_batches_for(user), batch=batch)
