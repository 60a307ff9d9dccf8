"""Staff pages: upload a laboratory feed, watch it reconcile, correct rejected records."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tracedesk.accounts.decorators import requires
from tracedesk.accounts.roles import Right
from tracedesk.audit.reads import audit_read
from tracedesk.ingest.access import batch_for, batches_for, rejection_for, rejections_for
from tracedesk.ingest.actions import resubmit_rejection
from tracedesk.ingest.models import BatchStatus, Channel, RejectionStatus
from tracedesk.ingest.pipeline import prepare_batch, run_batch, run_upload, save_upload
from tracedesk.lib.labfeeds import CANONICAL_FIELDS, FeedError

FORMATS = [("", "Detect from the content"), ("csv", "CSV"), ("fhir-ndjson", "FHIR NDJSON"),
           ("fhir-bundle", "FHIR Bundle"), ("hl7", "HL7 v2 ORU^R01")]  # fmt: skip


@require_safe
@requires(Right.INGEST_RESULTS)
def batch_list(request: HttpRequest) -> HttpResponse:
    """Recent batches and the upload form."""
    batches = batches_for(request.user).order_by("-received_at", "-pk")[:50]
    return render(request, "ingest/batch_list.html", {"batches": batches, "formats": FORMATS})


@require_POST
@requires(Right.INGEST_RESULTS)
def upload(request: HttpRequest) -> HttpResponse:
    """Take a file, create its batch, and ingest it (in the background for large files)."""
    uploaded = request.FILES.get("file")
    if uploaded is None:
        messages.error(request, "Choose a file to upload.")
        return redirect("ingest-list")
    path = save_upload(uploaded.chunks())
    try:
        batch = prepare_batch(
            path,
            actor=request.user,
            channel=Channel.WEB,
            format=request.POST.get("format") or None,
            name=uploaded.name,
        )
    except FeedError as exc:
        path.unlink(missing_ok=True)
        messages.error(request, f"{uploaded.name}: {exc}")
        return redirect("ingest-list")
    run_upload(run_batch, batch, path, request.user)
    return redirect("ingest-detail", batch_id=batch.pk)


@require_safe
@requires(Right.INGEST_RESULTS)
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    """A batch's reconciliation, live while it runs, and its rejected records."""
    batch = batch_for(request.user, batch_id)
    rejections = rejections_for(request.user).filter(batch=batch).order_by("number")
    page = Paginator(rejections, 50).get_page(request.GET.get("page"))
    audit_read(request, batch, purpose="ingest batch with rejected records")
    return render(request, "ingest/batch_detail.html", {"batch": batch, "page": page})


@require_safe
@requires(Right.INGEST_RESULTS)
def batch_progress(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The reconciliation panel alone: polled by htmx while the batch runs."""
    batch = batch_for(request.user, batch_id)
    response = render(request, "ingest/_reconciliation.html", {"batch": batch})
    if request.headers.get("HX-Request") and batch.status != BatchStatus.RUNNING:
        # Finished: reload the whole page so the rejected records appear with the totals.
        response["HX-Refresh"] = "true"
    return response


@require_http_methods(["GET", "POST"])
@requires(Right.INGEST_RESULTS)
def rejection_detail(request: HttpRequest, rejection_id: int) -> HttpResponse:
    """Show a rejected record as received; correct its fields and submit it again."""
    rejection = rejection_for(request.user, rejection_id)
    fields = {name: str(rejection.fields.get(name, "")) for name in CANONICAL_FIELDS}
    error = None
    if request.method == "POST":
        corrected = {name: request.POST.get(name, "").strip() for name in CANONICAL_FIELDS}
        try:
            resubmit_rejection(rejection, corrected, actor=request.user, source="web")
        except ValidationError as exc:
            error = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
            fields = corrected
        else:
            messages.success(request, f"Record {rejection.number} was accepted.")
            return redirect("ingest-detail", batch_id=rejection.batch_id)
    else:
        audit_read(request, rejection, purpose="rejected record")
    return render(
        request,
        "ingest/rejection_detail.html",
        {
            "rejection": rejection,
            "fields": fields,
            "error": error,
            "open": rejection.status == RejectionStatus.OPEN,
            "running": rejection.batch.status == BatchStatus.RUNNING,
        },
    )
