"""Geometry of the planning page's server-rendered SVG charts (no JavaScript): bars
for forecast contacts and scheduled agents, step lines for required agents."""

from __future__ import annotations

import math
from typing import Any

WIDTH = 880
HEIGHT = 220
LEFT = 44
BOTTOM = 28
TOP = 10


def _nice_max(value: float) -> int:
    if value <= 0:
        return 1
    step = 10 ** max(0, int(math.log10(value)))
    return int(math.ceil(value / step) * step) if value > 5 else int(math.ceil(value))


def _frame(rows: list[dict[str, Any]], top: float) -> dict[str, Any]:
    count = max(1, len(rows))
    plot_w = WIDTH - LEFT - 8
    plot_h = HEIGHT - TOP - BOTTOM
    maximum = _nice_max(top)
    ticks = sorted({round(maximum * k / 4) for k in range(5)})
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "plot_right": LEFT + plot_w,
        "base": TOP + plot_h,
        "slot_w": plot_w / count,
        "scale": plot_h / maximum,
        "yticks": [{"value": t, "y": round(TOP + plot_h - t * plot_h / maximum, 1)} for t in ticks],
        "xlabels": [
            {"x": round(LEFT + i * plot_w / count, 1), "text": row["start"]}
            for i, row in enumerate(rows)
            if row["start"].endswith(":00") and int(row["start"][:2]) % 2 == 0
        ],
    }


def contacts_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    frame = _frame(rows, max((r["contacts"] for r in rows), default=0.0))
    frame["bars"] = [
        {
            "x": round(LEFT + i * frame["slot_w"] + 1, 1),
            "y": round(frame["base"] - r["contacts"] * frame["scale"], 1),
            "w": round(max(1.0, frame["slot_w"] - 2), 1),
            "h": round(r["contacts"] * frame["scale"], 1),
            "label": f"{r['start']}: {r['contacts']:.1f}",
        }
        for i, r in enumerate(rows)
    ]
    return frame


def _step(rows: list[dict[str, Any]], key: str, frame: dict[str, Any]) -> str:
    points = []
    for i, r in enumerate(rows):
        y = round(frame["base"] - r[key] * frame["scale"], 1)
        points.append(f"{round(LEFT + i * frame['slot_w'], 1)},{y}")
        points.append(f"{round(LEFT + (i + 1) * frame['slot_w'], 1)},{y}")
    return " ".join(points)


def agents_chart(rows: list[dict[str, Any]]) -> dict[str, Any]:
    top = max((max(r["rostered"], r["required"], r["scheduled"] or 0) for r in rows), default=0)
    frame = _frame(rows, top)
    frame["bars"] = [
        {
            "x": round(LEFT + i * frame["slot_w"] + 1, 1),
            "y": round(frame["base"] - r["scheduled"] * frame["scale"], 1),
            "w": round(max(1.0, frame["slot_w"] - 2), 1),
            "h": round(r["scheduled"] * frame["scale"], 1),
            "label": f"{r['start']}: {r['scheduled']}",
            "short": r["scheduled"] < r["required"],
        }
        for i, r in enumerate(rows)
        if r["scheduled"] is not None
    ]
    frame["required"] = _step(rows, "required", frame)
    frame["rostered"] = _step(rows, "rostered", frame)
    return frame
