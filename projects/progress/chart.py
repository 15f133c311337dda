"""The geometry of the monthly progress chart: cumulative planned and completed investment (left axis, 万元)
and cumulative physical progress (right axis, %), month by month. Pure: the template
projects/progress/_chart.html draws it as inline SVG, so the page needs no JavaScript and no chart library."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .figures import TEN_THOUSAND, MonthFigures

WIDTH, HEIGHT = 820, 320
LEFT, RIGHT, TOP, BOTTOM = 86, 52, 20, 44  # margins for the axis labels


@dataclass(frozen=True)
class Tick:
    position: str  # the x or y coordinate, formatted for SVG
    label: str


def _c(value: float) -> str:
    return f"{value:.1f}"


@dataclass
class Chart:
    width: int
    height: int
    left: int
    top: int
    right: int  # x of the right edge of the plot
    bottom: int  # y of the bottom edge of the plot
    x_ticks: list[Tick] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)  # left axis, 万元
    p_ticks: list[Tick] = field(default_factory=list)  # right axis, %
    planned: str = ""  # SVG polyline points
    completed: str = ""
    physical: str = ""
    completed_dots: list[tuple[str, str]] = field(default_factory=list)


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 or 10 × 10ⁿ at or above `value` (a round top for an axis)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value * (1 - 1e-12):
            return float(candidate)
    return float(10 ** (exponent + 1))


def _points(pairs: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pairs)


def _wan_label(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == 0 else f"{value:,.1f}"


def progress_chart(figures: Sequence[MonthFigures]) -> Chart | None:
    """The chart of `figures` (in month order), or None when there is nothing to draw."""
    if not figures:
        return None
    chart = Chart(width=WIDTH, height=HEIGHT, left=LEFT, top=TOP, right=WIDTH - RIGHT, bottom=HEIGHT - BOTTOM)
    plot_w, plot_h = chart.right - chart.left, chart.bottom - chart.top
    n = len(figures)

    def x(i: int) -> float:
        return chart.left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    top_value = max([float(f.cumulative_planned) for f in figures]
                    + [float(f.cumulative_completed) for f in figures if f.cumulative_completed is not None])
    top_wan = nice_ceiling(top_value / float(TEN_THOUSAND))

    def y_wan(amount: Decimal) -> float:
        return chart.bottom - plot_h * (float(amount) / float(TEN_THOUSAND)) / top_wan

    def y_pct(value: Decimal) -> float:
        return chart.bottom - plot_h * float(value) / 100

    chart.y_ticks = [Tick(_c(chart.bottom - plot_h * k / 5), _wan_label(top_wan * k / 5)) for k in range(6)]
    chart.p_ticks = [Tick(_c(chart.bottom - plot_h * k / 5), f"{20 * k}%") for k in range(6)]
    step = max(1, math.ceil(n / 12))
    chart.x_ticks = [Tick(_c(x(i)), f"{f.month:%Y-%m}") for i, f in enumerate(figures) if i % step == 0]
    chart.planned = _points([(x(i), y_wan(f.cumulative_planned)) for i, f in enumerate(figures)])
    done = [(x(i), y_wan(f.cumulative_completed)) for i, f in enumerate(figures) if f.cumulative_completed is not None]
    chart.completed = _points(done)
    chart.completed_dots = [(_c(a), _c(b)) for a, b in done] if len(done) <= 24 else []
    chart.physical = _points([(x(i), y_pct(f.physical)) for i, f in enumerate(figures) if f.physical is not None])
    return chart
