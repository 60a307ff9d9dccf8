"""The KPI dashboard: aggregate figures only, read from the summary tables."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.views.decorators.http import require_safe

from tracedesk.accounts.decorators import requires
from tracedesk.accounts.roles import Right
from tracedesk.kpis import charts, dashboard
from tracedesk.kpis.access import statistics_roots, statistics_scope


@require_safe
@requires(Right.VIEW_STATISTICS)
def kpi_dashboard(request: HttpRequest) -> HttpResponse:
    """Epicurve, KPIs against targets, times to reach, utilisation and the queue now."""
    places = statistics_scope(request.user)
    try:
        week = dashboard.week_of(request.GET.get("week"))
    except ValueError as error:
        return HttpResponseBadRequest(str(error))
    data = dashboard.week_figures(statistics_roots(request.user), week)
    trends = data["trends"]
    labels = [row["day"].strftime("%d %b") for row in trends]
    distributions = data["distributions"]
    context = {
        **data,
        "week": week,
        "week_end": week + dt.timedelta(days=6),
        "previous": week - dt.timedelta(days=7),
        "next": week + dt.timedelta(days=7),
        "epicurve": charts.bars(
            labels, [r["cases"] for r in trends], [r["contacts"] for r in trends], every=7
        ),
        "trend_lines": charts.lines(
            [[r["values"][i] for r in trends] for i in range(len(data["trend_kpis"]))],
            [d.target for d in data["trend_kpis"]],
        ),
        "reach_chart": charts.bars(
            [d["label"] for d in distributions],
            [d["cases"] for d in distributions],
            [d["contacts"] for d in distributions],
        ),
        "utilisation": dashboard.utilisation_by_team_hour(places, week),
        "queue": dashboard.queue_now(places),
    }
    return render(request, "kpis/dashboard.html", context)
