"""The one place that scopes match reviews to a user."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tracedesk.accounts.roles import Right, require
from tracedesk.accounts.scope import scope_ids, within_scope
from tracedesk.linkage.models import (
    HouseholdProposal,
    MatchDecision,
    MatchReview,
    ProposalStatus,
    ReviewStatus,
)
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


def merge_list_for(user: object, status: str = "all") -> QuerySet[PersonMerge]:
    """The user's merges, newest first: ``standing``, ``undone`` or ``all``."""
    merges = (
        merges_for(user)
        .select_related("survivor", "duplicate", "merged_by", "undone_by")
        .order_by("-merged_at", "-pk")
    )
    if status == "standing":
        return merges.filter(undone_at__isnull=True)
    if status == "undone":
        return merges.filter(undone_at__isnull=False)
    return merges


def merge_for(user: object, merge_id: int) -> PersonMerge:
    """One merge in the user's scope, or Http404."""
    return get_object_or_404(merges_for(user), pk=merge_id)


def merge_of(review: MatchReview) -> PersonMerge | None:
    """The merge a "same person" decision made, while it stands."""
    return PersonMerge.objects.filter(
        survivor_id=review.candidate_id, duplicate_id=review.person_id, undone_at__isnull=True
    ).first()


def household_proposals_for(
    user: object, *, case_id: int | None = None, status: str | None = ProposalStatus.PROPOSED
) -> QuerySet[HouseholdProposal]:
    """Household members proposed as contacts, in the user's areas (the member's area, as
    for contacts); one case's, and by default only those waiting for a decision."""
    proposals = within_scope(
        user,
        HouseholdProposal.objects.select_related("person", "case__person"),
        Right.VIEW_PERSONAL,
    )
    if case_id is not None:
        proposals = proposals.filter(case_id=case_id)
    return proposals.filter(status=status) if status else proposals


def household_proposal_for(user: object, proposal_id: int) -> HouseholdProposal:
    """One proposal in the user's scope (any status), or Http404."""
    return get_object_or_404(household_proposals_for(user, status=None), pk=proposal_id)


def decisions_about(user: object, person_id: int, *, limit: int = 50) -> list[MatchDecision]:
    """How a person's records were matched, newest first (404 when the person is not in
    the user's areas, 403 without the right to see people).

    A candidate the user may not see (another area's person) keeps its agreement levels
    and weights, which say how the decision was made, but not its values or its id.
    """
    from tracedesk.people.access import person_for, persons_for

    person = person_for(user, person_id)
    decisions = list(
        MatchDecision.objects.filter(person=person).order_by("-created_at", "-pk")[:limit]
    )
    named = {c.get("person_id") for d in decisions for c in d.explanation.get("candidates", [])}
    visible = set(persons_for(user).filter(pk__in=named - {None}).values_list("pk", flat=True))
    for decision in decisions:
        for candidate in decision.explanation.get("candidates", []):
            if candidate.get("person_id") not in visible:
                candidate["person_id"] = None
                for field in candidate.get("fields", []):
                    field["right"] = None
    return decisions
