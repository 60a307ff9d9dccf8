"""Access to staff accounts (administrators only, within their scope)."""

from __future__ import annotations

from django.db.models import QuerySet

from tracedesk.accounts.models import User
from tracedesk.accounts.roles import Right, require
from tracedesk.accounts.scope import scope_ids


def users_for(user: object) -> QuerySet[User]:
    """Return the accounts an administrator manages: those with a jurisdiction in scope."""
    require(user, Right.MANAGE_USERS)
    return (
        User.objects.filter(jurisdictions__in=scope_ids(user))
        .distinct()
        .prefetch_related("jurisdictions")
        .select_related("team")
        .order_by("username")
    )
