"""Server-rendered SVG bar charts (no JavaScript, no CDN); the table next to them has the numbers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    series: list[tuple[str, list[Bar]]]
    max_value: float
    ticks: list[tuple[float, str]]
    labels: list[tuple[float, str]]


def bar_chart(labels: list[str], series: list[tuple[str, list[float]]], width: int = 720,
              height: int = 220) -> BarChart:  # fmt: skip
    """Grouped bars: one group per label, one bar per series; geometry in SVG units."""
    left, bottom, top = 40.0, 24.0, 8.0
    plot_h = height - bottom - top
    values = [v for _, vs in series for v in vs]
    top_value = max(values, default=0.0) or 1.0
    n = max(len(labels), 1)
    group_w = (width - left) / n
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1.0)
    out = []
    for s, (name, vs) in enumerate(series):
        bars = []
        for i, value in enumerate(vs):
            h = plot_h * value / top_value
            x = left + i * group_w + group_w * 0.1 + s * bar_w
            bars.append(
                Bar(
                    round(x, 1),
                    round(top + plot_h - h, 1),
                    round(bar_w, 1),
                    round(h, 1),
                    labels[i],
                    value,
                )
            )
        out.append((name, bars))
    ticks = [
        (round(top + plot_h - plot_h * k / 4, 1), f"{top_value * k / 4:.0f}") for k in range(5)
    ]
    step = max(1, n // 12)
    shown = [
        (round(left + i * group_w + group_w / 2, 1), labels[i]) for i in range(0, len(labels), step)
    ]
    return BarChart(width, height, out, top_value, ticks, shown)
