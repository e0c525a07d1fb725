"""One day of the roster on its own, with the people as they come: the stage A of the
staged roster, and a lower bound on the paid hours of any week roster.

The day model keeps, of the week model (roster_model + coverage_model), everything that
concerns that day alone: each unit (a cohort moves as one, of its size; a person alone)
works at most one shift pattern, only one it can work that day (availability, earliest
start, latest end); breaks in their windows; the floors, interval floors and the daily
service-level target. It drops what couples days or only forbids: contracted minimum
and maximum minutes, days worked, daily rest, office days, seats, exclusive cohorts and
the fairness term (which only adds to the objective).

Why it bounds the week (validity): take any feasible week roster and keep its day d.
That day's shifts and breaks satisfy every constraint of the day model (each one is a
constraint of the week model, restricted to day d), so the day's paid time is at least
the day model's optimum, hence at least CP-SAT's proven best bound of it (a bound, even
when the search stops early). Summing over days, the week's paid time is at least the
sum of the day bounds. The contracted minimum is a bound on its own, so the larger of
the two is one too. The anonymous pool (pool.solve_pool_day) is the same model with
the units dropped, a relaxation of it, so this bound is never weaker than the pool's
once both are solved to optimality; it is stronger where cohorts of five and the people
available (no part-timers at weekends) make a day lumpy.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from distans.core.scheduling.coverage_model import add_day
from distans.core.scheduling.requirements import IntervalNeed, ServiceTarget
from distans.core.scheduling.roster_units import Unit
from distans.core.scheduling.solver_run import SolveReport, SolverLimits, solve
from distans.core.scheduling.templates import ShiftPattern


@dataclass(frozen=True, slots=True)
class UnitDay:
    """A solved day: pattern per unit, agents per pattern, break starts, staffed, bound."""

    shifts: dict[int, int]  # unit → pattern index
    pattern_counts: tuple[int, ...]
    break_starts: tuple[tuple[int, int, int, int], ...]  # (pattern, rule, offset, count)
    staffed: tuple[int, ...]
    paid_hours: float
    bound_hours: float
    report: SolveReport


def solve_unit_day(
    needs: Sequence[IntervalNeed],
    patterns: Sequence[ShiftPattern],
    units: Sequence[Unit],
    day: int,
    interval_minutes: int,
    target: ServiceTarget,
    limits: SolverLimits,
    hint: Sequence[int] | None = None,
) -> UnitDay:
    """Least paid time for day ``day`` with ``units`` (see module doc); ``hint``: agents
    per pattern to start from (e.g. a similar day's answer). Raises Infeasible when no
    day is found (proven, or in the time given)."""
    model = cp_model.CpModel()
    classes = _classes(units, patterns, day, interval_minutes)
    counts_of: dict[tuple[int, int], cp_model.IntVar] = {}
    for c, (members, workable) in enumerate(classes):
        for j in workable:
            counts_of[(c, j)] = model.new_int_var(0, len(members), f"n{c}_{j}")
        if workable:
            model.add(sum(counts_of[(c, j)] for j in workable) <= len(members))
    crews = []
    for j in range(len(patterns)):
        chosen = [
            (units[classes[c][0][0]].size, var) for (c, k), var in counts_of.items() if k == j
        ]
        crews.append(
            cp_model.LinearExpr.weighted_sum([v for _, v in chosen], [n for n, _ in chosen])
        )
    upper = max(1, sum(unit.size for unit in units))
    day_model = add_day(model, patterns, crews, upper, needs, target, "")
    model.minimize(
        cp_model.LinearExpr.weighted_sum(
            list(counts_of.values()),
            [patterns[j].length_periods * units[classes[c][0][0]].size for (c, j) in counts_of],
        )
    )
    if hint is not None:
        _hint_classes(model, counts_of, classes, units, hint)
    solver, report = solve(model, limits, f"roster for day {day}")
    shifts: dict[int, int] = {}
    counts = [0] * len(patterns)
    for (c, j), var in counts_of.items():
        members = classes[c][0]
        for u in [u for u in members if u not in shifts][: solver.value(var)]:
            shifts[u] = j
        counts[j] += solver.value(var) * units[members[0]].size
    break_starts = tuple(
        (j, r, offset, solver.value(var))
        for (j, r), starts in day_model.breaks.items()
        for offset, var in starts
        if solver.value(var)
    )
    return UnitDay(
        shifts=shifts,
        pattern_counts=tuple(counts),
        break_starts=break_starts,
        staffed=tuple(solver.value(v) for v in day_model.staffed),
        paid_hours=report.objective * interval_minutes / 60,
        bound_hours=report.best_bound * interval_minutes / 60,
        report=report,
    )


def _classes(
    units: Sequence[Unit], patterns: Sequence[ShiftPattern], day: int, interval_minutes: int
) -> list[tuple[list[int], list[int]]]:
    """Units alike for this day (same size, same workable patterns): (units, patterns).

    Within the day model such units are interchangeable, so a count per (class,
    pattern) is the same model as a choice per unit, without its symmetry."""
    grouped: dict[tuple[int, tuple[int, ...]], list[int]] = {}
    for u, unit in enumerate(units):
        workable = tuple(
            j for j, pattern in enumerate(patterns) if unit.can_work(day, pattern, interval_minutes)
        )
        grouped.setdefault((unit.size, workable), []).append(u)
    return [(members, list(workable)) for (_, workable), members in grouped.items()]


def _hint_classes(
    model: cp_model.CpModel,
    counts_of: dict[tuple[int, int], cp_model.IntVar],
    classes: Sequence[tuple[list[int], list[int]]],
    units: Sequence[Unit],
    counts: Sequence[int],
) -> None:
    """Hint classes onto patterns until each pattern has about its hinted agents,
    larger units first."""
    left = list(counts)
    hinted: dict[tuple[int, int], int] = {}
    order = sorted(range(len(classes)), key=lambda c: -units[classes[c][0][0]].size)
    for c in order:
        members, workable = classes[c]
        size = units[members[0]].size
        free = len(members)
        for j in sorted(workable, key=lambda j: -left[j]):
            n = min(free, left[j] // size)
            if n > 0:
                hinted[(c, j)] = n
                left[j] -= n * size
                free -= n
    for key, var in counts_of.items():
        model.add_hint(var, hinted.get(key, 0))


def unit_day_bound_hours(
    needs_by_day: Sequence[Sequence[IntervalNeed]],
    patterns: Sequence[ShiftPattern],
    units: Sequence[Unit],
    interval_minutes: int,
    target: ServiceTarget,
    limits: SolverLimits,
) -> list[float]:
    """Each day's proven lower bound on paid hours (see module doc), ``limits`` per day."""
    return [
        solve_unit_day(needs, patterns, units, d, interval_minutes, target, limits).bound_hours
        for d, needs in enumerate(needs_by_day)
    ]
