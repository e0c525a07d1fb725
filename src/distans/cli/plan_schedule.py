"""``distans plan schedule``: shifts and breaks from a JSON problem, as JSON.

Without ``people`` in the input the answer is anonymous (how many agents start which
shift, per day); with ``people`` it is a roster of named people, cohorts and office days.
The input format is described in distans.core.scheduling.problem_json.
"""

from __future__ import annotations

import argparse

GROUP = "plan"
NAME = "schedule"
HELP = "plan shifts and breaks with OR-Tools CP-SAT (JSON in, JSON out)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--input", required=True, help="problem JSON (see docs/dev/planning.md)")
    parser.add_argument("--out", help="output JSON (default: standard output)")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per solve")
    parser.add_argument("--workers", type=int, default=2, help="CP-SAT search workers")
    parser.add_argument("--gap", type=float, default=0.0, help="relative optimality gap to stop at")
    parser.add_argument("--method", choices=["auto", "exact", "staged"], default="auto")


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from distans.core.errors import InvalidInput
    from distans.core.scheduling.pool import solve_pool_day
    from distans.core.scheduling.problem_json import pool_to_json, problem_from_json, roster_to_json
    from distans.core.scheduling.roster import solve_roster
    from distans.core.scheduling.solver_run import SolverLimits

    if args.workers < 1 or args.time_limit <= 0:
        raise InvalidInput("--workers must be >= 1 and --time-limit > 0")
    try:
        with open(args.input, encoding="utf-8") as source:
            data = json.load(source)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{args.input} is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise InvalidInput("schedule input must be a JSON object")
    problem = problem_from_json(data)
    limits = SolverLimits(args.time_limit, args.workers, args.gap)
    if problem.people:
        roster = solve_roster(
            problem.needs_by_day,
            problem.patterns,
            problem.people,
            problem.interval_minutes,
            problem.cohorts,
            problem.office,
            problem.rules,
            problem.target,
            limits,
            args.method,
        )
        answer = roster_to_json(roster)
    else:
        days = [
            solve_pool_day(
                needs, problem.patterns, problem.interval_minutes, problem.target, limits
            )
            for needs in problem.needs_by_day
        ]
        answer = pool_to_json(days)
    text = json.dumps(answer, indent=2)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")
    return 0
