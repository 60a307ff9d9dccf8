"""The contracts app's one door to the KPI engine (``tracedesk.kpis.engine``).

Service levels are measured as shares (numerator of denominator), so only KPIs
whose figure is a count of records out of a count of records can carry one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from tracedesk.kpis import engine


@dataclass(frozen=True)
class Share:
    numerator: int
    denominator: int


def share_kpis() -> dict[str, Any]:
    """Return the KPI definitions a service level can use (those measured as a share)."""
    return {key: kpi for key, kpi in engine.KPIS.items() if _is_share(kpi)}


def _is_share(kpi: Any) -> bool:
    # Composite coverage is a product of two shares: its numerator and denominator
    # do not add up across the runs of days a force-majeure period leaves.
    return getattr(kpi, "unit", "") == "share" and getattr(kpi, "measure", "") != "composite"


def kpi_problem(key: str) -> str:
    """Return why ``key`` cannot carry a service level, or "" when it can."""
    if not key:
        return "Choose a KPI."
    if key not in engine.KPIS:
        return f"'{key}' is not a KPI (see docs/kpis.md)."
    if key not in share_kpis():
        return f"'{key}' is not measured as a share, so it has no percentage target."
    return ""


def kpi_label(key: str) -> str:
    kpi = engine.KPIS.get(key)
    return str(getattr(kpi, "title", "") or key)


def _filters(key: str, jurisdiction_ids: Collection[int], contractor_id: int) -> dict[str, Any]:
    # Tracer utilisation is about the contractor's own staff; every other KPI about
    # every record in the contract's area, whoever worked it (or nobody did).
    if getattr(engine.KPIS[key], "subject", "") == "tracer":
        return {"contractor_id": contractor_id}
    return {"jurisdiction_ids": sorted(jurisdiction_ids)}


def measure_share(
    key: str,
    intervals: Sequence[tuple[dt.datetime, dt.datetime]],
    *,
    jurisdiction_ids: Collection[int],
    contractor_id: int,
) -> Share:
    """Add up the KPI's numerator and denominator over disjoint ``[start, end)`` intervals.

    Computed from the records themselves (never the summary tables), so a
    statement always agrees with its drill-down, however recently data arrived.
    """
    numerator = denominator = 0
    filters = _filters(key, jurisdiction_ids, contractor_id)
    for start, end in intervals:
        measured = engine.measure(key, start=start, end=end, source="records", **filters)
        numerator += int(measured.numerator)
        denominator += int(measured.denominator)
    return Share(numerator, denominator)


def failing_records(
    key: str,
    intervals: Sequence[tuple[dt.datetime, dt.datetime]],
    *,
    jurisdiction_ids: Collection[int],
    contractor_id: int,
    failing: bool = True,
) -> list[QuerySet[Any]]:
    """Return, per interval, the records that count against the service level.

    For an "at least" target those failing the KPI; for an "at most" target
    (``failing=False``) those meeting it, since each one raises the share.
    """
    filters = _filters(key, jurisdiction_ids, contractor_id)
    return [
        engine.records(key, start=start, end=end, failing=failing, **filters)
        for start, end in intervals
    ]
