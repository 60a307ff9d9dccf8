"""The one place that scopes people to a user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tracedesk.accounts.roles import Right
from tracedesk.accounts.scope import within_scope
from tracedesk.people.models import Person


def persons_for(user: object) -> QuerySet[Person]:
    """Return the people the user may see (403 without the right to see personal data)."""
    return within_scope(user, Person.objects.select_related("address"), Right.VIEW_PERSONAL)


def person_for(user: object, person_id: int) -> Person:
    """Return one person in the user's scope, or raise Http404."""
    return get_object_or_404(persons_for(user), pk=person_id)
