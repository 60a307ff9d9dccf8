"""Export pages: every list as CSV, XLSX or Parquet, streamed, audited as an export."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from tracedesk.accounts.decorators import requires
from tracedesk.accounts.reauth import authenticated_recently, confirm_url
from tracedesk.accounts.roles import Right, has_right
from tracedesk.audit.models import Action, AuditEvent
from tracedesk.audit.reads import client_address
from tracedesk.exports.datasets import DATASETS, KPI_COLUMNS, Dataset, kpi_rows, rows_for
from tracedesk.exports.writers import Column, csv_chunks, parquet_chunks, xlsx_file

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
MAX_KPI_DAYS = 366


def may_export(user: object, dataset: Dataset) -> bool:
    """Whether the export page offers ``dataset`` to ``user`` (the access function decides)."""
    try:
        dataset.access(user)
    except PermissionDenied:
        return False
    return has_right(user, dataset.right)


def audit_export(
    request: HttpRequest, model: type[models.Model] | str, *, purpose: str, source: str = "web"
) -> Callable[[list[int]], None]:
    """Record the export before the first byte leaves (never the filters: they may be names).

    Returns the function that records, as the rows stream out, the ids exported: one more
    ``export`` event per batch naming them (``object_ids``), so "who exported this record"
    is answered by the audit trail like any other read.
    """
    label = model if isinstance(model, str) else model._meta.label_lower
    actor = cast(Any, request.user)  # the views and API handlers here require sign-in
    role = getattr(request.user, "role", "")
    address = client_address(request)

    def write(what: str, ids: list[int]) -> None:
        with transaction.atomic():
            AuditEvent.objects.create(
                actor=actor, actor_role=role, source=source, action=Action.EXPORT,
                object_type=label, object_ids=ids, purpose=what[:120], client_ip=address,
            )  # fmt: skip

    write(purpose, [])
    sent = [0]

    def exported(ids: list[int]) -> None:
        first, sent[0] = sent[0] + 1, sent[0] + len(ids)
        write(f"{purpose}: rows {first}-{sent[0]}", list(ids))

    return exported


def _filename(key: str, fmt: str) -> str:
    return f"tracedesk-{key}-{timezone.localtime():%Y%m%d-%H%M}.{fmt}"


def send(
    columns: Sequence[Column], rows: Iterator[Sequence[Any]], *, key: str, title: str, fmt: str
) -> HttpResponse:
    """Stream rows as a file download in ``fmt``."""
    disposition = f'attachment; filename="{_filename(key, fmt)}"'
    if fmt == "xlsx":
        result = xlsx_file(columns, rows, title=title)
        response = FileResponse(result.file, content_type=FORMATS[fmt])
        response["Content-Disposition"] = disposition
        response["X-Export-Rows"] = str(result.rows)
        if result.warning:
            response["X-Export-Warning"] = result.warning
        return cast(HttpResponse, response)  # a streamed file: the same to its callers
    chunks = csv_chunks(columns, rows) if fmt == "csv" else parquet_chunks(columns, rows)
    streamed = StreamingHttpResponse(chunks, content_type=FORMATS[fmt])
    streamed["Content-Disposition"] = disposition
    return cast(HttpResponse, streamed)


def _format(fmt: str) -> str:
    if fmt not in FORMATS:
        raise Http404("No such format.")
    return fmt


@require_safe
@requires(Right.VIEW_STATISTICS)
def export_index(request: HttpRequest) -> HttpResponse:
    """The lists the user may export, each in three formats."""
    offered = [d for d in DATASETS.values() if may_export(request.user, d)]
    return render(
        request,
        "exports/index.html",
        {"datasets": offered, "formats": list(FORMATS), "max_days": MAX_KPI_DAYS},
    )


@require_safe
@requires(Right.VIEW_STATISTICS)  # and the list's own right (``rows_for`` asks it)
def export_dataset(request: HttpRequest, key: str, fmt: str) -> HttpResponse:
    """One list of records in scope as a file: asks for a recent password confirmation first."""
    dataset = DATASETS.get(key)
    if dataset is None:
        raise Http404("No such list.")
    fmt = _format(fmt)
    columns, rows = rows_for(request.user, dataset)  # 403 here without the access right
    if dataset.personal and not authenticated_recently(request):
        return HttpResponseRedirect(confirm_url(request.get_full_path()))
    exported = audit_export(request, dataset.model, purpose=f"export {dataset.key} as {fmt}")
    columns, rows = rows_for(request.user, dataset, exported=exported)
    return send(columns, rows, key=dataset.key, title=dataset.title, fmt=fmt)


@require_safe
@requires(Right.VIEW_STATISTICS)
def export_kpis(request: HttpRequest, fmt: str) -> HttpResponse:
    """The KPI table (each KPI per day, in scope) as a file; ``?days=`` (1-366, default 28)."""
    fmt = _format(fmt)
    try:
        days = int(request.GET.get("days", "28"))
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_KPI_DAYS:
        return HttpResponse(
            f"days: give a whole number of days from 1 to {MAX_KPI_DAYS}.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    audit_export(request, "kpis.table", purpose=f"export KPI table ({days} days) as {fmt}")
    rows = kpi_rows(request.user, days=days)
    return send(KPI_COLUMNS, rows, key="kpis", title="KPIs", fmt=fmt)
