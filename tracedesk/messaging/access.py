"""The one place that scopes messages to a user."""

from __future__ import annotations

from django.db.models import QuerySet

from tracedesk.accounts.roles import Right
from tracedesk.accounts.scope import within_scope
from tracedesk.messaging.models import Message


def messages_for(user: object) -> QuerySet[Message]:
    """Return the messages to people in the user's scope (403 without the personal-data right)."""
    return within_scope(user, Message.objects.select_related("person"), Right.VIEW_PERSONAL)
