"""Setting pages, and staff pages to upload venue check-in files and watch them reconcile."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from tracedesk.accounts.decorators import requires
from tracedesk.accounts.roles import Right
from tracedesk.audit.reads import audit_read
from tracedesk.ingest.pipeline import run_upload, save_upload
from tracedesk.places.access import (
    attendances_for,
    checkin_batch_for,
    checkin_batches_for,
    checkin_rejections_for,
    setting_for,
)
from tracedesk.places.checkins import CheckInFileError, check_header, prepare_batch, run_batch


@require_safe
@login_required
def setting_detail(request: HttpRequest, setting_id: int) -> HttpResponse:
    """A setting and the attendances of people in the user's scope."""
    setting = setting_for(request.user, setting_id)
    attendances = attendances_for(request.user).filter(setting=setting).order_by("-attended_on")
    audit_read(request, setting, purpose="setting page with attendances")
    return render(
        request, "places/setting_detail.html", {"setting": setting, "attendances": attendances}
    )


@require_safe
@requires(Right.INGEST_RESULTS)
def checkin_list(request: HttpRequest) -> HttpResponse:
    """Recent check-in imports and the upload form."""
    batches = checkin_batches_for(request.user).order_by("-received_at", "-pk")[:50]
    return render(request, "places/checkin_list.html", {"batches": batches})


@require_POST
@requires(Right.INGEST_RESULTS)
def checkin_upload(request: HttpRequest) -> HttpResponse:
    """Take a check-in file, create its batch, import it (in the background when so set)."""
    uploaded = request.FILES.get("file")
    if uploaded is None:
        messages.error(request, "Choose a file to upload.")
        return redirect("checkin-list")
    path = save_upload(uploaded.chunks())
    try:
        check_header(path)
        batch = prepare_batch(path, actor=request.user, channel="web", name=uploaded.name)
    except CheckInFileError as exc:
        path.unlink(missing_ok=True)
        messages.error(request, f"{uploaded.name}: {exc}")
        return redirect("checkin-list")
    if batch.already_imported:
        path.unlink(missing_ok=True)
        messages.info(
            request,
            f"{uploaded.name} has the same content as batch {batch.pk}, already imported:"
            " nothing was written.",
        )
    else:
        run_upload(run_batch, batch, path, request.user)
    return redirect("checkin-detail", batch_id=batch.pk)


@require_safe
@requires(Right.INGEST_RESULTS)
def checkin_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    """A check-in import's reconciliation, live while it runs, and its rejected rows."""
    batch = checkin_batch_for(request.user, batch_id)
    rejections = checkin_rejections_for(request.user, batch).order_by("line")
    page = Paginator(rejections, 50).get_page(request.GET.get("page"))
    audit_read(request, batch, purpose="check-in import with rejected rows")
    return render(request, "places/checkin_detail.html", {"batch": batch, "page": page})


@require_safe
@requires(Right.INGEST_RESULTS)
def checkin_progress(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The reconciliation panel alone: polled by htmx while the import runs."""
    batch = checkin_batch_for(request.user, batch_id)
    response = render(request, "places/_checkin_reconciliation.html", {"batch": batch})
    if request.headers.get("HX-Request") and batch.status != "running":
        # Finished: reload the whole page so the rejected rows appear with the totals.
        response["HX-Refresh"] = "true"
    return response
