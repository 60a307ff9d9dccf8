"""The one place that scopes match reviews to a user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tracedesk.accounts.roles import Right
from tracedesk.accounts.scope import within_scope
from tracedesk.linkage.models import MatchReview


def reviews_for(user: object) -> QuerySet[MatchReview]:
    """The reviews of records in the user's areas (403 without the right to review matches)."""
    return within_scope(
        user,
        MatchReview.objects.select_related("person__address", "candidate__address"),
        Right.REVIEW_MATCHES,
    )


def review_for(user: object, review_id: int) -> MatchReview:
    """One review in the user's scope, or Http404."""
    return get_object_or_404(reviews_for(user), pk=review_id)
