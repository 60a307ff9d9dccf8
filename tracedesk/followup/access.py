"""The one place that scopes follow-ups to a user."""

from __future__ import annotations

from django.db.models import QuerySet

from tracedesk.accounts.roles import Right
from tracedesk.accounts.scope import within_scope
from tracedesk.followup.models import FollowUp


def follow_ups_for(user: object) -> QuerySet[FollowUp]:
    """Return the daily check-ins of contacts in the user's scope."""
    return within_scope(user, FollowUp.objects.select_related("contact"), Right.VIEW_PERSONAL)
