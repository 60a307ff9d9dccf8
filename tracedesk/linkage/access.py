"""The one place that scopes match reviews to a user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tracedesk.accounts.roles import Right, require
from tracedesk.accounts.scope import scope_ids, within_scope
from tracedesk.linkage.models import MatchReview, ReviewStatus
from tracedesk.people.models import PersonMerge


def reviews_for(user: object) -> QuerySet[MatchReview]:
    """The reviews of records in the user's areas (403 without the right to review matches)."""
    return within_scope(
        user,
        MatchReview.objects.select_related("person__address", "candidate__address"),
        Right.REVIEW_MATCHES,
    )


def queue_for(user: object, status: str = ReviewStatus.OPEN) -> QuerySet[MatchReview]:
    """The user's reviews with ``status`` (open: the queue), strongest match first."""
    return reviews_for(user).filter(status=status).order_by("-total", "pk")


def review_for(user: object, review_id: int) -> MatchReview:
    """One review in the user's scope, or Http404."""
    return get_object_or_404(reviews_for(user), pk=review_id)


def merges_for(user: object) -> QuerySet[PersonMerge]:
    """Merges whose surviving person is in the user's areas (403 without the right)."""
    require(user, Right.REVIEW_MATCHES)
    return PersonMerge.objects.filter(survivor__jurisdiction_id__in=scope_ids(user))


def merge_for(user: object, merge_id: int) -> PersonMerge:
    """One merge in the user's scope, or Http404."""
    return get_object_or_404(merges_for(user), pk=merge_id)


def merge_of(review: MatchReview) -> PersonMerge | None:
    """The merge a "same person" decision made, while it stands."""
    return PersonMerge.objects.filter(
        survivor_id=review.candidate_id, duplicate_id=review.person_id, undone_at__isnull=True
    ).first()
