"""Match review endpoints: the queue, each review's explanation, the decision."""

# No "from __future__ import annotations": ninja reads these signatures at runtime.
import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tracedesk.accounts.api_auth import caller
from tracedesk.audit.reads import audit_read
from tracedesk.linkage.access import merge_for, merge_of, queue_for, review_for
from tracedesk.linkage.actions import decide_review
from tracedesk.linkage.models import MatchReview, ReviewStatus
from tracedesk.people.merges import unmerge
from tracedesk.people.models import PersonMerge
from tracedesk.people.schemas import Pages

router = Router(tags=["person matching"])


class ReviewOut(Schema):
    id: int
    person_id: int = Field(description="The record that arrived, stored as a new person")
    candidate_id: int = Field(description="The person it may be")
    total: float = Field(description="Total match weight (log2 odds)")
    status: str
    explanation: dict[str, Any] = Field(
        description="Every field: the two values, agreement level, m, u, weight; rules applied"
    )
    created_at: dt.datetime
    decided_at: dt.datetime | None
    merge_id: int | None = Field(
        None, description="The merge a 'same person' decision made, while it stands"
    )

    @staticmethod
    def resolve_merge_id(review: MatchReview) -> int | None:
        merge = merge_of(review)
        return merge.pk if merge else None


class MergeOut(Schema):
    id: int
    survivor_id: int
    duplicate_id: int
    merged_at: dt.datetime
    undone_at: dt.datetime | None


class ReviewFilter(Schema):
    status: ReviewStatus = ReviewStatus.OPEN


class DecisionIn(Schema):
    same: bool = Field(
        description="true: the same person (merged into the candidate); false: different people"
    )


@router.get("/match-reviews", response=list[ReviewOut], operation_id="list_match_reviews")
@paginate(Pages)
def list_reviews(request: HttpRequest, filters: Query[ReviewFilter]) -> QuerySet[MatchReview]:
    """Reviews in your areas (open ones by default), strongest match first."""
    reviews = queue_for(caller(request), filters.status)
    audit_read(request, MatchReview, purpose="api: match review queue")
    return reviews


@router.get("/match-reviews/{review_id}", response=ReviewOut, operation_id="get_match_review")
def get_review(request: HttpRequest, review_id: int) -> MatchReview:
    """One review with the scorer's explanation."""
    review = review_for(caller(request), review_id)
    audit_read(request, review, purpose="api: match review")
    return review


@router.post(
    "/match-reviews/{review_id}/decision", response=ReviewOut, operation_id="decide_match_review"
)
def decide(request: HttpRequest, review_id: int, payload: DecisionIn) -> MatchReview:
    """Decide a review once: the same person merges the record into the candidate."""
    review = review_for(caller(request), review_id)
    return decide_review(review, same=payload.same, actor=caller(request), source="api")


@router.post("/person-merges/{merge_id}/undo", response=MergeOut, operation_id="undo_person_merge")
def undo_merge(request: HttpRequest, merge_id: int) -> PersonMerge:
    """Undo a merge exactly: every record it moved goes back. Once only (422)."""
    merge = merge_for(caller(request), merge_id)
    return unmerge(merge, actor=caller(request), source="api")
