"""The dashboard's charts, drawn on the server as SVG: plain geometry from plain numbers.

No chart library and nothing from a CDN: each chart is a handful of rectangles and texts placed
here and written out by `templates/workflow/_bar_chart.html` with presentation attributes and
classes only (static/css/charts.css colours them), so it holds under a strict
Content-Security-Policy, prints, and reads without a script. Every chart carries a title and
a description for screen readers, and the page shows its numbers as a table beside it.
"""
from __future__ import annotations

from dataclasses import dataclass

WIDTH = 480  # the viewBox's width; the SVG scales to its column
LABEL_WIDTH = 112  # horizontal bars: the labels' column (six Chinese characters at 14px)
ROW = 30  # horizontal bars: one row's height
BAR = 20  # horizontal bars: one bar's thickness
PLOT_HEIGHT = 150  # vertical bars: the tallest bar
VALUE_ROOM = 40  # room for the value written after (or above) the longest bar


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    value_x: float  # where the bar's number is written
    value_y: float
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Chart:
    key: str  # the element ids' stem
    title: str
    description: str  # a sentence with every number, for screen readers (SVG <desc>)
    unit: str  # what a value counts, for the table's column (份, 个单位)
    category: str  # what the bars are, for the table's first column (状态, 月份)
    horizontal: bool
    bars: tuple[Bar, ...]
    width: int
    height: int
    total: int
    baseline: float  # the axis: x of horizontal bars' start, y of vertical bars' foot

    @property
    def empty(self) -> bool:
        return self.total == 0


def _scale(values: list[int], room: float) -> list[float]:
    top = max(values, default=0)
    return [room * value / top if top else 0.0 for value in values]


def _description(title: str, items: list[tuple[str, int]], unit: str) -> str:
    total = sum(value for _, value in items)
    parts = "、".join(f"{label}{value}{unit}" for label, value in items)
    return f"{title}：共{total}{unit}。{parts}。" if items else f"{title}：暂无数据。"


def horizontal(key: str, title: str, items: list[tuple[str, int]], *, category: str, unit: str = "份") -> Chart:
    """One bar per item, top to bottom, labels on the left; the longest bar fills the width."""
    lengths = _scale([value for _, value in items], WIDTH - LABEL_WIDTH - VALUE_ROOM)
    bars = tuple(
        Bar(label=label, value=value, x=LABEL_WIDTH, y=index * ROW + (ROW - BAR) / 2, width=round(length, 1), height=BAR,
            value_x=round(LABEL_WIDTH + length + 6, 1), value_y=index * ROW + ROW / 2, label_x=LABEL_WIDTH - 8,
            label_y=index * ROW + ROW / 2)
        for index, ((label, value), length) in enumerate(zip(items, lengths, strict=True))
    )
    return Chart(key=key, title=title, description=_description(title, items, unit), unit=unit, category=category, horizontal=True,
                 bars=bars, width=WIDTH, height=max(ROW * len(items), ROW), total=sum(v for _, v in items),
                 baseline=LABEL_WIDTH)


def vertical(key: str, title: str, items: list[tuple[str, int]], *, category: str, unit: str = "份") -> Chart:
    """One column per item, left to right (months, score bands), labels below, values on top."""
    slot = WIDTH / max(len(items), 1)
    thickness = min(slot * 0.6, 44)
    heights = _scale([value for _, value in items], PLOT_HEIGHT)
    foot = PLOT_HEIGHT + VALUE_ROOM / 2
    bars = tuple(
        Bar(label=label, value=value, x=round(index * slot + (slot - thickness) / 2, 1), y=round(foot - height, 1),
            width=round(thickness, 1), height=round(height, 1), value_x=round(index * slot + slot / 2, 1),
            value_y=round(foot - height - 6, 1), label_x=round(index * slot + slot / 2, 1), label_y=foot + 18)
        for index, ((label, value), height) in enumerate(zip(items, heights, strict=True))
    )
    return Chart(key=key, title=title, description=_description(title, items, unit), unit=unit, category=category, horizontal=False,
                 bars=bars, width=WIDTH, height=round(foot + 28), total=sum(v for _, v in items), baseline=foot)


def score_bands(totals: list[float], maximum: float, *, bands: int = 10) -> list[tuple[str, int]]:
    """How many units scored in each tenth of `maximum` (the last band includes full marks)."""
    if maximum <= 0:
        return []
    step = maximum / bands
    counts = [0] * bands
    for total in totals:
        counts[min(int(total / step), bands - 1) if total > 0 else 0] += 1

    def edge(value: float) -> str:
        return f"{value:g}" if value == int(value) else f"{value:.1f}"

    return [(f"{edge(i * step)}–{edge((i + 1) * step)}", counts[i]) for i in range(bands)]
