"""Simulation speed (contacts per second) and agreement with Erlang C / Erlang A.

Prints one JSON object. Speed counts every simulated contact of every run, with the
random draws included. Agreement: stationary days (constant rate and staffing) whose
service level and abandonment are compared with the closed forms, in percentage
points, after a two-hour warm-up of each simulated day (the closed forms describe the
steady state; a day starting with an empty queue is a little better at first).

With ``--data`` (default ``../shared/data/anonymous_bank_1999``; skipped when absent)
every day of the real Anonymous Bank log (converted by bench/bank_log.py) is replayed
against the staffing seen in it (agents serving during each half hour) and the
replay's service level, abandonment and ASA are set beside what really happened.

Run: ``.venv/bin/python bench/simulation.py`` (importable: ``run() -> dict``).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import math
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from distans.core.queueing import (
    ServiceTarget,
    erlang_a_metrics,
    erlang_c_metrics,
    required_agents,
    traffic_erlangs,
)
from distans.core.simulation import (
    ContactLog,
    DayPlan,
    HandleTimeModel,
    PatienceModel,
    PoolPlan,
    agents_on_duty,
    replay_contact_log,
    simulate_day,
)

DEFAULT_DATA = "../shared/data/anonymous_bank_1999"

TARGET = ServiceTarget(0.8, 20.0)
WARM_UP_HOURS = 2


def _profile_calls(intervals: int = 96) -> np.ndarray:
    """Calls per 15 minutes over a two-humped day (the same shape as bench/erlang.py)."""
    hours = (np.arange(intervals) + 0.5) * 24.0 / intervals
    shape = np.exp(-(((hours - 10.5) / 1.8) ** 2)) + 0.8 * np.exp(-(((hours - 14.5) / 2.0) ** 2))
    return np.round(4.0 + 100.0 * shape, 1)


def _timed(plan: DayPlan, runs: int, seed: int) -> tuple[Any, float]:
    started = time.perf_counter()
    outcome = simulate_day(plan, runs=runs, seed=seed)
    return outcome, time.perf_counter() - started


def _speed(runs: int) -> dict[str, Any]:
    # Constant staffing (the fast path): 40 Erlangs all day, 96 x 15 min.
    steady = PoolPlan("all", np.full(96, 120.0), np.full(96, 300.0), np.full(96, 44, np.int64))
    plan = DayPlan(900.0, (steady,), 20.0, patience=PatienceModel("exponential", 180.0))
    steady_outcome, steady_seconds = _timed(plan, runs, 1)
    # A planned day: Erlang A staffing per interval, 1 agent in 8 on a break at midday.
    calls = _profile_calls()
    traffic = traffic_erlangs(calls, 900.0, 300.0)
    staffed = required_agents(traffic, 300.0, TARGET, 180.0)
    on_break = np.zeros(96, np.int64)
    on_break[44:56] = staffed[44:56] // 8
    day = PoolPlan("all", calls, np.full(96, 300.0), agents_on_duty(staffed, on_break))
    planned = DayPlan(
        900.0,
        (day,),
        20.0,
        HandleTimeModel("lognormal", cv=0.8),
        PatienceModel("exponential", 180.0),
    )
    day_outcome, day_seconds = _timed(planned, runs, 2)
    return {
        "constant_staffing": {
            "runs": runs,
            "contacts": steady_outcome.contacts,
            "seconds": round(steady_seconds, 3),
            "contacts_per_second": round(steady_outcome.contacts / steady_seconds),
        },
        "planned_day_varying_staffing_breaks_lognormal": {
            "runs": runs,
            "contacts": day_outcome.contacts,
            "seconds": round(day_seconds, 3),
            "contacts_per_second": round(day_outcome.contacts / day_seconds),
            "service_level_mean": round(day_outcome.service_level.mean, 4),
            "service_level_p10": round(day_outcome.service_level.p10, 4),
            "abandon_rate_mean": round(day_outcome.abandon_rate.mean, 4),
            "asa_seconds_mean": round(day_outcome.asa_seconds.mean, 2),
        },
    }


def _agreement(runs: int) -> list[dict[str, Any]]:
    cases = [
        (10.0, 13, None),
        (10.0, 14, None),
        (10.0, 11, 120.0),
        (10.0, 12, 120.0),
        (100.0, 100, 180.0),
        (100.0, 106, None),
    ]
    rows = []
    for traffic, agents, patience in cases:
        calls_per_hour = traffic * 3600.0 / 180.0
        pool = PoolPlan(
            "all", np.full(24, calls_per_hour), np.full(24, 180.0), np.full(24, agents, np.int64)
        )
        model = PatienceModel() if patience is None else PatienceModel("exponential", patience)
        plan = DayPlan(3600.0, (pool,), 20.0, patience=model)
        # About two million contacts per case: a day's SL varies by several points at
        # 10 Erlangs, so fewer contacts leave a few tenths of a point of noise.
        outcome = simulate_day(plan, runs=runs if traffic >= 100 else 4 * runs, seed=42)
        if patience is None:
            expected = erlang_c_metrics(traffic, agents, 180.0, 20.0)
        else:
            expected = erlang_a_metrics(traffic, agents, 180.0, 20.0, patience)
        # Each simulated day starts with an empty queue; the formulas describe the
        # steady state, so the first WARM_UP_HOURS of every day are left out.
        weight = outcome.interval_contacts[WARM_UP_HOURS:]
        steady_sl = float(
            np.sum(outcome.interval_service_level[WARM_UP_HOURS:] * weight) / weight.sum()
        )
        steady_ab = float(
            np.sum(outcome.interval_abandon_rate[WARM_UP_HOURS:] * weight) / weight.sum()
        )
        rows.append(
            {
                "model": "erlang_c" if patience is None else "erlang_a",
                "traffic_erlangs": traffic,
                "agents": agents,
                "patience_seconds": patience,
                "contacts": outcome.contacts,
                "service_level_simulated": round(steady_sl, 4),
                "service_level_formula": round(float(expected.service_level), 4),
                "service_level_diff_pp": round(
                    100 * (steady_sl - float(expected.service_level)), 2
                ),
                "service_level_diff_pp_from_empty_start": round(
                    100 * (outcome.service_level.mean - float(expected.service_level)), 2
                ),
                "abandon_diff_pp": round(100 * (steady_ab - float(expected.abandon_rate)), 2),
                "asa_simulated": round(outcome.asa_seconds.mean, 2),
                "asa_formula": round(float(expected.asa_seconds), 2),
            }
        )
    return rows


def _bank_days(data: Path) -> dict[str, list[tuple[datetime, float, float, str, str]]]:
    """Contacts per local day: (arrived_at, waited, handled, outcome, agent)."""
    spec = importlib.util.spec_from_file_location(
        "bank_log", Path(__file__).with_name("bank_log.py")
    )
    if spec is None or spec.loader is None:
        raise RuntimeError("bench/bank_log.py not found")
    bank_log = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bank_log)
    lines = bank_log.convert(data, Counter())
    days: dict[str, list[tuple[datetime, float, float, str, str]]] = defaultdict(list)
    for row in csv.DictReader(lines):
        arrived = datetime.fromisoformat(row["arrived_at"])
        days[arrived.date().isoformat()].append(
            (
                arrived,
                float(row["waited_seconds"]),
                float(row["handled_seconds"]),
                row["outcome"],
                row["agent"],
            )
        )
    return days


def _bank_replay(
    data: Path, threshold: float = 20.0, minimum_contacts: int = 500
) -> dict[str, Any]:
    days = _bank_days(data)
    rng = np.random.default_rng(0)
    length = 1800.0
    totals: Counter[str] = Counter()
    day_rows = []
    replay_seconds = 0.0
    replayed = 0
    for _day, contacts in sorted(days.items()):
        if len(contacts) < minimum_contacts:
            continue
        first = contacts[0][0]
        midnight = first.replace(hour=0, minute=0, second=0, microsecond=0)
        arrived = np.array([(c[0] - midnight).total_seconds() for c in contacts])
        waited = np.array([c[1] for c in contacts])
        handled = np.array([c[2] for c in contacts])
        answered = np.array([c[3] == "answered" for c in contacts])
        # Staffing seen, two ways: agents serving at some moment of each half hour
        # (an upper bound on who took calls), and busy time / length rounded up (the
        # fewest agents that could have done the work: a lower bound).
        serving: list[set[str]] = [set() for _ in range(48)]
        busy = np.zeros(48)
        for (_, wait, handle, outcome, agent), at in zip(contacts, arrived, strict=True):
            if outcome != "answered" or not agent:
                continue
            start = at + wait
            for k in range(int(start // length), min(int((start + handle) // length), 47) + 1):
                if 0 <= k < 48:
                    serving[k].add(agent)
                    overlap = min(start + handle, (k + 1) * length) - max(start, k * length)
                    busy[k] += max(overlap, 0.0)
        seen = np.array([len(agents) for agents in serving], dtype=np.int64)
        least = np.ceil(busy / length - 1e-9).astype(np.int64)
        # Abandoned contacts were never handled: give them a handle time from the day.
        handles = handled.copy()
        handles[~answered] = rng.choice(handled[answered], int((~answered).sum()))
        patience = np.where(answered, math.inf, waited)
        log = ContactLog(arrived, handles, patience)
        started = time.perf_counter()
        outcome, low = (
            replay_contact_log(
                log,
                DayPlan(
                    length,
                    (PoolPlan("bank", np.zeros(48), np.full(48, 180.0), staffing),),
                    threshold,
                ),
            )
            for staffing in (seen, least)
        )
        replay_seconds += time.perf_counter() - started
        replayed += 2 * len(contacts)
        actual_sl = float(np.mean(answered & (waited <= threshold)))
        actual_ab = float(np.mean(~answered))
        actual_asa = float(waited[answered].mean())
        day_rows.append(
            (
                outcome.service_level.mean - actual_sl,
                outcome.abandon_rate.mean - actual_ab,
                outcome.asa_seconds.mean - actual_asa,
            )
        )
        n = len(contacts)
        totals["contacts"] += n
        totals["actual_in_time"] += actual_sl * n
        totals["replay_in_time"] += outcome.service_level.mean * n
        totals["actual_abandoned"] += actual_ab * n
        totals["replay_abandoned"] += outcome.abandon_rate.mean * n
        totals["busy_in_time"] += low.service_level.mean * n
        totals["busy_abandoned"] += low.abandon_rate.mean * n
    diffs = np.array(day_rows)
    contacts = totals["contacts"]
    return {
        "days": len(day_rows),
        "contacts": int(contacts),
        "replay_contacts_per_second": round(replayed / replay_seconds),
        "service_level_actual": round(totals["actual_in_time"] / contacts, 4),
        "service_level_replay_agents_seen": round(totals["replay_in_time"] / contacts, 4),
        "service_level_replay_busy_agents": round(totals["busy_in_time"] / contacts, 4),
        "abandon_rate_actual": round(totals["actual_abandoned"] / contacts, 4),
        "abandon_rate_replay_agents_seen": round(totals["replay_abandoned"] / contacts, 4),
        "abandon_rate_replay_busy_agents": round(totals["busy_abandoned"] / contacts, 4),
        "per_day_mean_abs_diff_service_level_pp_agents_seen": round(
            100 * float(np.abs(diffs[:, 0]).mean()), 2
        ),
        "per_day_mean_abs_diff_abandon_pp_agents_seen": round(
            100 * float(np.abs(diffs[:, 1]).mean()), 2
        ),
        "per_day_mean_abs_diff_asa_seconds_agents_seen": round(
            float(np.abs(diffs[:, 2]).mean()), 2
        ),
    }


def run(
    runs: int = 30, agreement_runs: int = 100, data: str | None = DEFAULT_DATA
) -> dict[str, Any]:
    agreement = _agreement(agreement_runs)
    bank = _bank_replay(Path(data)) if data and Path(data).is_dir() else None
    return {
        "bench": "simulation",
        "speed": _speed(runs),
        "agreement": agreement,
        "max_abs_service_level_diff_pp": max(abs(r["service_level_diff_pp"]) for r in agreement),
        "max_abs_abandon_diff_pp": max(abs(r["abandon_diff_pp"]) for r in agreement),
        "bank_replay": bank,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30, help="runs for the speed cases")
    parser.add_argument("--agreement-runs", type=int, default=100, help="24 h days per case")
    parser.add_argument("--data", default=DEFAULT_DATA, help="Anonymous Bank folder ('' to skip)")
    args = parser.parse_args()
    print(json.dumps(run(args.runs, args.agreement_runs, args.data)))


if __name__ == "__main__":
    sys.exit(main())
