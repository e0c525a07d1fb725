"""Scheduling benchmark: Distans (CP-SAT, breaks, service-level aware) beside pyworkforce.

Day case: ../shared/bench/schedule_case.py (96 × 15 min, peak 40 agents, 70 patterns).
pyworkforce 0.5.4 runs in its own venv (default /tmp/pwf-venv, Python ≥ 3.12) through
a subprocess, on the same requirement curve and the same 70 patterns, minimising paid
hours (cost = shift hours) with every interval covered to the Erlang C head count.
Week case: 7 days, 60 named people, 8 cohorts (4 exclusive at the office), 20 seats.

    .venv/bin/python bench/schedule.py [--case ../shared/bench/schedule_case.py]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

from distans.core.errors import Infeasible
from distans.core.scheduling.people import Cohort, Office, Person, RosterRules
from distans.core.scheduling.pool import solve_pool_day
from distans.core.scheduling.requirements import (
    ServiceTarget,
    daily_service_level,
    service_level_needs,
    service_level_with,
)
from distans.core.scheduling.roster import solve_roster
from distans.core.scheduling.solver_run import SolverLimits
from distans.core.scheduling.templates import BreakRule, ShiftTemplate, expand_patterns

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CASE = REPO.parent / "shared" / "bench" / "schedule_case.py"
DEFAULT_PWF_PYTHON = "/tmp/pwf-venv/bin/python"

SIX_HOURS = ShiftTemplate("6h", 360, breaks=(BreakRule(15, 90, 165, "break"),))
EIGHT_HOURS = ShiftTemplate(
    "8h",
    480,
    breaks=(
        BreakRule(15, 60, 120, "break"),
        BreakRule(30, 180, 270, "lunch"),
        BreakRule(15, 330, 405, "break"),
    ),
)

PWF_SCRIPT = """
import json, sys, time
from pyworkforce.scheduling import MinRequiredResources
data = json.load(sys.stdin)
cov = data["coverage"]
started = time.perf_counter()
s = MinRequiredResources(num_days=1, periods=len(data["required"]), shifts_coverage=cov,
    required_resources=[data["required"]], max_period_concurrency=1000,
    max_shift_concurrency=1000, cost_dict=data["hours"], max_search_time=data["time_limit"],
    num_search_workers=data["workers"])
solution = s.solve()
seconds = time.perf_counter() - started
counts = {r["shift"]: r["resources"] for r in solution["resources_shifts"]}
print(json.dumps({"status": solution["status"], "cost": solution["cost"],
    "seconds": seconds, "counts": counts}))
"""


def load_case(path: Path) -> ModuleType:
    """Import the shared case file by path."""
    spec = importlib.util.spec_from_file_location("schedule_case", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_day(case: ModuleType, workers: int, time_limit: float) -> dict[str, Any]:
    """Distans on the shared day case: SL-aware, breaks included in paid hours."""
    target = ServiceTarget(
        answer_seconds=20, daily_service_level=0.80, interval_floor=0.60, min_agents=2
    )
    needs = service_level_needs(case.arrival_curve(), case.AHT_MIN * 60, case.PERIOD_MIN, target)
    patterns = expand_patterns((SIX_HOURS, EIGHT_HOURS), case.PERIOD_MIN)
    started = time.perf_counter()
    day = solve_pool_day(
        needs, patterns, case.PERIOD_MIN, target, SolverLimits(time_limit, workers)
    )
    return {
        "patterns": len(patterns),
        "paid_hours_including_breaks": day.paid_hours,
        "break_hours": sum(
            b.count * (b.end_minutes - b.start_minutes) for s in day.shifts for b in s.breaks
        )
        / 60,
        "daily_service_level": round(day.daily_service_level, 4),
        "worst_interval_service_level": round(day.worst_interval_service_level, 4),
        "status": day.report.status,
        "gap": round(day.report.gap, 4),
        "solve_seconds": round(day.report.solve_seconds, 2),
        "wall_seconds": round(time.perf_counter() - started, 2),
        "num_search_workers": day.report.num_search_workers,
        "agents": sum(s.count for s in day.shifts),
    }


def run_pyworkforce(
    case: ModuleType, python: str, workers: int, time_limit: float
) -> dict[str, Any]:
    """pyworkforce MinRequiredResources in its own venv; its SL judged with our Erlang C."""
    if not Path(python).exists():
        return {
            "skipped": f"no pyworkforce venv at {python} (pyworkforce 0.5.4 needs Python >= 3.12)"
        }
    coverage = case.shift_patterns()
    payload = {
        "coverage": coverage,
        "required": case.requirement_curve(),
        "hours": {name: sum(row) * case.PERIOD_MIN / 60 for name, row in coverage.items()},
        "time_limit": time_limit,
        "workers": workers,
    }
    started = time.perf_counter()
    done = subprocess.run(
        [python, "-c", PWF_SCRIPT],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        return {"failed": done.stderr.strip().splitlines()[-1:]}
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    staffed = [
        sum(answer["counts"].get(name, 0) * row[p] for name, row in coverage.items())
        for p in range(case.PERIODS)
    ]
    target = ServiceTarget(
        answer_seconds=20, daily_service_level=0.0, interval_floor=0.0, min_agents=0
    )
    needs = service_level_needs(case.arrival_curve(), case.AHT_MIN * 60, case.PERIOD_MIN, target)
    return {
        "version": "0.5.4",
        "status": answer["status"],
        "paid_hours_no_breaks": answer["cost"],
        "daily_service_level": round(daily_service_level(needs, staffed), 4),
        "worst_interval_service_level": round(min(service_level_with(needs, staffed)), 4),
        "solve_seconds": round(answer["seconds"], 2),
        "wall_seconds_with_startup": round(time.perf_counter() - started, 2),
    }


def week_case(case: ModuleType) -> dict[str, Any]:
    """Seven days, 60 people (40 in 8 cohorts of 5, 20 alone, 12 of them part-time),
    20 seats, open 07–22."""
    open_from, open_until = 7 * 60, 22 * 60
    target = ServiceTarget(
        answer_seconds=20, daily_service_level=0.80, interval_floor=0.60, min_agents=1
    )
    is_open = [open_from <= p * case.PERIOD_MIN < open_until for p in range(case.PERIODS)]
    needs_by_day = []
    for day in range(7):
        scale = 0.30 if day >= 5 else 0.60 - 0.02 * day
        needs_by_day.append(
            service_level_needs(
                case.arrival_curve(scale), case.AHT_MIN * 60, case.PERIOD_MIN, target, is_open
            )
        )
    people = []
    for i in range(60):
        if i >= 48:  # part-time, never weekends, not in a cohort
            people.append(Person(f"p{i:02d}", 18 * 60, 24 * 60, frozenset(range(5)), max_days=4))
        else:
            people.append(Person(f"p{i:02d}", 24 * 60, 40 * 60, max_days=5))
    cohorts = [
        Cohort(
            f"team{t}",
            tuple(f"p{i:02d}" for i in range(5 * t, 5 * t + 5)),
            t < 4,
            1 if t < 4 else 2,
        )
        for t in range(8)
    ]
    return {
        "needs_by_day": needs_by_day,
        "patterns": expand_patterns(
            (SIX_HOURS, EIGHT_HOURS), case.PERIOD_MIN, open_from, open_until
        ),
        "people": people,
        "cohorts": cohorts,
        "office": Office(seats=20),
        "rules": RosterRules(weekend_days=frozenset({5, 6})),
        "target": target,
    }


def run_week(case: ModuleType, workers: int, time_limit: float) -> dict[str, Any]:
    """Distans roster of the week case; checks the constraints on the output.

    A roster that cannot be found is reported as ``failed`` (with the solver's one-line
    reason) rather than stopping the benchmark."""
    inputs = week_case(case)
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    try:
        roster = _week_roster(inputs, workers, time_limit)
    except Infeasible as exc:
        return {"failed": str(exc), "wall_seconds": round(time.perf_counter() - started, 2)}
    seconds = time.perf_counter() - started
    return _week_figures(inputs, roster, seconds, load_before)


def _week_roster(inputs: dict[str, Any], workers: int, time_limit: float) -> Any:
    return solve_roster(
        inputs["needs_by_day"],
        inputs["patterns"],
        inputs["people"],
        15,
        cohorts=inputs["cohorts"],
        office=inputs["office"],
        rules=inputs["rules"],
        target=inputs["target"],
        limits=SolverLimits(time_limit, workers),
    )


def _week_figures(
    inputs: dict[str, Any], roster: Any, seconds: float, load_before: float
) -> dict[str, Any]:
    seats_worst = 0
    for day in range(7):
        at_office = [a for a in roster.assignments if a.day == day and a.location == "office"]
        for minute in range(0, 24 * 60, 15):
            here = sum(1 for a in at_office if a.start_minutes <= minute < a.end_minutes)
            seats_worst = max(seats_worst, here)
    return {
        "people": 60,
        "cohorts": 8,
        "seats": 20,
        "method": "staged",
        "paid_hours": roster.paid_hours,
        "pool_lower_bound_hours": round(roster.pool_lower_bound_hours, 2),
        "contracted_minimum_hours": sum(p.min_minutes for p in inputs["people"]) / 60,
        "daily_service_levels": [round(x, 4) for x in roster.daily_service_levels],
        "worst_interval_service_level": round(
            min(min(d) for d in roster.interval_service_levels), 4
        ),
        "most_people_at_office": seats_worst,
        "lower_bound_hours": round(roster.lower_bound_hours, 2),
        "status": roster.report.status,
        "above_lower_bound": round(roster.gap_to_lower_bound, 4),
        "wall_seconds": round(seconds, 2),
        "load_average_1min_before_and_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cohorts_kept_together": _cohorts_together(roster),
        "exclusive_cohorts_alone_at_office": _exclusive_alone(roster, inputs["cohorts"]),
    }


def _cohorts_together(roster: Any) -> bool:
    """Every cohort's members have identical (day, start, end, location) lists."""
    shifts: dict[str, dict[str, list[tuple[int, int, int, str | None]]]] = {}
    for a in roster.assignments:
        if a.cohort:
            shifts.setdefault(a.cohort, {}).setdefault(a.person, []).append(
                (a.day, a.start_minutes, a.end_minutes, a.location)
            )
    return all(len({tuple(v) for v in members.values()}) == 1 for members in shifts.values())


def _exclusive_alone(roster: Any, cohorts: list[Cohort]) -> bool:
    """On a day an exclusive cohort is at the office, nobody else is."""
    exclusive = {c.name for c in cohorts if c.exclusive_office}
    for day in range(7):
        there = {
            a.cohort or a.person
            for a in roster.assignments
            if a.day == day and a.location == "office"
        }
        if there & exclusive and len(there) > 1:
            return False
    return True


def run(
    case_path: Path = DEFAULT_CASE,
    workers: int = 2,
    day_time_limit: float = 10.0,
    week_time_limit: float = 60.0,
    pyworkforce_python: str = DEFAULT_PWF_PYTHON,
) -> dict[str, Any]:
    """Run the day case (Distans and pyworkforce) and the week case; return the figures."""
    case = load_case(Path(case_path))
    return {
        "day_case": {
            "intervals": case.PERIODS,
            "peak_required_agents": max(case.requirement_curve()),
            "distans": run_day(case, workers, day_time_limit),
            "pyworkforce": run_pyworkforce(case, pyworkforce_python, workers, day_time_limit),
        },
        "week_case": run_week(case, workers, week_time_limit),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", type=Path, default=DEFAULT_CASE)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pyworkforce-python", default=DEFAULT_PWF_PYTHON)
    parser.add_argument(
        "--busy",
        type=int,
        default=0,
        help="run this many CPU-bound processes beside the benchmark (a busy machine)",
    )
    args = parser.parse_args()
    burners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(args.busy)
    ]
    try:
        figures = run(args.case, args.workers, pyworkforce_python=args.pyworkforce_python)
    finally:
        for burner in burners:
            burner.kill()
    figures["cpu_bound_processes_beside"] = args.busy
    json.dump(figures, sys.stdout, indent=2)
    print()
