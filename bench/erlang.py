"""Time the queueing core on a day of 96 intervals (and beside pyworkforce 0.5.4).

Prints one JSON object. Timings are medians of repeated calls, in microseconds.
pyworkforce is never a dependency of Distans: when ``--pyworkforce-python`` points
at a separate interpreter that has ``pyworkforce==0.5.4`` (default
``/tmp/pwf-venv/bin/python``), the same day is timed there through a subprocess and
its answers are compared with ours; otherwise that part is skipped.

Run: ``.venv/bin/python bench/erlang.py`` (importable: ``run() -> dict``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from distans.core.queueing import (
    ServiceTarget,
    erlang_a_metrics,
    erlang_c_metrics,
    erlang_c_service_level,
    required_agents,
    traffic_erlangs,
)

INTERVAL_SECONDS = 900.0
AHT_SECONDS = 300.0
PATIENCE_SECONDS = 180.0
TARGET = ServiceTarget(0.8, 20.0)
DEFAULT_PWF_PYTHON = "/tmp/pwf-venv/bin/python"

_PWF_SCRIPT = r"""
import json, sys, time
from pyworkforce.queuing import ErlangA, ErlangC
day = json.load(sys.stdin)
aht, asa, interval, patience = day["aht_min"], day["asa_min"], day["interval_min"], day["patience_min"]
out = {}
t = time.perf_counter()
c_agents = [ErlangC(transactions=x, aht=aht, asa=asa, interval=interval).required_positions(0.8)["raw_positions"] for x in day["calls"]]
out["erlang_c_required_seconds"] = time.perf_counter() - t
t = time.perf_counter()
a_sl = [ErlangA(transactions=x, aht=aht, asa=asa, interval=interval, patience=patience).service_level(n) for x, n in zip(day["calls"], day["agents"])]
out["erlang_a_service_level_seconds"] = time.perf_counter() - t
t = time.perf_counter()
a_agents = [ErlangA(transactions=x, aht=aht, asa=asa, interval=interval, patience=patience).required_positions(0.8)["raw_positions"] for x in day["calls"]]
out["erlang_a_required_seconds"] = time.perf_counter() - t
out.update(c_agents=c_agents, a_agents=a_agents, a_service_level=a_sl)
print(json.dumps(out))
"""


def day_profile(intervals: int = 96) -> np.ndarray:
    """Calls per 15-minute interval: a two-humped working day, quiet nights (~40 agents peak)."""
    hours = (np.arange(intervals) + 0.5) * 24.0 / intervals
    shape = np.exp(-(((hours - 10.5) / 1.8) ** 2)) + 0.8 * np.exp(-(((hours - 14.5) / 2.0) ** 2))
    return np.round(4.0 + 100.0 * shape, 1)


def _median_us(function: Callable[[], object], repeats: int) -> float:
    function()
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return round(statistics.median(samples) * 1e6, 1)


def _pyworkforce(python: str, calls: np.ndarray, agents: np.ndarray) -> dict[str, Any]:
    day = {
        "calls": calls.tolist(),
        "agents": agents.tolist(),
        "aht_min": AHT_SECONDS / 60.0,
        "asa_min": TARGET.answer_within_seconds / 60.0,
        "interval_min": INTERVAL_SECONDS / 60.0,
        "patience_min": PATIENCE_SECONDS / 60.0,
    }
    done = subprocess.run(
        [python, "-c", _PWF_SCRIPT],
        input=json.dumps(day),
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return dict(json.loads(done.stdout))


def run(repeats: int = 200, pyworkforce_python: str | None = DEFAULT_PWF_PYTHON) -> dict[str, Any]:
    calls = day_profile()
    traffic = traffic_erlangs(calls, INTERVAL_SECONDS, AHT_SECONDS)
    c_agents = required_agents(traffic, AHT_SECONDS, TARGET)
    a_agents = required_agents(traffic, AHT_SECONDS, TARGET, PATIENCE_SECONDS)
    t = TARGET.answer_within_seconds
    big = np.linspace(1000.0, 1500.0, 96)
    big_agents = required_agents(big, AHT_SECONDS, TARGET)
    grid_agents = np.arange(0, 61)[None, :]
    timings = {
        "erlang_c_service_level_96": _median_us(
            lambda: erlang_c_service_level(traffic, c_agents, AHT_SECONDS, t), repeats
        ),
        "erlang_c_all_metrics_96": _median_us(
            lambda: erlang_c_metrics(traffic, c_agents, AHT_SECONDS, t), repeats
        ),
        "erlang_a_all_metrics_96": _median_us(
            lambda: erlang_a_metrics(traffic, a_agents, AHT_SECONDS, t, PATIENCE_SECONDS),
            repeats,
        ),
        "erlang_a_without_asa_96": _median_us(
            lambda: erlang_a_metrics(
                traffic, a_agents, AHT_SECONDS, t, PATIENCE_SECONDS, with_asa=False
            ),
            repeats,
        ),
        "required_agents_erlang_c_96": _median_us(
            lambda: required_agents(traffic, AHT_SECONDS, TARGET), max(repeats // 4, 5)
        ),
        "required_agents_erlang_a_96": _median_us(
            lambda: required_agents(traffic, AHT_SECONDS, TARGET, PATIENCE_SECONDS),
            max(repeats // 4, 5),
        ),
        "erlang_c_service_level_grid_96x61": _median_us(
            lambda: erlang_c_service_level(traffic[:, None], grid_agents, AHT_SECONDS, t),
            max(repeats // 4, 5),
        ),
        "erlang_a_service_level_grid_96x61": _median_us(
            lambda: erlang_a_metrics(
                traffic[:, None], grid_agents, AHT_SECONDS, t, PATIENCE_SECONDS, with_asa=False
            ),
            max(repeats // 10, 5),
        ),
        "erlang_c_all_metrics_96_at_1000_to_1500_erlangs": _median_us(
            lambda: erlang_c_metrics(big, big_agents, AHT_SECONDS, t), repeats
        ),
        "erlang_a_all_metrics_96_at_1000_to_1500_erlangs": _median_us(
            lambda: erlang_a_metrics(big, big_agents, AHT_SECONDS, t, PATIENCE_SECONDS),
            max(repeats // 10, 5),
        ),
    }
    a_metrics = erlang_a_metrics(traffic, a_agents, AHT_SECONDS, t, PATIENCE_SECONDS)
    result: dict[str, Any] = {
        "bench": "erlang",
        "intervals": 96,
        "interval_seconds": INTERVAL_SECONDS,
        "aht_seconds": AHT_SECONDS,
        "patience_seconds": PATIENCE_SECONDS,
        "target": "80/20",
        "peak_traffic_erlangs": round(float(traffic.max()), 2),
        "peak_required_agents_erlang_c": int(c_agents.max()),
        "peak_required_agents_erlang_a": int(a_agents.max()),
        "agent_intervals_erlang_c": int(c_agents.sum()),
        "agent_intervals_erlang_a": int(a_agents.sum()),
        "timings_us": timings,
        "big_traffic_finite": bool(
            np.all(np.isfinite(erlang_a_metrics(big, big_agents, AHT_SECONDS, t, 300.0)[1]))
        ),
    }
    if pyworkforce_python and os.path.exists(pyworkforce_python):
        theirs = _pyworkforce(pyworkforce_python, calls, a_agents)
        ours_sl = a_metrics.service_level
        result["pyworkforce_0_5_4"] = {
            "erlang_c_required_96_us": round(theirs["erlang_c_required_seconds"] * 1e6, 1),
            "erlang_a_service_level_96_us": round(
                theirs["erlang_a_service_level_seconds"] * 1e6, 1
            ),
            "erlang_a_required_96_us": round(theirs["erlang_a_required_seconds"] * 1e6, 1),
            "erlang_c_required_agents_equal": theirs["c_agents"] == c_agents.tolist(),
            "erlang_a_required_agents_equal": theirs["a_agents"] == a_agents.tolist(),
            "erlang_a_service_level_max_abs_diff": float(
                np.max(np.abs(np.array(theirs["a_service_level"]) - ours_sl))
            ),
        }
    else:
        result["pyworkforce_0_5_4"] = None
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--pyworkforce-python", default=DEFAULT_PWF_PYTHON)
    args = parser.parse_args()
    print(json.dumps(run(args.repeats, args.pyworkforce_python or None)))


if __name__ == "__main__":
    sys.exit(main())
