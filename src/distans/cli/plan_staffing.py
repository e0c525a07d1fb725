"""``distans plan staffing``: Erlang C / Erlang A staffing for one interval or a day."""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

GROUP = "plan"
NAME = "staffing"
HELP = "required agents and service level per interval (Erlang C, or Erlang A with patience)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--calls", type=float, help="contacts offered in the interval")
    parser.add_argument("--aht-seconds", type=float, help="average handle time in seconds")
    parser.add_argument(
        "--interval-minutes",
        type=float,
        help="interval length (default 30; inferred from --intervals when omitted)",
    )
    parser.add_argument(
        "--intervals",
        metavar="FILE.csv",
        help="a whole day: columns interval_start, calls, aht_seconds[, agents]; JSON lines out",
    )
    parser.add_argument("--target", default="80/20", help="service level target, e.g. 80/20")
    parser.add_argument("--max-asa-seconds", type=float, help="also keep ASA at or below this")
    parser.add_argument(
        "--max-abandon-rate", type=float, help="also keep abandonment at or below this (0.05)"
    )
    parser.add_argument("--agents", type=int, help="evaluate exactly this many agents")
    parser.add_argument(
        "--patience-seconds",
        type=float,
        help="mean caller patience: Erlang A with abandonment instead of Erlang C",
    )
    parser.add_argument(
        "--shrinkage", type=float, default=0.0, help="share of paid time off the phones"
    )
    parser.add_argument("--json", action="store_true", help="print JSON")


def _clean(value: float) -> float | None:
    return round(value, 6) if math.isfinite(value) else None


def _evaluate(
    args: argparse.Namespace,
    calls: list[float],
    aht: list[float],
    agents: list[int | None],
    interval_minutes: float,
) -> list[dict[str, Any]]:
    import numpy as np

    from distans.core.errors import InvalidInput
    from distans.core.queueing import (
        ServiceTarget,
        agents_with_shrinkage,
        parse_service_target,
        queue_metrics,
        required_agents,
        traffic_erlangs,
    )

    if not interval_minutes > 0 or not math.isfinite(interval_minutes):
        raise InvalidInput("--interval-minutes must be positive")
    if any(n is not None and not 0 <= n <= 1_000_000 for n in agents):
        raise InvalidInput("--agents must be zero to a million")
    if args.patience_seconds is not None and args.patience_seconds <= 0:
        raise InvalidInput("--patience-seconds must be positive")
    level = parse_service_target(args.target)
    target = ServiceTarget(
        level.service_level,
        level.answer_within_seconds,
        args.max_asa_seconds,
        args.max_abandon_rate,
    )
    traffic = traffic_erlangs(np.array(calls), interval_minutes * 60.0, np.array(aht))
    aht_array = np.array(aht)
    needed = required_agents(traffic, aht_array, target, args.patience_seconds)
    chosen = np.array([needed[i] if n is None else n for i, n in enumerate(agents)], dtype=np.int64)
    metrics = queue_metrics(
        traffic, chosen, aht_array, target.answer_within_seconds, args.patience_seconds
    )
    rostered = agents_with_shrinkage(chosen, args.shrinkage)
    results = []
    for i in range(len(calls)):
        result: dict[str, Any] = {
            "agents": int(chosen[i]),
            "agents_with_shrinkage": int(rostered[i]),
            "required_agents": int(needed[i]),
            "traffic_erlangs": _clean(float(traffic[i])),
            "service_level": _clean(float(metrics.service_level[i])),
            "p_wait": _clean(float(metrics.p_wait[i])),
            "asa_seconds": _clean(float(metrics.asa_seconds[i])),
            "occupancy": _clean(float(metrics.occupancy[i])),
            "model": "erlang_c" if args.patience_seconds is None else "erlang_a",
        }
        if args.patience_seconds is not None:
            result["abandon_rate"] = _clean(float(metrics.abandon_rate[i]))
            result["mean_wait_seconds"] = _clean(float(metrics.mean_wait_seconds[i]))
        results.append(result)
    return results


def _describe(result: dict[str, Any], args: argparse.Namespace) -> str:
    def percent(value: float | None) -> str:
        return "n/a" if value is None else f"{100 * value:.1f} %"

    asa = result["asa_seconds"]
    text = (
        f"{result['agents']} agents ({result['agents_with_shrinkage']} rostered with "
        f"{100 * args.shrinkage:.0f} % shrinkage) for {result['traffic_erlangs']:.2f} Erlangs: "
        f"service level {percent(result['service_level'])}, P(wait) {percent(result['p_wait'])}, "
        f"ASA {'n/a' if asa is None else f'{asa:.1f} s'}, occupancy {percent(result['occupancy'])}"
    )
    if "abandon_rate" in result:
        text += f", abandoned {percent(result['abandon_rate'])}"
    return text


def run(args: argparse.Namespace) -> int:
    from distans.core.errors import InvalidInput
    from distans.core.queueing.interval_csv import infer_interval_minutes, read_interval_rows

    if args.intervals:
        with open(args.intervals, encoding="utf-8", newline="") as stream:
            rows = read_interval_rows(stream)
        minutes = (
            infer_interval_minutes(rows) if args.interval_minutes is None else args.interval_minutes
        )
        agents = [row.agents if args.agents is None else args.agents for row in rows]
        results = _evaluate(
            args, [r.calls for r in rows], [r.aht_seconds for r in rows], agents, minutes
        )
        for row, result in zip(rows, results, strict=True):
            print(json.dumps({"interval_start": row.interval_start, **result}))
        return 0
    if args.calls is None or args.aht_seconds is None:
        raise InvalidInput("give --calls and --aht-seconds, or --intervals FILE.csv")
    if args.calls < 0 or args.aht_seconds <= 0:
        raise InvalidInput("--calls must be zero or more and --aht-seconds positive")
    (result,) = _evaluate(
        args,
        [args.calls],
        [args.aht_seconds],
        [args.agents],
        30.0 if args.interval_minutes is None else args.interval_minutes,
    )
    print(json.dumps(result) if args.json else _describe(result, args))
    return 0
