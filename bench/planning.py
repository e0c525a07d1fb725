"""Workforce planning benchmark (issue 7): one JSON object with the Erlang timings,
the schedule beside pyworkforce on the shared day case, the week roster, simulation
speed and the forecast backtest.

Loads bench/erlang.py, bench/simulation.py, bench/schedule.py and bench/forecast.py by
file path and calls each one's ``run()``; a missing or failing part is reported as a
note, the others still run.

    .venv/bin/python bench/planning.py
"""

from __future__ import annotations

import importlib.util
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PARTS = ("erlang", "simulation", "schedule", "forecast")


def load(name: str) -> Any:
    """Import bench/<name>.py by path (benches are scripts, not a package)."""
    path = HERE / f"{name}.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location(f"bench_{name}", path)
    if spec is None or spec.loader is None:
        return None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _pick(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def summary(results: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of issue 7, side by side."""
    day = _pick(results, "schedule", "day_case") or {}
    ours, theirs = day.get("distans", {}), day.get("pyworkforce", {})
    forecast = results.get("forecast") or {}
    speed = _pick(results, "simulation", "speed") or {}
    return {
        "erlang_timings_us": _pick(results, "erlang", "timings_us")
        or _pick(results, "erlang", "timings"),
        "schedule_day_case": {
            "distans_paid_hours_incl_breaks": ours.get("paid_hours_including_breaks"),
            "distans_daily_sl": ours.get("daily_service_level"),
            "distans_worst_interval_sl": ours.get("worst_interval_service_level"),
            "distans_solve_seconds": ours.get("solve_seconds"),
            "distans_status": ours.get("status"),
            "pyworkforce_paid_hours_no_breaks": theirs.get("paid_hours_no_breaks"),
            "pyworkforce_daily_sl": theirs.get("daily_service_level"),
            "pyworkforce_worst_interval_sl": theirs.get("worst_interval_service_level"),
            "pyworkforce_solve_seconds": theirs.get("solve_seconds"),
            "pyworkforce_note": theirs.get("skipped") or theirs.get("failed"),
        },
        "schedule_week_case": {
            k: _pick(results, "schedule", "week_case", k)
            for k in (
                "paid_hours",
                "pool_lower_bound_hours",
                "lower_bound_hours",
                "above_lower_bound",
                "status",
                "failed",
                "wall_seconds",
                "worst_interval_service_level",
            )
        },
        "simulation_contacts_per_second": {
            name: case.get("contacts_per_second")
            for name, case in speed.items()
            if isinstance(case, dict)
        },
        "forecast_wape_bank_2003_validation": {
            name: figures
            for name, figures in (
                _pick(forecast, "bank_calls_2003", "validation", "every_midnight") or {}
            ).items()
            if isinstance(figures, dict)
        },
    }


def run() -> dict[str, Any]:
    """Run every part that exists; notes for those missing or failing."""
    results: dict[str, Any] = {"notes": [], "seconds": {}}
    for name in PARTS:
        started = time.perf_counter()
        try:
            module = load(name)
            if module is None or not hasattr(module, "run"):
                results["notes"].append(f"bench/{name}.py missing or without run(): skipped")
                continue
            results[name] = module.run()
        except Exception as exc:  # one part failing must not hide the others
            results["notes"].append(f"bench/{name}.py failed: {exc!r}")
            traceback.print_exc(file=sys.stderr)
        results["seconds"][name] = round(time.perf_counter() - started, 1)
    results["summary"] = summary(results)
    return results


if __name__ == "__main__":
    json.dump(run(), sys.stdout, indent=2, default=str)
    print()
