"""Rostering named people over several days with CP-SAT.

Decision: ``w[u,d,j] = 1`` when unit u (a cohort, or one person on their own) works
shift pattern j on day d; a cohort is one unit, so its members share shift, days and
place by construction (roster_model). Breaks are placed per (day, pattern) as counts
(coverage_model) and dealt to the people on that shift afterwards, exact because break
windows never overlap. Office occupancy per interval must fit the seats; an exclusive
cohort at the office keeps every other unit at home that day. Contracted minutes,
days, daily rest and availability are hard; fairness is a weighted objective term.

Two methods:

* ``exact``: one model with people, breaks and the service level together.
* ``staged`` (large cases; the usual decomposition in workforce management, e.g.
  Ernst et al. 2004, *Staff scheduling and rostering*, §3): (A) each day is solved as
  an anonymous pool at least paid time meeting the service level; its paid hours are
  a lower bound for the day. (B) people and their breaks are rostered under all people
  rules aiming at no fewer staffed agents than the pool in any interval (a heavily
  penalised soft bound, so the search always has a solution to improve); with no
  shortfall each interval's service level is at least the pool's. The result is
  checked against floors and target, and Infeasible raised if it misses them. Stage B
  replaces the 15-line service-level chords by plain floors, which is what makes the
  60-person week tractable; the price is that B cannot trade one interval against
  another any more (see ``pool_lower_bound_hours`` for the gap).

``auto`` picks ``exact`` when the model has at most ``EXACT_MAX_CHOICES`` shift choices.
"""

import time
from collections.abc import Sequence
from dataclasses import replace

from ortools.sat.python import cp_model

from distans.core.errors import Infeasible, InvalidInput
from distans.core.scheduling.coverage_model import DayModel, add_day
from distans.core.scheduling.people import Cohort, Office, Person, RosterRules
from distans.core.scheduling.pool import solve_pool_day
from distans.core.scheduling.requirements import (
    IntervalNeed,
    ServiceTarget,
)
from distans.core.scheduling.roster_model import PeopleModel, add_people, crew_of
from distans.core.scheduling.roster_result import RosterSchedule, RosterValues, read_roster
from distans.core.scheduling.roster_start import PoolDay, WarmStart, deal_shifts
from distans.core.scheduling.roster_units import Unit, build_units
from distans.core.scheduling.solver_run import SolverLimits, solve, solve_from_hint
from distans.core.scheduling.templates import ShiftPattern

EXACT_MAX_CHOICES = 3000
OFFICE_DAY_WEIGHT = 1000  # paid intervals per office day a cohort misses (stage B)
SHORT_WEIGHT = 100  # paid intervals per agent-interval below the pool's staffing (stage B)


def solve_roster(
    needs_by_day: Sequence[Sequence[IntervalNeed]],
    patterns: Sequence[ShiftPattern],
    people: Sequence[Person],
    interval_minutes: int,
    cohorts: Sequence[Cohort] = (),
    office: Office | None = None,
    rules: RosterRules = RosterRules(),
    target: ServiceTarget = ServiceTarget(),
    limits: SolverLimits = SolverLimits(time_limit_seconds=60.0),
    method: str = "auto",
) -> RosterSchedule:
    """Roster ``people`` over the days of ``needs_by_day`` at least paid time plus unfairness."""
    units = build_units(people, cohorts)
    if method == "auto":
        choices = sum(len(units) * len(patterns) for _ in needs_by_day)
        method = "exact" if choices <= EXACT_MAX_CHOICES else "staged"
    if method == "exact":
        return _solve_exact(
            needs_by_day, patterns, units, interval_minutes, office, rules, target, limits
        )
    if method == "staged":
        return _solve_staged(
            needs_by_day, patterns, units, interval_minutes, office, rules, target, limits
        )
    raise InvalidInput(f"unknown roster method {method!r} (auto, exact or staged)")


def _solve_exact(
    needs_by_day: Sequence[Sequence[IntervalNeed]],
    patterns: Sequence[ShiftPattern],
    units: Sequence[Unit],
    interval_minutes: int,
    office: Office | None,
    rules: RosterRules,
    target: ServiceTarget,
    limits: SolverLimits,
) -> RosterSchedule:
    model = cp_model.CpModel()
    people = add_people(model, units, patterns, len(needs_by_day), interval_minutes, rules, office)
    crew_bound = sum(unit.size for unit in units)
    day_models = [
        add_day(
            model,
            patterns,
            [crew_of(people, units, d, j) for j in range(len(patterns))],
            crew_bound,
            needs,
            target,
            f"d{d}",
        )
        for d, needs in enumerate(needs_by_day)
    ]
    model.minimize(people.paid + rules.fairness_weight * people.unfairness)
    solver, report = solve(model, limits, "roster")
    values = _people_values(solver, people)
    values.breaks = [_break_values(solver, day) for day in day_models]
    values.staffed = [[solver.value(v) for v in day.staffed] for day in day_models]
    return read_roster(values, report, units, patterns, needs_by_day, interval_minutes)


def _solve_staged(
    needs_by_day: Sequence[Sequence[IntervalNeed]],
    patterns: Sequence[ShiftPattern],
    units: Sequence[Unit],
    interval_minutes: int,
    office: Office | None,
    rules: RosterRules,
    target: ServiceTarget,
    limits: SolverLimits,
) -> RosterSchedule:
    started = time.perf_counter()
    pools, lower_bound = _pool_days(needs_by_day, patterns, units, interval_minutes, target, limits)
    warm = deal_shifts(pools, units, patterns, interval_minutes, rules, office)
    model = cp_model.CpModel()
    people = add_people(
        model,
        units,
        patterns,
        len(needs_by_day),
        interval_minutes,
        rules,
        office,
        soft_office_days=True,
    )
    crews: dict[tuple[int, int], list[tuple[int, cp_model.IntVar]]] = {}
    for (u, d, j), var in people.shifts.items():
        crews.setdefault((d, j), []).append((units[u].size, var))
    day_models = []
    shortfalls: list[cp_model.IntVar] = []
    for d, staffed in enumerate(pool.staffed for pool in pools):
        day_crews = [
            cp_model.LinearExpr.weighted_sum(
                [v for _, v in crews.get((d, j), [])], [n for n, _ in crews.get((d, j), [])]
            )
            for j in range(len(patterns))
        ]
        free = [IntervalNeed(min_agents=0) for _ in staffed]
        day = add_day(model, patterns, day_crews, sum(u.size for u in units), free, target, f"d{d}")
        for p, (agents, wanted) in enumerate(zip(day.staffed, staffed, strict=True)):
            if wanted:
                short = model.new_int_var(0, wanted, f"short{d}_{p}")
                model.add(agents + short >= wanted)
                shortfalls.append(short)
        day_models.append(day)
    model.minimize(
        people.paid
        + rules.fairness_weight * people.unfairness
        + SHORT_WEIGHT * cp_model.LinearExpr.sum(shortfalls)
        + OFFICE_DAY_WEIGHT * cp_model.LinearExpr.sum(list(people.office_days_short.values()))
    )
    _add_hints(model, warm, people)
    remaining = max(2.0, limits.time_limit_seconds - (time.perf_counter() - started) - 1.0)
    solver, report = solve_from_hint(
        model, replace(limits, time_limit_seconds=remaining), "roster", remaining / 3
    )
    values = _people_values(solver, people)
    values.breaks = [_break_values(solver, day) for day in day_models]
    values.staffed = [[solver.value(v) for v in day.staffed] for day in day_models]
    report = replace(report, solve_seconds=time.perf_counter() - started)
    roster = read_roster(values, report, units, patterns, needs_by_day, interval_minutes)
    _check_service(roster, needs_by_day, target, report.solve_seconds)
    missing = [units[u].name for u, var in people.office_days_short.items() if solver.value(var)]
    if missing:
        raise Infeasible(
            f"no roster found within {report.solve_seconds:.0f} s that gives "
            f"{', '.join(missing)} their office days; add seats or allow more time"
        )
    return replace(roster, pool_lower_bound_hours=lower_bound)


def _check_service(
    roster: RosterSchedule,
    needs_by_day: Sequence[Sequence[IntervalNeed]],
    target: ServiceTarget,
    seconds: float,
) -> None:
    """Raise Infeasible when the staged roster misses a floor or the daily target."""
    for d, needs in enumerate(needs_by_day):
        staffed = roster.staffed[d]
        floors_met = all(a >= n.min_agents for a, n in zip(staffed, needs, strict=True)) and all(
            level >= target.interval_floor or n.contacts <= 0
            for level, n in zip(roster.interval_service_levels[d], needs, strict=True)
        )
        if not floors_met or roster.daily_service_levels[d] < target.daily_service_level - 1e-9:
            raise Infeasible(
                f"no roster found within {seconds:.0f} s that meets the service level on day {d}; "
                "add people, relax rules or allow more time"
            )


def _pool_days(
    needs_by_day: Sequence[Sequence[IntervalNeed]],
    patterns: Sequence[ShiftPattern],
    units: Sequence[Unit],
    interval_minutes: int,
    target: ServiceTarget,
    limits: SolverLimits,
) -> tuple[list[PoolDay], float]:
    """Stage A: each day as a pool (pattern indices into ``patterns``), and the bound."""
    stage_limits = replace(
        limits,
        time_limit_seconds=max(1.0, limits.time_limit_seconds / (3 * max(1, len(needs_by_day)))),
        relative_gap=max(limits.relative_gap, 0.01),
    )
    days = []
    lower_bound = 0.0
    for d, needs in enumerate(needs_by_day):
        workable = [
            shape
            for shape in patterns
            if any(u.can_work(d, shape, interval_minutes) for u in units)
        ]
        if not workable:
            raise Infeasible(f"nobody can work any shift on day {d}")
        pool = solve_pool_day(needs, workable, interval_minutes, target, stage_limits)
        lower_bound += pool.report.best_bound * interval_minutes / 60
        index = [patterns.index(shape) for shape in workable]
        counts = [0] * len(patterns)
        for local, count in enumerate(pool.pattern_counts):
            counts[index[local]] = count
        breaks = tuple((index[j], r, offset, n) for j, r, offset, n in pool.break_starts)
        days.append(PoolDay(tuple(counts), breaks, pool.staffed))
    return days, lower_bound


def _add_hints(model: cp_model.CpModel, warm: WarmStart, people: PeopleModel) -> None:
    """Hand CP-SAT the greedy start (roster_start)."""
    for (u, d, j), var in people.shifts.items():
        model.add_hint(var, warm.shifts.get((u, d)) == j)
    for key, var in people.office.items():
        model.add_hint(var, key in warm.office)
    # breaks stay unhinted: the first, hint-fixed solve places them (solve_from_hint)


def _people_values(solver: cp_model.CpSolver, people: PeopleModel) -> RosterValues:
    return RosterValues(
        shifts={(u, d): j for (u, d, j), var in people.shifts.items() if solver.value(var)},
        office={key for key, var in people.office.items() if solver.value(var)},
        located=bool(people.office),
    )


def _break_values(solver: cp_model.CpSolver, day: DayModel) -> dict[tuple[int, int, int], int]:
    return {
        (j, r, offset): solver.value(var)
        for (j, r), starts in day.breaks.items()
        for offset, var in starts
        if solver.value(var)
    }
