"""Server-side SVG charts: no JavaScript, and the numbers are always also in a table."""

from __future__ import annotations

from dataclasses import dataclass

from tracedesk.kpis.daily import DayCount

WIDTH, HEIGHT, MARGIN = 640, 220, 30


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    cases: list[Bar]
    contacts: list[Bar]
    ticks: list[tuple[float, str]]
    maximum: int


def daily_bars(days: list[DayCount]) -> BarChart:
    """Lay out paired daily bars (cases, contacts) for the template to draw."""
    maximum = max([1, *(d.cases for d in days), *(d.contacts for d in days)])
    slot = (WIDTH - MARGIN) / max(1, len(days))
    plot = HEIGHT - MARGIN
    cases: list[Bar] = []
    contacts: list[Bar] = []
    ticks: list[tuple[float, str]] = []
    for index, day in enumerate(days):
        left = MARGIN + index * slot
        for series, value, offset in ((cases, day.cases, 0.1), (contacts, day.contacts, 0.5)):
            height = plot * value / maximum
            series.append(Bar(left + slot * offset, plot - height, slot * 0.4, height, str(value)))
        if index % 7 == 0:
            ticks.append((left, day.day.strftime("%d %b")))
    return BarChart(WIDTH, HEIGHT, cases, contacts, ticks, maximum)
