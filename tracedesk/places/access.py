"""The one place that scopes settings and attendances to a user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tracedesk.accounts.roles import Right
from tracedesk.accounts.scope import within_scope
from tracedesk.places.models import Attendance, Setting


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
