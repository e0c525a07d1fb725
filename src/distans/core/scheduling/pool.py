"""One day (or several independent days) of anonymous shifts: how many agents start
which shift pattern, with their breaks, at the least paid time that meets the
service-level target (daily) and floor (every interval)."""

from collections.abc import Sequence
from dataclasses import dataclass

from ortools.sat.python import cp_model

from distans.core.errors import InvalidInput
from distans.core.scheduling.coverage_model import add_day
from distans.core.scheduling.requirements import (
    IntervalNeed,
    ServiceTarget,
    daily_service_level,
    service_level_with,
)
from distans.core.scheduling.solver_run import SolveReport, SolverLimits, solve
from distans.core.scheduling.templates import ShiftPattern


@dataclass(frozen=True, slots=True)
class PlannedBreak:
    """``count`` agents of a shift take the break ``label`` from start to end (minutes of day)."""

    label: str
    start_minutes: int
    end_minutes: int
    count: int


@dataclass(frozen=True, slots=True)
class PlannedShift:
    """``count`` agents work ``template`` from start to end (minutes of day), with breaks."""

    template: str
    start_minutes: int
    end_minutes: int
    count: int
    breaks: tuple[PlannedBreak, ...]


@dataclass(frozen=True, slots=True)
class PoolSchedule:
    """The solved day: shifts, staffed agents and service level per interval, totals."""

    shifts: tuple[PlannedShift, ...]
    staffed: tuple[int, ...]
    interval_service_levels: tuple[float, ...]
    daily_service_level: float
    paid_hours: float
    report: SolveReport
    pattern_counts: tuple[int, ...] = ()
    break_starts: tuple[tuple[int, int, int, int], ...] = ()  # (pattern, rule, offset, count)

    @property
    def worst_interval_service_level(self) -> float:
        """Lowest service level over intervals (1.0 for intervals without contacts)."""
        return min(self.interval_service_levels)


def solve_pool_day(
    needs: Sequence[IntervalNeed],
    patterns: Sequence[ShiftPattern],
    interval_minutes: int,
    target: ServiceTarget = ServiceTarget(),
    limits: SolverLimits = SolverLimits(),
    max_agents_per_pattern: int | None = None,
    hint: Sequence[int] | None = None,
) -> PoolSchedule:
    """Minimise paid time (shift lengths, breaks included) for one day of ``needs``.

    ``hint``: agents per pattern to start the search from (e.g. a similar day's answer),
    which keeps a short or busy search from ending on a poor first solution."""
    if not needs:
        raise InvalidInput("no intervals to schedule")
    if any(p.end_period > len(needs) for p in patterns):
        raise InvalidInput("a shift pattern runs past the end of the day")
    upper = max_agents_per_pattern or max(
        max(n.min_agents, len(n.answered_by_agents)) for n in needs
    )
    model = cp_model.CpModel()
    crews = [model.new_int_var(0, upper, f"x{j}") for j in range(len(patterns))]
    day = add_day(model, patterns, crews, upper, needs, target, "")
    model.minimize(sum(p.length_periods * x for p, x in zip(patterns, crews, strict=True)))
    if hint is not None:
        for crew, count in zip(crews, hint, strict=True):
            model.add_hint(crew, min(upper, count))
    solver, report = solve(model, limits, "schedule")
    counts = [solver.value(x) for x in crews]
    staffed = [solver.value(v) for v in day.staffed]
    break_starts = tuple(
        (j, r, offset, solver.value(var))
        for (j, r), starts in day.breaks.items()
        for offset, var in starts
        if solver.value(var)
    )
    shifts = []
    for j, (pattern, count) in enumerate(zip(patterns, counts, strict=True)):
        if count == 0:
            continue
        planned_breaks = []
        for r, rule in enumerate(pattern.template.breaks):
            duration = pattern.break_windows[r][2] * interval_minutes
            for offset, var in day.breaks[(j, r)]:
                taking = solver.value(var)
                if taking:
                    start = (pattern.start_period + offset) * interval_minutes
                    planned_breaks.append(PlannedBreak(rule.label, start, start + duration, taking))
        shifts.append(
            PlannedShift(
                pattern.template.name,
                pattern.start_period * interval_minutes,
                pattern.end_period * interval_minutes,
                count,
                tuple(planned_breaks),
            )
        )
    paid_minutes = sum(s.count * (s.end_minutes - s.start_minutes) for s in shifts)
    return PoolSchedule(
        shifts=tuple(shifts),
        staffed=tuple(staffed),
        interval_service_levels=tuple(service_level_with(needs, staffed)),
        daily_service_level=daily_service_level(needs, staffed),
        paid_hours=paid_minutes / 60.0,
        report=report,
        pattern_counts=tuple(counts),
        break_starts=break_starts,
    )
