"""Numeric metadata over time, as small SVG line charts (points computed here, drawn by templates).

Every ``int``/``float`` metadata key seen in the given materializations becomes one chart; x is
the event time, y the value, both scaled to the chart box. No JavaScript and no chart library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dockyard.ui.metadata import MetadataEntry, format_timestamp

WIDTH = 360
HEIGHT = 90
PAD = 6
MAX_CHARTS = 12


@dataclass(frozen=True, slots=True)
class ChartPoint:
    x: float
    y: float
    title: str


@dataclass(frozen=True, slots=True)
class Chart:
    label: str
    points: list[ChartPoint]
    polyline: str
    low: str
    high: str
    last: str
    count: int
    width: int = WIDTH
    height: int = HEIGHT


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) and abs(value) < 1e15 else f"{value:,.4g}"


def numeric_charts(samples: Sequence[tuple[float, Sequence[MetadataEntry]]]) -> list[Chart]:
    """Charts for ``(timestamp, metadata entries)`` samples given oldest first."""
    series: dict[str, list[tuple[float, float]]] = {}
    for ts, entries in samples:
        for entry in entries:
            if entry.number is not None:
                series.setdefault(entry.label, []).append((ts, entry.number))
    charts = []
    for label, values in list(series.items())[:MAX_CHARTS]:
        t0, t1 = values[0][0], values[-1][0]
        lo = min(v for _, v in values)
        hi = max(v for _, v in values)
        span_t = (t1 - t0) or 1.0
        span_v = (hi - lo) or 1.0
        points = []
        for i, (ts, v) in enumerate(values):
            # equal spacing when all samples share a timestamp (bulk-loaded history)
            fx = (ts - t0) / span_t if t1 > t0 else (i / (len(values) - 1) if len(values) > 1 else 0.5)
            fy = (v - lo) / span_v if hi > lo else 0.5
            x = round(PAD + fx * (WIDTH - 2 * PAD), 1)
            y = round(HEIGHT - PAD - fy * (HEIGHT - 2 * PAD), 1)
            points.append(ChartPoint(x, y, f"{_fmt(v)} at {format_timestamp(ts)}"))
        polyline = " ".join(f"{p.x},{p.y}" for p in points)
        charts.append(Chart(label, points, polyline, _fmt(lo), _fmt(hi), _fmt(values[-1][1]), len(values)))
    return charts
