"""A user's scope: the jurisdictions whose records they may reach."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, Q, QuerySet

from tracedesk.accounts.roles import Right, require
from tracedesk.geography.models import Jurisdiction

M = TypeVar("M", bound=Model)

_CACHE_ATTR = "_tracedesk_scope_ids"


def scope_ids(user: object) -> frozenset[int]:
    """Return the ids of the user's jurisdictions and all below them (empty: deny all).

    Computed once per request object: the user instance lives for one request.
    """
    cached: frozenset[int] | None = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return frozenset()
    roots = list(user.jurisdictions.values_list("path", flat=True))  # type: ignore[attr-defined]
    if not roots:
        ids: frozenset[int] = frozenset()
    else:
        condition = Q()
        for root in roots:
            condition |= Q(path__startswith=root)
        ids = frozenset(Jurisdiction.objects.filter(condition).values_list("id", flat=True))
    setattr(user, _CACHE_ATTR, ids)
    return ids


def forget_scope(user: object) -> None:
    """Drop the cached scope after the user's jurisdictions change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def within_scope(user: object, queryset: QuerySet[M], right: Right) -> QuerySet[M]:
    """Deny by default: 403 without ``right``, else only rows in the user's jurisdictions."""
    require(user, right)
    return queryset.filter(jurisdiction_id__in=scope_ids(user))


def uploads_within_scope(user: object, queryset: QuerySet[M], right: Right) -> QuerySet[M]:
    """Uploaded files (lab feeds, check-in imports): 403 without ``right``; all of them for a
    user with a national scope, else the user's own uploads. A file spans areas, and its
    rejected rows belong to none yet, so files are scoped by who sent them."""
    require(user, right)
    national = Jurisdiction.objects.filter(parent__isnull=True, pk__in=scope_ids(user))
    if national.exists():
        return queryset
    return queryset.filter(created_by_id=getattr(user, "pk", None))
