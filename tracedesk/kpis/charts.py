"""Server-side SVG layouts for the KPI dashboard (numbers also always in a table)."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, MARGIN = 640, 220, 30


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class Bars:
    width: int
    height: int
    series: list[list[Bar]]
    ticks: list[tuple[float, str]]
    maximum: float


def bars(labels: list[str], *series: list[float], every: int = 1) -> Bars:
    """Lay out grouped bars: one group per label, one bar per series."""
    maximum = max([1.0, *(v for s in series for v in s)])
    slot = (WIDTH - MARGIN) / max(1, len(labels))
    plot = HEIGHT - MARGIN
    width = slot * 0.8 / max(1, len(series))
    out: list[list[Bar]] = [[] for _ in series]
    ticks = []
    for index, label in enumerate(labels):
        left = MARGIN + index * slot + slot * 0.1
        for number, values in enumerate(series):
            value = values[index]
            height = plot * value / maximum
            out[number].append(
                Bar(left + number * width, plot - height, width, height, f"{label}: {value:g}")
            )
        if index % every == 0:
            ticks.append((left, label))
    return Bars(WIDTH, HEIGHT, out, ticks, maximum)


@dataclass(frozen=True)
class Line:
    points: str
    target_y: float | None


def lines(values: list[list[float | None]], targets: list[float | None]) -> list[Line]:
    """Polylines of shares (0-1) over days, with each target as a y position."""
    plot = HEIGHT - MARGIN
    out = []
    for series, target in zip(values, targets, strict=True):
        slot = (WIDTH - MARGIN) / max(1, len(series))
        points = " ".join(
            f"{MARGIN + i * slot + slot / 2:.1f},{plot - plot * v:.1f}"
            for i, v in enumerate(series)
            if v is not None
        )
        out.append(Line(points, plot - plot * target if target is not None else None))
    return out
