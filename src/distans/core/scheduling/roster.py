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

import math
import random
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
from distans.core.scheduling.roster_repair import extend_until_served, trim_while_serving
from distans.core.scheduling.roster_result import RosterSchedule, RosterValues, read_roster
from distans.core.scheduling.roster_start import PoolDay, deal_shifts
from distans.core.scheduling.roster_units import Unit, build_units
from distans.core.scheduling.solver_run import SolveReport, SolverLimits, solve
from distans.core.scheduling.templates import ShiftPattern

EXACT_MAX_CHOICES = 3000
# stage B objective, in tenths of a paid interval; the service-level shortfall counts in
# thousandths of a contact (coverage_model.SCALE), so one contact not answered in time
# weighs as much as 100 paid intervals
PAID_SCALE = 10
GHOST_WEIGHT = PAID_SCALE * 100  # per stand-in agent-interval (a floor or SL not met)
OFFICE_DAY_WEIGHT = PAID_SCALE * 1000  # per office day a cohort misses
EXTEND_SHARE = 0.85  # of the time limit, at most, until the greedy start serves
POOL_SHARE = 0.25  # of the time limit for the per-day pools (stage A), hinted day to day


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
    roster = read_roster(values, report, units, patterns, needs_by_day, interval_minutes)
    return replace(roster, lower_bound_hours=_contracted_hours(units))


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
    pools, pool_bound = _pool_days(needs_by_day, patterns, units, interval_minutes, target, limits)
    warm = deal_shifts(pools, units, patterns, interval_minutes, rules, office)
    start = RosterValues(
        shifts=dict(warm.shifts),
        office=set(warm.office),
        located=office is not None,
        breaks=[{} for _ in needs_by_day],
        staffed=[[0] * len(needs) for needs in needs_by_day],
    )
    extended = extend_until_served(
        start,
        units,
        patterns,
        needs_by_day,
        interval_minutes,
        rules,
        target,
        limits.num_search_workers,
        deadline=started + EXTEND_SHARE * limits.time_limit_seconds,
    )
    trim_while_serving(
        start,
        units,
        patterns,
        needs_by_day,
        interval_minutes,
        target,
        deadline=started + EXTEND_SHARE * limits.time_limit_seconds,
    )
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
    for d, needs in enumerate(needs_by_day):
        day_crews = [
            cp_model.LinearExpr.weighted_sum(
                [v for _, v in crews.get((d, j), [])], [n for n, _ in crews.get((d, j), [])]
            )
            for j in range(len(patterns))
        ]
        day_models.append(
            add_day(
                model,
                patterns,
                day_crews,
                sum(u.size for u in units),
                needs,
                target,
                f"d{d}",
                soft_target=True,
                ghost_agents=True,
            )
        )
    ghosts = [g for day in day_models for g in day.ghosts or []]
    missed = [day.shortfall for day in day_models if day.shortfall is not None]
    model.minimize(
        PAID_SCALE * (people.paid + rules.fairness_weight * people.unfairness)
        + GHOST_WEIGHT * cp_model.LinearExpr.sum(ghosts)
        + cp_model.LinearExpr.sum(missed)
        + OFFICE_DAY_WEIGHT * cp_model.LinearExpr.sum(list(people.office_days_short.values()))
    )
    _add_hints(model, start, people, day_models)
    penalties = ghosts + missed + list(people.office_days_short.values())
    values, report = _improve(model, people, day_models, penalties, start, limits, started)
    trim_while_serving(  # the search keeps whole days; drop what no day needs
        values,
        units,
        patterns,
        needs_by_day,
        interval_minutes,
        target,
        deadline=started + limits.time_limit_seconds,
    )
    report = replace(
        report,
        solve_seconds=time.perf_counter() - started,
        status=f"{report.status}+EXTENDED" if extended else report.status,
    )
    roster = read_roster(values, report, units, patterns, needs_by_day, interval_minutes)
    if _shortcomings(roster, values, units, needs_by_day, target) and not _shortcomings(
        start_roster := read_roster(start, report, units, patterns, needs_by_day, interval_minutes),
        start,
        units,
        needs_by_day,
        target,
    ):
        roster = replace(start_roster, report=replace(report, status="START"))
        values = start
    _check_service(roster, needs_by_day, target, report.solve_seconds)
    missing = _short_of_office_days(values, units)
    if missing:
        raise Infeasible(
            f"no roster found within {report.solve_seconds:.0f} s that gives "
            f"{', '.join(missing)} their office days; add seats or allow more time"
        )
    return replace(
        roster,
        pool_lower_bound_hours=pool_bound,
        lower_bound_hours=max(pool_bound, _contracted_hours(units)),
    )


def _short_of_office_days(values: RosterValues, units: Sequence[Unit]) -> list[str]:
    """Names of the units with fewer office days than they must have."""
    return [
        unit.name
        for u, unit in enumerate(units)
        if sum(1 for (v, _) in values.office if v == u) < unit.min_office_days
    ]


def _shortcomings(
    roster: RosterSchedule,
    values: RosterValues,
    units: Sequence[Unit],
    needs_by_day: Sequence[Sequence[IntervalNeed]],
    target: ServiceTarget,
) -> bool:
    """True when the roster misses a floor, a day's target or an office day."""
    try:
        _check_service(roster, needs_by_day, target, 0.0)
    except Infeasible:
        return True
    return bool(_short_of_office_days(values, units))


def _contracted_hours(units: Sequence[Unit]) -> float:
    """Hours the contracts oblige: no roster can pay less."""
    return sum(unit.min_minutes * unit.size for unit in units) / 60


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
        time_limit_seconds=max(
            1.0, limits.time_limit_seconds * POOL_SHARE / max(1, len(needs_by_day))
        ),
        relative_gap=max(limits.relative_gap, 0.01),
    )
    days: list[PoolDay] = []
    solved: dict[int, tuple[float, tuple[int, ...]]] = {}  # day → (contacts, counts)
    lower_bound = 0.0
    for d, needs in enumerate(needs_by_day):
        workable = [
            shape
            for shape in patterns
            if any(u.can_work(d, shape, interval_minutes) for u in units)
        ]
        if not workable:
            raise Infeasible(f"nobody can work any shift on day {d}")
        index = [patterns.index(shape) for shape in workable]
        pool = solve_pool_day(
            needs,
            workable,
            interval_minutes,
            target,
            stage_limits,
            hint=_similar_day_hint(needs, solved, index),
        )
        lower_bound += pool.report.best_bound * interval_minutes / 60
        counts = [0] * len(patterns)
        for local, count in enumerate(pool.pattern_counts):
            counts[index[local]] = count
        breaks = tuple((index[j], r, offset, n) for j, r, offset, n in pool.break_starts)
        days.append(PoolDay(tuple(counts), breaks, pool.staffed))
        solved[d] = (sum(n.contacts for n in needs), tuple(counts))
    return days, lower_bound


def _similar_day_hint(
    needs: Sequence[IntervalNeed],
    solved: dict[int, tuple[float, tuple[int, ...]]],
    index: Sequence[int],
) -> list[int] | None:
    """The solved day with the nearest contact volume, its counts scaled to this day's."""
    if not solved:
        return None
    contacts = sum(n.contacts for n in needs)
    other, counts = min(solved.values(), key=lambda seen: abs(seen[0] - contacts))
    scale = contacts / other if other > 0 else 1.0
    return [math.ceil(counts[j] * scale) for j in index]


def _add_hints(
    model: cp_model.CpModel, start: RosterValues, people: PeopleModel, days: Sequence[DayModel]
) -> None:
    """Hand CP-SAT the greedy start (roster_start, extended by roster_repair)."""
    for (u, d, j), var in people.shifts.items():
        model.add_hint(var, start.shifts.get((u, d)) == j)
    for key, var in people.office.items():
        model.add_hint(var, key in start.office)
    for d, day in enumerate(days):
        for (j, r), starts in day.breaks.items():
            for offset, var in starts:
                model.add_hint(var, start.breaks[d].get((j, r, offset), 0))


def _improve(
    model: cp_model.CpModel,
    people: PeopleModel,
    days: Sequence[DayModel],
    penalties: Sequence[cp_model.IntVar],
    start: RosterValues,
    limits: SolverLimits,
    started: float,
) -> tuple[RosterValues, SolveReport]:
    """Complete the hinted start (hinted variables fixed), then improve it.

    The improvement may only look at rosters with no more stand-in agents, target
    shortfall or missing office days than the completed start, each on its own: when
    the start serves, so does every roster it may return, however short the search
    (time, load); if it finds nothing, the start is the answer. From a completed start
    the improvement is a large-neighbourhood search of our own (``_search_days``):
    CP-SAT re-solves two days at a time with the rest of the week fixed, each step
    short, keeping the best roster. Without a completion (a start breaking a hard rule)
    it is a plain search, and failing that the start itself is returned as it is.
    """
    first = cp_model.CpSolver()
    first.parameters.fix_variables_to_their_hinted_value = True
    first.parameters.num_workers = limits.num_search_workers
    left = limits.time_limit_seconds - (time.perf_counter() - started)
    first.parameters.max_time_in_seconds = max(1.0, left / 4)
    status = first.solve(model)
    completed = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    solver: cp_model.CpSolver | _Solution
    if completed:
        for var in penalties:  # never worse than the start in any shortfall
            model.add(var <= first.value(var))
        solution = _Solution(
            [
                first.value(model.get_int_var_from_proto_index(i))
                for i in range(len(model.proto.variables))
            ],
            first.objective_value,
        )
        deadline = started + limits.time_limit_seconds - TRIM_SECONDS
        solver, steps = _search_days(model, people, days, solution, limits, deadline)
        report = SolveReport(
            f"LNS{steps}",
            solver.objective_value,
            float("nan"),
            0.0,
            limits.num_search_workers,
        )
    else:
        left = max(1.0, limits.time_limit_seconds - (time.perf_counter() - started) - 0.5)
        try:
            solver, report = solve(model, replace(limits, time_limit_seconds=left), "roster")
        except Infeasible:
            fallback = SolveReport("START", float("nan"), 0.0, 0.0, limits.num_search_workers)
            return start, fallback
    values = _people_values(solver, people)
    values.breaks = [_break_values(solver, day) for day in days]
    values.staffed = [
        [
            solver.value(v) - solver.value(g)
            for v, g in zip(day.staffed, day.ghosts or [], strict=True)
        ]
        for day in days
    ]
    return values, report


class _Solution:
    """Values of every model variable (by proto index) and the objective: a stand-in
    for a CpSolver after the search, read through ``value``."""

    def __init__(self, values: list[int], objective: float) -> None:
        self.values = values
        self.objective_value = objective

    def value(self, var: cp_model.IntVar) -> int:
        return self.values[var.index]


TRIM_SECONDS = 3.0  # kept at the end for trim_while_serving
STEP_SECONDS = 4.0  # one neighbourhood's CP-SAT search, at most
UNIT_SHARE = 4  # a unit neighbourhood frees one unit in this many


def _search_days(
    model: cp_model.CpModel,
    people: PeopleModel,
    days: Sequence[DayModel],
    best: _Solution,
    limits: SolverLimits,
    deadline: float,
) -> tuple[_Solution, int]:
    """Large-neighbourhood search over days: free every shift and break choice of two
    days, fix the shifts and breaks of the other days to the best roster so far
    (variable domains cut to the value; office choices stay free), and let CP-SAT
    re-solve from the best roster as a hint, without presolve; keep the answer when it
    pays less. Two days free are what lets a unit
    move contracted hours from a day that needs none to one that does. Pairs are
    visited in a seeded random order, all of them before any twice. Every other step
    frees instead a random quarter of the units on every day (breaks of every day
    free), so they can trade shifts across the week (an 8 h shift for a 6 h one on
    another day). It stops at the deadline. Every step starts from a feasible roster, so it can only improve."""
    by_day: list[list[int]] = [[] for _ in days]
    units = 1 + max((u for (u, _, _) in people.shifts), default=0)
    by_unit: list[list[int]] = [[] for _ in range(units)]
    for (u, d, _), var in people.shifts.items():
        by_day[d].append(var.index)
        by_unit[u].append(var.index)
    for d, day in enumerate(days):
        for starts in day.breaks.values():
            by_day[d].extend(var.index for _, var in starts)
    pairs = [(a, b) for a in range(len(days)) for b in range(a + 1, len(days))] or [(0, 0)]
    rng = random.Random(limits.random_seed)
    order: list[tuple[int, int]] = []
    steps = 0
    while time.perf_counter() < deadline - 1.0:
        if steps % 2:  # a quarter of the units, every day: trade shifts across the week
            chosen = set(rng.sample(range(units), max(1, units // UNIT_SHARE)))
            fixed = [i for u in range(units) if u not in chosen for i in by_unit[u]]
        else:
            if not order:
                order = pairs[:]
                rng.shuffle(order)
            free = set(order.pop())
            fixed = [i for d, indices in enumerate(by_day) if d not in free for i in indices]
        sub = model.clone()
        for index in fixed:
            domain = sub.proto.variables[index].domain
            value = best.values[index]
            if len(domain) == 2:
                domain[0] = value
                domain[1] = value
        sub.clear_hints()  # type: ignore[no-untyped-call]  # untyped in ortools
        for index, value in enumerate(best.values):
            sub.add_hint(sub.get_int_var_from_proto_index(index), value)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(
            0.5, min(STEP_SECONDS, deadline - time.perf_counter())
        )
        solver.parameters.num_workers = limits.num_search_workers
        solver.parameters.random_seed = limits.random_seed + steps
        # presolving the whole week again takes most of a short step on a busy machine
        # (3 of 4 s measured); the fixed days propagate without it
        solver.parameters.cp_model_presolve = False
        status = solver.solve(sub)
        steps += 1
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) and (
            solver.objective_value < best.objective_value - 0.5
        ):
            best = _Solution(
                [
                    solver.value(sub.get_int_var_from_proto_index(i))
                    for i in range(len(best.values))
                ],
                solver.objective_value,
            )
    return best, steps


def _people_values(solver: "cp_model.CpSolver | _Solution", people: PeopleModel) -> RosterValues:
    return RosterValues(
        shifts={(u, d): j for (u, d, j), var in people.shifts.items() if solver.value(var)},
        office={key for key, var in people.office.items() if solver.value(var)},
        located=bool(people.office),
    )


def _break_values(
    solver: "cp_model.CpSolver | _Solution", day: DayModel
) -> dict[tuple[int, int, int], int]:
    return {
        (j, r, offset): solver.value(var)
        for (j, r), starts in day.breaks.items()
        for offset, var in starts
        if solver.value(var)
    }
