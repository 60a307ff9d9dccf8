"""The one place that scopes cases and contacts to a user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tracedesk.accounts.roles import Right
from tracedesk.accounts.scope import within_scope
from tracedesk.cases.models import Case, Contact


def cases_for(user: object) -> QuerySet[Case]:
    """Return the cases the user may see."""
    return within_scope(
        user, Case.objects.select_related("person", "jurisdiction"), Right.VIEW_PERSONAL
    )


def case_for(user: object, case_id: int) -> Case:
    """Return one case in scope, or raise Http404."""
    return get_object_or_404(cases_for(user), pk=case_id)


def contacts_for(user: object) -> QuerySet[Contact]:
    """Return the contacts the user may see: those whose own jurisdiction is in scope.

    A case's contacts who live elsewhere belong to their own area's team, so a
    tracer sees only the in-scope part of a case's contact list.
    """
    return within_scope(
        user, Contact.objects.select_related("person", "case", "jurisdiction"), Right.VIEW_PERSONAL
    )


def contact_for(user: object, contact_id: int) -> Contact:
    """Return one contact in scope, or raise Http404."""
    return get_object_or_404(contacts_for(user), pk=contact_id)
