"""The review queue: probable duplicates, each with the scorer's explanation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from tracedesk.accounts.roles import Right, require
from tracedesk.audit.reads import audit_read
from tracedesk.linkage.access import (
    household_proposal_for,
    household_proposals_for,
    merge_for,
    merge_list_for,
    merge_of,
    queue_for,
    review_for,
    reviews_for,
)
from tracedesk.linkage.actions import decide_review
from tracedesk.linkage.households import decide_household_proposal
from tracedesk.linkage.models import HouseholdProposal, MatchReview
from tracedesk.people.merges import unmerge
from tracedesk.people.models import PersonMerge

PAGE_SIZE = 50


@require_safe
@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    """Open reviews in scope, strongest score first."""
    page = Paginator(queue_for(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    audit_read(request, MatchReview, purpose="match review queue")
    return render(request, "linkage/review_list.html", {"page": page})


@require_safe
@login_required
def review_detail(request: HttpRequest, review_id: int) -> HttpResponse:
    """Both records side by side, every field's level and weight, and the decision."""
    review = review_for(request.user, review_id)
    audit_read(request, review, purpose="match review")
    following = queue_for(request.user).exclude(pk=review.pk).values_list("pk", flat=True).first()
    context = {"review": review, "following": following, "merge": merge_of(review)}
    return render(request, "linkage/review_detail.html", context)


@require_POST
@login_required
def review_decide(request: HttpRequest, review_id: int) -> HttpResponse:
    """Same person (merge into the candidate) or different people; then the next review."""
    review = review_for(request.user, review_id)
    decision = request.POST.get("decision")
    if decision not in ("same", "different"):
        messages.error(request, "Choose “same person” or “different people”.")
        return redirect("review-detail", review_id=review.pk)
    try:
        decide_review(review, same=decision == "same", actor=request.user, source="web")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("review-detail", review_id=review.pk)
    following = queue_for(request.user).first()
    if following is None:
        return redirect("review-list")
    return redirect("review-detail", review_id=following.pk)


MERGE_STATUSES = ("all", "standing", "undone")


@require_safe
@login_required
def merge_list(request: HttpRequest) -> HttpResponse:
    """Every merge in scope, newest first: who merged which records, when and why, and
    whether it still stands (with the button to undo it)."""
    status = request.GET.get("status", "all")
    if status not in MERGE_STATUSES:
        status = "all"
    merges = merge_list_for(request.user, status)
    page = Paginator(merges, PAGE_SIZE).get_page(request.GET.get("page"))
    audit_read(request, PersonMerge, purpose="person merges", ids=[m.pk for m in page.object_list])
    context = {"page": page, "status": status, "statuses": MERGE_STATUSES}
    return render(request, "linkage/merge_list.html", context)


@require_POST
@login_required
def merge_undo(request: HttpRequest, merge_id: int) -> HttpResponse:
    """Undo a merge: every record it moved goes back to the person it came from."""
    merge = merge_for(request.user, merge_id)
    try:
        unmerge(merge, actor=request.user, source="web")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Merge {merge.pk} undone: the two records are separate again.")
    if request.POST.get("back") == "merges":
        return redirect("merge-list")
    review = (
        reviews_for(request.user)
        .filter(person_id=merge.duplicate_id, candidate_id=merge.survivor_id)
        .first()
    )
    if review is None:
        return redirect("review-list")
    return redirect("review-detail", review_id=review.pk)


@require_safe
@login_required
def proposal_list(request: HttpRequest) -> HttpResponse:
    """Household members waiting to be confirmed as contacts (``?case=`` for one case)."""
    case = request.GET.get("case", "")
    proposals = household_proposals_for(request.user, case_id=int(case) if case.isdigit() else None)
    page = Paginator(proposals.order_by("case", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    audit_read(request, HouseholdProposal, purpose="household proposals")
    return render(request, "linkage/proposal_list.html", {"page": page, "case": case})


@require_POST
@login_required
def proposal_decide(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Confirm (a household contact with its task) or decline one proposal."""
    proposal = household_proposal_for(request.user, proposal_id)
    require(request.user, Right.WORK_TASKS)
    decision = request.POST.get("decision")
    back = f"{reverse('household-proposals')}?case={proposal.case_id}"
    if decision not in ("confirm", "decline"):
        messages.error(request, "Choose “household contact” or “not a household contact”.")
        return redirect(back)
    try:
        decide_household_proposal(
            proposal, confirm=decision == "confirm", actor=request.user, source="web"
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(back)
