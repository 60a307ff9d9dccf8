"""The weekly bulletin as a page, CSV and XLSX: published statistics, suppressed."""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import cast

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tracedesk.accounts.decorators import requires
from tracedesk.accounts.roles import Right
from tracedesk.publications.bulletin import Bulletin, compute_bulletin, latest_week, parse_week
from tracedesk.publications.files import bulletin_csv, bulletin_xlsx, note


def _bulletin(request: HttpRequest) -> Bulletin | HttpResponse:
    text = request.GET.get("week", "")
    try:
        week = parse_week(text) if text else latest_week()
    except ValueError as exc:
        message = str(exc) if "Thursday" in str(exc) else f"{text} is not a date (YYYY-MM-DD)."
        return HttpResponse(
            f"week: {message}", status=400, content_type="text/plain; charset=utf-8"
        )
    return compute_bulletin(week)


@require_safe
@requires(Right.VIEW_STATISTICS)
def bulletin_page(request: HttpRequest) -> HttpResponse:
    """The bulletin for a week (``?week=`` a Thursday; default the latest complete week)."""
    bulletin = _bulletin(request)
    if isinstance(bulletin, HttpResponse):
        return bulletin
    previous = bulletin.week_start - dt.timedelta(days=7)
    following = bulletin.week_start + dt.timedelta(days=7)
    return render(
        request,
        "publications/bulletin.html",
        {
            "bulletin": bulletin,
            "note": note(bulletin),
            "previous": previous,
            "following": following if following <= latest_week() else None,
        },
    )


def _filename(bulletin: Bulletin, extension: str) -> str:
    return f"contact-tracing-bulletin-{bulletin.week_start:%Y-%m-%d}.{extension}"


@require_safe
@requires(Right.VIEW_STATISTICS)
def bulletin_csv_file(request: HttpRequest) -> HttpResponse:
    bulletin = _bulletin(request)
    if isinstance(bulletin, HttpResponse):
        return bulletin
    response = HttpResponse(bulletin_csv(bulletin), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(bulletin, "csv")}"'
    return response


@require_safe
@requires(Right.VIEW_STATISTICS)
def bulletin_xlsx_file(request: HttpRequest) -> HttpResponse:
    bulletin = _bulletin(request)
    if isinstance(bulletin, HttpResponse):
        return bulletin
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115  (FileResponse closes it)
    bulletin_xlsx(bulletin, target)
    target.seek(0)
    response = FileResponse(
        target,
        as_attachment=True,
        filename=_filename(bulletin, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    return cast(HttpResponse, response)  # a streamed file: the same to the decorators
