"""Making a roster serve: shifts added to a day until its floors and service level hold.

The staged roster's greedy start (roster_start) covers the pools' agents on shift, but
cohorts are lumpy and people's days and hours run out, so some days may miss their
floors or target. Before CP-SAT improves anything, each such day is extended: where
agents are missing (below the floor, else where one more agent answers most), the free
unit and pattern covering most of them per paid interval is added (availability, one shift a
day, days, maximum minutes and daily rest respected; added shifts are worked from
home, so seats and office days are untouched); failing that a shift of the day is
moved (each unit once a day, never an office shift), or a unit gives up its shift on
another day that still serves without it to work this one. Breaks are placed greedily
while changing and by CP-SAT once at the end. It stops when the day serves, nothing
can change, or at the deadline.
"""

import time
from collections.abc import Callable, Sequence

from ortools.sat.python import cp_model

from distans.core.scheduling.coverage_model import add_day
from distans.core.scheduling.people import RosterRules
from distans.core.scheduling.requirements import (
    IntervalNeed,
    ServiceTarget,
    daily_service_level,
    service_level_with,
)
from distans.core.scheduling.roster_result import RosterValues
from distans.core.scheduling.roster_units import Unit
from distans.core.scheduling.solver_run import SolverLimits, solve
from distans.core.scheduling.templates import MINUTES_PER_DAY, ShiftPattern

BREAK_SECONDS = 5.0
MAX_CHANGES_PER_DAY = 60


def serves(needs: Sequence[IntervalNeed], staffed: Sequence[int], target: ServiceTarget) -> bool:
    """Floors and interval floor met everywhere, the daily target met."""
    if any(a < n.min_agents for a, n in zip(staffed, needs, strict=True)):
        return False
    levels = service_level_with(needs, staffed)
    if any(
        lv < target.interval_floor and n.contacts > 0 for lv, n in zip(levels, needs, strict=True)
    ):
        return False
    return daily_service_level(needs, staffed) >= target.daily_service_level - 1e-9


def place_day_breaks(
    crews: Sequence[int],
    patterns: Sequence[ShiftPattern],
    needs: Sequence[IntervalNeed],
    target: ServiceTarget,
    workers: int,
) -> tuple[dict[tuple[int, int, int], int], list[int], list[int]]:
    """Breaks for fixed crews per pattern: (break counts, staffed, stand-ins needed)."""
    model = cp_model.CpModel()
    bound = max(1, sum(crews))
    day = add_day(
        model, patterns, list(crews), bound, needs, target, "r", soft_target=True, ghost_agents=True
    )
    ghosts = day.ghosts or []
    short = [day.shortfall] if day.shortfall is not None else []
    model.minimize(1000 * cp_model.LinearExpr.sum(ghosts) + cp_model.LinearExpr.sum(short))
    solver, _ = solve(model, SolverLimits(BREAK_SECONDS, workers), "break plan")
    breaks = {
        (j, r, offset): solver.value(var)
        for (j, r), starts in day.breaks.items()
        for offset, var in starts
        if solver.value(var)
    }
    stand_ins = [solver.value(g) for g in ghosts]
    staffed = [solver.value(v) - g for v, g in zip(day.staffed, stand_ins, strict=True)]
    return breaks, staffed, stand_ins


def extend_until_served(
    values: RosterValues,
    units: Sequence[Unit],
    patterns: Sequence[ShiftPattern],
    needs_by_day: Sequence[Sequence[IntervalNeed]],
    interval_minutes: int,
    rules: RosterRules,
    target: ServiceTarget,
    workers: int,
    deadline: float,
) -> list[int]:
    """Extend ``values`` in place day by day (see module doc) until ``deadline``
    (time.perf_counter()); return the days extended."""
    minutes = [0] * len(units)
    days_worked = [0] * len(units)
    for (u, _), j in values.shifts.items():
        minutes[u] += patterns[j].length_periods * interval_minutes
        days_worked[u] += 1

    def free(u: int, d: int, j: int, moving: bool = False, released: int | None = None) -> bool:
        """May unit u work pattern j on day d (``moving``: instead of its shift that day;
        ``released``: the pattern of a shift on another day it would give up)?"""
        unit, pattern = units[u], patterns[j]
        current = values.shifts.get((u, d))
        if (current is not None) != moving or not unit.can_work(d, pattern, interval_minutes):
            return False
        extra_days = (0 if moving else 1) - (1 if released is not None else 0)
        if unit.max_days is not None and days_worked[u] + extra_days > unit.max_days:
            return False
        was = patterns[current].length_periods if current is not None else 0
        if released is not None:
            was += patterns[released].length_periods
        added = (pattern.length_periods - was) * interval_minutes
        if not unit.min_minutes <= minutes[u] + added <= unit.max_minutes:
            return False
        if moving and (u, d) in values.office:
            return False  # its seat was counted for the shift it has
        for other_day, after in ((d - 1, True), (d + 1, False)):
            other = values.shifts.get((u, other_day))
            if other is None:
                continue
            first, second = (patterns[other], pattern) if after else (pattern, patterns[other])
            rest = MINUTES_PER_DAY + (second.start_period - first.end_period) * interval_minutes
            if rest < rules.min_rest_minutes:
                return False
        return True

    extended = []
    for d, needs in enumerate(needs_by_day):
        if serves(needs, values.staffed[d], target):
            continue
        changes = 0
        moved: set[int] = set()  # units whose shift this day was moved (each once)
        while True:
            # greedy breaks while changing (fast); CP-SAT places them once at the end
            crews = _crews(values, units, patterns, d)
            breaks, staffed = greedy_breaks(crews, patterns, needs)
            values.breaks[d], values.staffed[d] = breaks, staffed
            if (
                serves(needs, staffed, target)
                or changes >= MAX_CHANGES_PER_DAY
                or time.perf_counter() > deadline
            ):
                break
            changes += 1
            floors = [max(0, n.min_agents - a) for a, n in zip(staffed, needs, strict=True)]
            wanted = floors if any(floors) else _busiest_gaps(needs, staffed)
            best = _best_change(units, patterns, wanted, d, values.shifts, free, moved)
            if best is None:
                swap = _day_swap(d, wanted, values, units, patterns, needs_by_day, target, free)
                if swap is None:
                    break
                u, other = swap
                j_other = values.shifts.pop((u, other))
                minutes[u] -= patterns[j_other].length_periods * interval_minutes
                days_worked[u] -= 1
                crews = _crews(values, units, patterns, other)
                values.breaks[other], values.staffed[other] = greedy_breaks(
                    crews, patterns, needs_by_day[other]
                )
                best = _best_change(units, patterns, wanted, d, values.shifts, free, moved)
                if best is None:  # cannot happen: _day_swap checked it
                    break
            u, j = best
            current = values.shifts.get((u, d))
            was = patterns[current].length_periods if current is not None else 0
            if current is not None:
                moved.add(u)
            values.shifts[(u, d)] = j
            minutes[u] += (patterns[j].length_periods - was) * interval_minutes
            days_worked[u] += 0 if current is not None else 1
            if d not in extended:
                extended.append(d)
        if time.perf_counter() < deadline or not serves(needs, values.staffed[d], target):
            crews = _crews(values, units, patterns, d)
            breaks, staffed, _ = place_day_breaks(crews, patterns, needs, target, workers)
            if serves(needs, staffed, target) or not serves(needs, values.staffed[d], target):
                values.breaks[d], values.staffed[d] = breaks, staffed
    return extended


def _crews(
    values: RosterValues, units: Sequence[Unit], patterns: Sequence[ShiftPattern], day: int
) -> list[int]:
    crews = [0] * len(patterns)
    for (u, d), j in values.shifts.items():
        if d == day:
            crews[j] += units[u].size
    return crews


def greedy_breaks(
    crews: Sequence[int], patterns: Sequence[ShiftPattern], needs: Sequence[IntervalNeed]
) -> tuple[dict[tuple[int, int, int], int], list[int]]:
    """Breaks one agent at a time where the day has most agents to spare (staffed above
    the floor, over the break's intervals); returns the break counts and staffed."""
    periods = len(needs)
    staffed = [0] * periods
    for j, crew in enumerate(crews):
        for p in range(patterns[j].start_period, min(patterns[j].end_period, periods)):
            staffed[p] += crew
    breaks: dict[tuple[int, int, int], int] = {}
    for j, crew in enumerate(crews):
        for r, (first, last, length) in enumerate(patterns[j].break_windows):
            for _ in range(crew):
                start = patterns[j].start_period

                def spare(offset: int, start: int = start, length: int = length) -> int:
                    span = range(start + offset, min(start + offset + length, periods))
                    return min(staffed[p] - needs[p].min_agents for p in span)

                offset = max(range(first, last + 1), key=spare)
                breaks[(j, r, offset)] = breaks.get((j, r, offset), 0) + 1
                for p in range(start + offset, min(start + offset + length, periods)):
                    staffed[p] -= 1
    return breaks, staffed


def _best_change(
    units: Sequence[Unit],
    patterns: Sequence[ShiftPattern],
    wanted: Sequence[int],
    d: int,
    shifts: dict[tuple[int, int], int],
    free: Callable[..., bool],
    moved: set[int],
) -> tuple[int, int] | None:
    """A new shift covering most wanted agent-intervals per paid interval; failing
    that, a shift of the day moved to a pattern that covers more of them."""
    best, best_score = None, 0.0
    for u, unit in enumerate(units):
        for j, pattern in enumerate(patterns):
            gain = sum(min(unit.size, w) for w in wanted[pattern.start_period : pattern.end_period])
            score = gain / (unit.size * pattern.length_periods)
            if gain and score > best_score and free(u, d, j):
                best, best_score = (u, j), score
    if best is not None:
        return best
    best_gain = 0
    for u, unit in enumerate(units):
        current = shifts.get((u, d))
        if current is None or u in moved:
            continue
        old = patterns[current]
        had = sum(min(unit.size, w) for w in wanted[old.start_period : old.end_period])
        for j, pattern in enumerate(patterns):
            gain = sum(min(unit.size, w) for w in wanted[pattern.start_period : pattern.end_period])
            if gain - had > best_gain and free(u, d, j, moving=True):
                best, best_gain = (u, j), gain - had
    return best


def _day_swap(
    d: int,
    wanted: Sequence[int],
    values: RosterValues,
    units: Sequence[Unit],
    patterns: Sequence[ShiftPattern],
    needs_by_day: Sequence[Sequence[IntervalNeed]],
    target: ServiceTarget,
    free: Callable[..., bool],
) -> tuple[int, int] | None:
    """A unit not working day ``d`` whose shift on another day can go (that day still
    serves without it, it is not an office day) so that it may work day ``d`` instead
    (one day more or fewer hours is what blocked it): (unit, other day), or None."""
    best: tuple[float, int, int] | None = None
    for u, unit in enumerate(units):
        if (u, d) in values.shifts:
            continue
        for (v, other), j_other in list(values.shifts.items()):
            if v != u or other == d or (u, other) in values.office:
                continue
            del values.shifts[(u, other)]
            try:
                gains = [
                    sum(min(unit.size, w) for w in wanted[p.start_period : p.end_period])
                    / (unit.size * p.length_periods)
                    for p in patterns
                ]
                options = [
                    g for j, g in enumerate(gains) if g > 0 and free(u, d, j, released=j_other)
                ]
                if not options or (best is not None and max(options) <= best[0]):
                    continue
                crews = _crews(values, units, patterns, other)
                _, staffed = greedy_breaks(crews, patterns, needs_by_day[other])
                if serves(needs_by_day[other], staffed, target):
                    best = (max(options), u, other)
            finally:
                values.shifts[(u, other)] = j_other
    return None if best is None else (best[1], best[2])


def _busiest_gaps(needs: Sequence[IntervalNeed], staffed: Sequence[int]) -> list[int]:
    """Where one more agent answers most more contacts in time (1 there, else 0)."""
    gains = []
    for need, agents in zip(needs, staffed, strict=True):
        curve = need.answered_by_agents
        gains.append(curve[agents + 1] - curve[agents] if agents + 1 < len(curve) else 0.0)
    best = max(gains, default=0.0)
    return [1 if best > 0 and g >= 0.5 * best else 0 for g in gains]


def trim_while_serving(
    values: RosterValues,
    units: Sequence[Unit],
    patterns: Sequence[ShiftPattern],
    needs_by_day: Sequence[Sequence[IntervalNeed]],
    interval_minutes: int,
    target: ServiceTarget,
    deadline: float,
) -> int:
    """Drop shifts nobody's contract needs while their day still serves; return how many.

    Candidates: shifts of units that stay at or above their contracted minutes without
    them, not office shifts (seats and office days stay as they are), the most
    over-staffed first (agents above the floor over the shift's intervals). The day's
    breaks are placed again greedily; a drop that leaves the day short is undone."""
    minutes = [0] * len(units)
    for (u, _), j in values.shifts.items():
        minutes[u] += patterns[j].length_periods * interval_minutes
    dropped = 0
    tried: set[tuple[int, int]] = set()
    while time.perf_counter() < deadline:
        surplus = [
            [a - n.min_agents for a, n in zip(values.staffed[d], needs, strict=True)]
            for d, needs in enumerate(needs_by_day)
        ]
        candidates = sorted(
            (
                -sum(surplus[d][patterns[j].start_period : patterns[j].end_period])
                / patterns[j].length_periods,
                u,
                d,
            )
            for (u, d), j in values.shifts.items()
            if (u, d) not in values.office
            and (u, d) not in tried
            and minutes[u] - patterns[j].length_periods * interval_minutes >= units[u].min_minutes
        )
        if not candidates:
            break
        _, u, d = candidates[0]
        tried.add((u, d))
        j = values.shifts.pop((u, d))
        breaks, staffed = _without(
            values.breaks[d], values.staffed[d], patterns, j, units[u].size, needs_by_day[d]
        )
        if not serves(needs_by_day[d], staffed, target):
            breaks, staffed = greedy_breaks(
                _crews(values, units, patterns, d), patterns, needs_by_day[d]
            )
        if serves(needs_by_day[d], staffed, target):
            values.breaks[d], values.staffed[d] = breaks, staffed
            minutes[u] -= patterns[j].length_periods * interval_minutes
            dropped += 1
        else:
            values.shifts[(u, d)] = j
    return dropped


def _without(
    breaks: dict[tuple[int, int, int], int],
    staffed: Sequence[int],
    patterns: Sequence[ShiftPattern],
    j: int,
    size: int,
    needs: Sequence[IntervalNeed],
) -> tuple[dict[tuple[int, int, int], int], list[int]]:
    """The day's breaks and staffed with ``size`` agents of pattern ``j`` gone, every
    other break kept where it is: of each break rule, the agents leaving are the ones
    whose breaks fall where the day has least to spare (their return helps most)."""
    periods = len(needs)
    pattern = patterns[j]
    left = dict(breaks)
    after = list(staffed)
    for p in range(pattern.start_period, min(pattern.end_period, periods)):
        after[p] -= size
    for r, (first, last, length) in enumerate(pattern.break_windows):
        for _ in range(size):
            taken = [o for o in range(first, last + 1) if left.get((j, r, o), 0) > 0]
            if not taken:
                break

            def spare(offset: int, length: int = length) -> int:
                begin = pattern.start_period + offset
                span = range(begin, min(begin + length, periods))
                return min((after[p] - needs[p].min_agents for p in span), default=0)

            offset = min(taken, key=spare)
            left[(j, r, offset)] -= 1
            if not left[(j, r, offset)]:
                del left[(j, r, offset)]
            begin = pattern.start_period + offset
            for p in range(begin, min(begin + length, periods)):
                after[p] += 1
    return left, after
