"""The one place that scopes self-service links to a user."""

from __future__ import annotations

from django.db.models import QuerySet

from tracedesk.accounts.roles import Right
from tracedesk.accounts.scope import within_scope
from tracedesk.selfservice.models import AccessLink


def links_for(user: object) -> QuerySet[AccessLink]:
    """Return the links sent to people in the user's scope (never their tokens: only hashes)."""
    return within_scope(user, AccessLink.objects.all(), Right.VIEW_PERSONAL)
