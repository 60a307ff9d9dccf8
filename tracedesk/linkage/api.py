"""Match review endpoints: the queue, each review's explanation, the decision."""

# No "from __future__ import annotations": ninja reads these signatures at runtime.
import datetime as dt
from typing import Any, Literal

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from tracedesk.accounts.api_auth import caller
from tracedesk.accounts.roles import Right, require
from tracedesk.audit.reads import audit_read
from tracedesk.linkage.access import (
    decisions_about,
    household_proposal_for,
    household_proposals_for,
    merge_for,
    merge_list_for,
    merge_of,
    queue_for,
    review_for,
)
from tracedesk.linkage.actions import decide_review
from tracedesk.linkage.households import decide_household_proposal
from tracedesk.linkage.models import (
    HouseholdProposal,
    MatchDecision,
    MatchReview,
    ProposalStatus,
    ReviewStatus,
)
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


class MergeDetailOut(MergeOut):
    reason: str
    evidence: dict[str, Any] = Field(description="Why the records match: the matcher's explanation")
    merged_by: str | None = Field(None, description="Who decided it (null: the system)")
    undone_by: str | None = None
    moved: int = Field(description="How many linked records the merge moved to the survivor")

    @staticmethod
    def resolve_merged_by(merge: PersonMerge) -> str | None:
        return merge.merged_by.get_username() if merge.merged_by else None

    @staticmethod
    def resolve_undone_by(merge: PersonMerge) -> str | None:
        return merge.undone_by.get_username() if merge.undone_by else None


class MergeFilter(Schema):
    status: Literal["all", "standing", "undone"] = "all"


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


@router.get("/person-merges", response=list[MergeDetailOut], operation_id="list_person_merges")
@paginate(Pages)
def list_merges(request: HttpRequest, filters: Query[MergeFilter]) -> QuerySet[PersonMerge]:
    """Merges in your areas, newest first: who, when, why, the evidence, and whether undone."""
    merges = merge_list_for(caller(request), filters.status).annotate(
        moved=Count("links", filter=Q(links__moved=True))
    )
    audit_read(request, PersonMerge, purpose="api: person merges")
    return merges


@router.post("/person-merges/{merge_id}/undo", response=MergeOut, operation_id="undo_person_merge")
def undo_merge(request: HttpRequest, merge_id: int) -> PersonMerge:
    """Undo a merge exactly: every record it moved goes back. Once only (422)."""
    merge = merge_for(caller(request), merge_id)
    return unmerge(merge, actor=caller(request), source="api")


class ProposalOut(Schema):
    id: int
    case_id: int
    person_id: int = Field(description="The household member proposed as a contact")
    status: str
    contact_id: int | None = Field(None, description="The contact a confirmation recorded")
    created_at: dt.datetime
    decided_at: dt.datetime | None


class ProposalFilter(Schema):
    case_id: int | None = None
    status: ProposalStatus = ProposalStatus.PROPOSED


class ProposalDecisionIn(Schema):
    confirm: bool = Field(description="true: a household contact (with a task); false: not one")
    last_exposure_date: dt.date | None = Field(
        None, description="When the case last shared the home with them (default today)"
    )


@router.get(
    "/household-proposals", response=list[ProposalOut], operation_id="list_household_proposals"
)
@paginate(Pages)
def list_proposals(
    request: HttpRequest, filters: Query[ProposalFilter]
) -> QuerySet[HouseholdProposal]:
    """Known household members proposed as new cases' contacts, in your areas."""
    proposals = household_proposals_for(
        caller(request), case_id=filters.case_id, status=filters.status
    )
    audit_read(request, HouseholdProposal, purpose="api: household proposals")
    return proposals.order_by("case", "pk")


@router.post(
    "/household-proposals/{proposal_id}/decision",
    response=ProposalOut,
    operation_id="decide_household_proposal",
)
def decide_proposal(
    request: HttpRequest, proposal_id: int, payload: ProposalDecisionIn
) -> HouseholdProposal:
    """Confirm or decline a proposal, once (422 when already decided)."""
    proposal = household_proposal_for(caller(request), proposal_id)
    require(caller(request), Right.WORK_TASKS)
    return decide_household_proposal(
        proposal, confirm=payload.confirm, last_exposure_date=payload.last_exposure_date,
        actor=caller(request), source="api",
    )  # fmt: skip


class DecisionOut(Schema):
    id: int
    person_id: int = Field(description="The person the record became or was linked to")
    outcome: str = Field(description="link, review or new")
    candidates: int = Field(description="People sharing a blocking key with the record")
    chosen_id: int | None = Field(None, description="The candidate linked to or queued")
    total: float = Field(description="The best candidate's total match weight (log2 odds)")
    explanation: dict[str, Any] = Field(
        description="The strongest candidates (at most three): each field's values, level, "
        "m, u, weight; the rules applied"
    )
    source: str
    created_at: dt.datetime


@router.get(
    "/people/{person_id}/match-decisions",
    response=list[DecisionOut],
    operation_id="list_match_decisions",
)
@paginate(Pages)
def list_decisions(request: HttpRequest, person_id: int) -> list[MatchDecision]:
    """How each record that became (or was linked to) this person was matched, newest first
    (the latest 50). A candidate outside your areas shows its levels and weights only."""
    decisions = decisions_about(caller(request), person_id)
    audit_read(request, MatchDecision, purpose="api: match decisions")
    return decisions
