"""``distans plan simulate``: play a staffed day many times, or replay a contact log."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

GROUP = "plan"
NAME = "simulate"
HELP = "simulate a staffed day (service level, ASA, abandonment over many runs)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--intervals",
        metavar="FILE.csv",
        required=True,
        help="columns interval_start, calls, aht_seconds, agents[, on_break][, pool]",
    )
    parser.add_argument("--interval-minutes", type=float, help="default: from interval_start")
    parser.add_argument("--target", default="80/20", help="service level target, e.g. 80/20")
    parser.add_argument("--patience-seconds", type=float, help="mean (exponential) patience")
    parser.add_argument(
        "--handle-distribution", choices=("exponential", "lognormal"), default="exponential"
    )
    parser.add_argument("--handle-cv", type=float, default=1.0, help="lognormal CV (default 1)")
    parser.add_argument("--runs", type=int, default=30, help="simulated days (default 30)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--replay",
        metavar="LOG.csv",
        help="replay recorded contacts (arrived_at or arrival_seconds, handle_seconds, "
        "patience_seconds) against the staffing instead of drawing random ones",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _number(value: float) -> float | None:
    return round(value, 6) if math.isfinite(value) else None


def _build_plan(args: argparse.Namespace) -> tuple[Any, list[str]]:
    import numpy as np

    from distans.core.errors import InvalidInput
    from distans.core.queueing import parse_service_target
    from distans.core.queueing.interval_csv import infer_interval_minutes, read_interval_rows
    from distans.core.simulation import (
        DayPlan,
        HandleTimeModel,
        PatienceModel,
        PoolPlan,
        agents_on_duty,
    )

    with open(args.intervals, encoding="utf-8", newline="") as stream:
        rows = read_interval_rows(
            stream, require=("interval_start", "calls", "aht_seconds", "agents")
        )
    minutes = infer_interval_minutes(rows) if args.interval_minutes is None else args.interval_minutes
    if not minutes > 0:
        raise InvalidInput("--interval-minutes must be positive")
    pools: dict[str, list[Any]] = {}
    for row in rows:
        pools.setdefault(row.pool or "all", []).append(row)
    starts = [row.interval_start for row in next(iter(pools.values()))]
    plans = []
    for name, pool_rows in pools.items():
        if [row.interval_start for row in pool_rows] != starts:
            raise InvalidInput(f"pool {name}: needs the same interval_start rows as the others")
        plans.append(
            PoolPlan(
                name,
                np.array([row.calls for row in pool_rows]),
                np.array([row.aht_seconds for row in pool_rows]),
                agents_on_duty([row.agents for row in pool_rows], [r.on_break for r in pool_rows]),
            )
        )
    if args.patience_seconds is not None and args.patience_seconds <= 0:
        raise InvalidInput("--patience-seconds must be positive")
    patience = (
        PatienceModel()
        if args.patience_seconds is None
        else PatienceModel("exponential", args.patience_seconds)
    )
    plan = DayPlan(
        minutes * 60.0,
        tuple(plans),
        parse_service_target(args.target).answer_within_seconds,
        HandleTimeModel(args.handle_distribution, cv=args.handle_cv),
        patience,
    )
    return plan, starts


def run(args: argparse.Namespace) -> int:
    from datetime import datetime

    from distans.core.errors import InvalidInput
    from distans.core.simulation import replay_contact_log, simulate_day
    from distans.core.simulation.contact_log_csv import read_contact_log

    plan, starts = _build_plan(args)
    if args.replay:
        if len(plan.pools) > 1:
            raise InvalidInput("--replay plays one queue: use an intervals file without pools")
        try:
            day_start: datetime | None = datetime.fromisoformat(starts[0])
        except ValueError:
            day_start = None
        with open(args.replay, encoding="utf-8", newline="") as stream:
            outcome = replay_contact_log(read_contact_log(stream, day_start), plan)
    else:
        outcome = simulate_day(plan, runs=args.runs, seed=args.seed)
    spread = {
        name: {key: _number(getattr(getattr(outcome, name), key)) for key in ("mean", "p10", "p90")}
        for name in ("service_level", "asa_seconds", "abandon_rate")
    }
    result: dict[str, Any] = {
        "runs": outcome.runs,
        "contacts": outcome.contacts,
        "pools": [pool.name for pool in plan.pools],
        **spread,
        "intervals": [
            {
                "interval_start": start,
                "contacts": _number(float(outcome.interval_contacts[i])),
                "service_level": _number(float(outcome.interval_service_level[i])),
                "abandon_rate": _number(float(outcome.interval_abandon_rate[i])),
            }
            for i, start in enumerate(starts)
        ],
    }
    if args.json:
        print(json.dumps(result))
        return 0
    sl, asa, ab = (result[name] for name in ("service_level", "asa_seconds", "abandon_rate"))
    print(
        f"{outcome.runs} runs, {outcome.contacts} contacts: service level "
        f"{100 * sl['mean']:.1f} % (10th percentile {100 * sl['p10']:.1f} %), "
        f"ASA {asa['mean']:.1f} s (90th percentile {asa['p90']:.1f} s), "
        f"abandoned {100 * ab['mean']:.1f} %"
    )
    return 0
