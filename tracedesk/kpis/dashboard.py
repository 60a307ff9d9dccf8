"""The KPI dashboard's figures, read from the summary tables (never row by row)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils import timezone

from tracedesk.accounts.models import Team, User
from tracedesk.kpis.definitions import KPIS, KpiDefinition
from tracedesk.kpis.facts import day_start, local_day
from tracedesk.kpis.formulas import BOUNDS, CellKey, CellValue, Filter, Measure, Totals, evaluate
from tracedesk.kpis.models import KpiAreaCell, KpiTracerHour
from tracedesk.tracing.models import TaskKind, TaskStatus, TracingTask

HEADLINE = [
    "cases_transferred",
    "cases_reached",
    "cases_reached_24h",
    "cases_reached_48h",
    "cases_reached_72h",
    "cases_reached_24h:complex",
    "cases_reached_24h:non_complex",
    "contacts_identified",
    "contacts_per_reached_case",
    "contacts_reached",
    "contacts_reached_24h",
    "contacts_reached_48h",
    "contacts_reached_72h",
    "contacts_reached_48h:household",
    "contacts_reached_48h:non_household",
    "contacts_reached:complex",
    "contacts_reached:non_complex",
    "test_to_result_hours",
    "results_24h",
    "test_to_contact_reached_hours",
    "composite_coverage",
]
TRENDS = ["cases_reached_24h", "contacts_reached_48h", "composite_coverage"]
# Distribution buckets of hours to reach, [low, high): the summary's own buckets.
BUCKETS: list[tuple[int, int | None]] = list(zip(BOUNDS, [*BOUNDS[1:], None], strict=True))


@dataclass(frozen=True)
class Figure:
    definition: KpiDefinition
    measure: Measure

    @property
    def meets_target(self) -> bool | None:
        target, value = self.definition.target, self.measure.value
        if target is None or value is None:
            return None
        return value >= target if self.definition.direction == "higher" else value <= target


def _cells(places: list[int], first: dt.date, last: dt.date, by_day: bool) -> list[Any]:
    rows = KpiAreaCell.objects.filter(day__gte=first, day__lt=last, jurisdiction_id__in=places)
    if by_day:
        # Trends need no segment, result or end-to-end cells: fewer rows to sum.
        rows = rows.filter(measure="reach")
        fields = ["day", "subject", "measure", "hours"]
    else:
        fields = ["subject", "measure", "is_complex", "is_household", "hours"]
    return list(
        rows.values_list(*fields)
        .annotate(total_n=Sum("n"), total_seconds=Sum("seconds"))
        .order_by()
    )


def _key(row: tuple[Any, ...], day: dt.date) -> tuple[CellKey, CellValue]:
    if len(row) == 6:  # by day: (day, subject, measure, hours, n, seconds)
        day, subject, measure, hours, n, seconds = row
        return CellKey(day, 0, None, None, subject, False, False, measure, hours), CellValue(
            int(n), int(seconds)
        )
    subject, measure, complex_, household, hours, n, seconds = row
    return (
        CellKey(day, 0, None, None, subject, complex_, household, measure, hours),
        CellValue(int(n), int(seconds)),
    )


def week_figures(roots: list[int], week: dt.date) -> dict[str, Any]:
    """Headline figures and distributions for the week from ``week``; trends for 4 weeks to it.

    ``roots``: jurisdictions none of which is inside another (their subtree totals are read).
    """
    end = week + dt.timedelta(days=7)
    week_rows = [_key(r, week) for r in _cells(roots, week, end, by_day=False)]
    figures = []
    for key in HEADLINE:
        d = KPIS[key]
        t = Totals()
        keep = Filter(segment=d.segment)
        for cell, value in week_rows:
            if keep.keeps(cell):
                t.add(cell, value)
        figures.append(Figure(d, evaluate(d, t)))
    first = end - dt.timedelta(days=28)
    daily: dict[dt.date, Totals] = defaultdict(Totals)
    for row in _cells(roots, first, end, by_day=True):
        cell, value = _key(row, week)
        daily[cell.day].add(cell, value)
    days = [first + dt.timedelta(days=i) for i in range(28)]
    trend_rows = [
        {
            "day": day,
            "cases": daily[day].case_n,
            "contacts": daily[day].contact_n,
            "values": [evaluate(KPIS[k], daily[day]).value for k in TRENDS],
        }
        for day in days
    ]
    return {
        "figures": figures,
        "distributions": _distributions(week_rows),
        "trends": trend_rows,
        "trend_kpis": [KPIS[k] for k in TRENDS],
    }


def _distributions(rows: list[tuple[CellKey, CellValue]]) -> list[dict[str, Any]]:
    out = []
    for low, high in BUCKETS:
        label = f"{low}-{high} h" if high is not None else f"{low} h or more"
        counts = {"case": 0, "contact": 0}
        for cell, value in rows:
            if cell.measure != "reach" or cell.hours is None:
                continue
            if cell.hours >= low and (high is None or cell.hours < high):
                counts[cell.subject] += value.n
        out.append({"label": label, "cases": counts["case"], "contacts": counts["contact"]})
    return out


def utilisation_by_team_hour(places: list[int], week: dt.date) -> dict[str, Any]:
    """Utilisation per team (teams with a member in scope) and local hour of day, for the week."""
    start, end = day_start(week), day_start(week + dt.timedelta(days=7))
    teams = dict(
        Team.objects.filter(members__jurisdictions__in=places).distinct().values_list("pk", "name")
    )
    rows = (
        KpiTracerHour.objects.filter(hour__gte=start, hour__lt=end, team_id__in=list(teams))
        .values("team_id", "hour")
        .annotate(busy=Sum("busy_seconds"), available=Sum("available_seconds"))
        .order_by()
    )
    grid: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for r in rows:
        if r["team_id"] is None:
            continue
        hour = timezone.localtime(r["hour"]).hour
        cell = grid[r["team_id"]][hour]
        cell[0] += int(r["busy"])
        cell[1] += int(r["available"])
    hours = list(range(24))
    table = []
    for team_id, name in sorted(teams.items(), key=lambda item: item[1]):
        cells = [grid[team_id].get(h, [0, 0]) for h in hours]
        busy, available = sum(c[0] for c in cells), sum(c[1] for c in cells)
        table.append(
            {
                "team": name,
                "hours": [(c[0] / c[1]) if c[1] else None for c in cells],
                "total": busy / available if available else None,
            }
        )
    return {"hours": hours, "teams": table}


def queue_now(places: list[int], now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Active tasks per kind, by how soon their deadline falls (counts only)."""
    now = now or timezone.now()
    soon, later = now + dt.timedelta(hours=2), now + dt.timedelta(hours=6)
    active = TracingTask.objects.filter(
        status__in=[TaskStatus.OPEN, TaskStatus.CLAIMED], jurisdiction_id__in=places
    )
    rows = (
        active.values("kind")
        .annotate(
            overdue=Count("id", filter=Q(due_by__lt=now)),
            within_2h=Count("id", filter=Q(due_by__gte=now, due_by__lt=soon)),
            within_6h=Count("id", filter=Q(due_by__gte=soon, due_by__lt=later)),
            later=Count("id", filter=Q(due_by__gte=later)),
            waiting=Count("id", filter=Q(status=TaskStatus.OPEN)),
            total=Count("id"),
        )
        .order_by("kind")
    )
    labels = dict(TaskKind.choices)
    return [{**r, "label": labels.get(r["kind"], r["kind"])} for r in rows]


def week_of(value: str | None, today: dt.date | None = None) -> dt.date:
    """The Monday of the week asked for (``YYYY-MM-DD``), else of the last full week."""
    today = today or local_day(timezone.now())
    if value:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"week: {value!r} is not a date (YYYY-MM-DD)") from None
    else:
        day = today - dt.timedelta(days=7)
    return day - dt.timedelta(days=day.weekday())


def tracers_in(places: list[int]) -> int:
    return User.objects.filter(jurisdictions__in=places).distinct().count()
