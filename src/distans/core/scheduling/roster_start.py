"""A warm start for stage B of the staged roster: the per-day pool shifts dealt to
people greedily, office days picked greedily.

Over all days at once, shifts are handed out greedily as a set cover of the pools'
agents on shift per interval: each step gives the (day, pattern, unit) covering most
missing agent-intervals per paid interval (at least MIN_COVER_SCORE) to a unit that may
work it (availability, one shift a day, days and minutes left, daily rest), units still
owed contracted hours first; units still short of their contract then get the shifts
that cover most of what is missing. Exclusive cohorts' office days are chosen by a
small exhaustive search, the others' while seats last. roster_repair then extends the
start until every day serves; CP-SAT receives it as a hint and improves on it.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

from distans.core.scheduling.people import Office, RosterRules
from distans.core.scheduling.roster_units import Unit
from distans.core.scheduling.templates import MINUTES_PER_DAY, ShiftPattern

MIN_COVER_SCORE = 0.3  # missing agent-intervals covered per paid one, to deal a shift


@dataclass(frozen=True, slots=True)
class PoolDay:
    """A day of stage A: agents per pattern, break starts (pattern, rule, offset, count)."""

    pattern_counts: tuple[int, ...]
    break_starts: tuple[tuple[int, int, int, int], ...]
    staffed: tuple[int, ...]


@dataclass(slots=True)
class WarmStart:
    """Shift per (unit, day), office (unit, day) pairs, break starts per day."""

    shifts: dict[tuple[int, int], int] = field(default_factory=dict)
    office: set[tuple[int, int]] = field(default_factory=set)
    breaks: list[dict[tuple[int, int, int], int]] = field(default_factory=list)


def deal_shifts(
    pools: Sequence[PoolDay],
    units: Sequence[Unit],
    patterns: Sequence[ShiftPattern],
    interval_minutes: int,
    rules: RosterRules,
    office: Office | None,
) -> WarmStart:
    """Build a warm start from the per-day pools (see module doc)."""
    start = WarmStart()
    minutes = [0] * len(units)
    days_worked = [0] * len(units)

    def free(u: int, d: int, j: int) -> bool:
        unit, pattern = units[u], patterns[j]
        if (u, d) in start.shifts or not unit.can_work(d, pattern, interval_minutes):
            return False
        if unit.max_days is not None and days_worked[u] >= unit.max_days:
            return False
        if minutes[u] + pattern.length_periods * interval_minutes > unit.max_minutes:
            return False
        for other_day, after in ((d - 1, True), (d + 1, False)):
            other = start.shifts.get((u, other_day))
            if other is None:
                continue
            first, second = (patterns[other], pattern) if after else (pattern, patterns[other])
            rest = MINUTES_PER_DAY + (second.start_period - first.end_period) * interval_minutes
            if rest < rules.min_rest_minutes:
                return False
        return True

    def give(u: int, d: int, j: int) -> None:
        start.shifts[(u, d)] = j
        minutes[u] += patterns[j].length_periods * interval_minutes
        days_worked[u] += 1

    def shortfall(u: int) -> float:
        return (units[u].min_minutes - minutes[u]) / units[u].size

    def scarcity(d: int) -> tuple[int, int]:
        able = sum(u.size for u in units if u.available_days is None or d in u.available_days)
        return able, -sum(pools[d].pattern_counts)

    wanted = [_on_shift(pool.pattern_counts, patterns, len(pool.staffed)) for pool in pools]
    have = [[0] * len(w) for w in wanted]
    sizes = sorted({unit.size for unit in units})
    days_by_scarcity = sorted(range(len(pools)), key=scarcity)
    while True:
        # every (day, pattern, unit size) scored by the missing agent-intervals it covers
        # per paid agent-interval, over all days at once (a day dealt last is not starved)
        options = []
        for rank, d in enumerate(days_by_scarcity):
            deficit = [max(0, w - h) for w, h in zip(wanted[d], have[d], strict=True)]
            if not any(deficit):
                continue
            for size in sizes:
                covered = [0]
                for x in deficit:
                    covered.append(covered[-1] + min(size, x))
                for j, pattern in enumerate(patterns):
                    gain = covered[pattern.end_period] - covered[pattern.start_period]
                    score = gain / (size * pattern.length_periods)
                    if gain and score >= MIN_COVER_SCORE:
                        options.append((-score, rank, -pattern.length_periods, d, j, size))
        if not options:
            break
        options.sort()
        chosen = None
        # contracted hours are paid anyway: hand them out before anyone's extra hours
        for owed in (True, False):
            for _, _, _, d, j, size in options:
                able = [
                    u
                    for u, unit in enumerate(units)
                    if unit.size == size and (shortfall(u) > 0) == owed and free(u, d, j)
                ]
                if able:
                    chosen = (max(able, key=shortfall), d, j)
                    break
            if chosen is not None:
                break
        if chosen is None:
            break
        u, d, j = chosen
        give(u, d, j)
        for period in range(patterns[j].start_period, patterns[j].end_period):
            have[d][period] += units[u].size
    # units still short of their contract: the shift covering most of what is missing
    for u in sorted(range(len(units)), key=shortfall, reverse=True):
        while minutes[u] < units[u].min_minutes:
            choices = [
                (
                    sum(
                        min(units[u].size, max(0, w - h))
                        for w, h in zip(
                            wanted[d][patterns[j].start_period : patterns[j].end_period],
                            have[d][patterns[j].start_period : patterns[j].end_period],
                            strict=True,
                        )
                    ),
                    -patterns[j].length_periods,
                    d,
                    j,
                )
                for d in range(len(pools))
                for j in range(len(patterns))
                if free(u, d, j)
            ]
            if not choices:
                break
            _, _, d, j = max(choices)
            give(u, d, j)
            for period in range(patterns[j].start_period, patterns[j].end_period):
                have[d][period] += units[u].size
    _place_breaks(start, pools, units, patterns)
    if office is not None:
        _pick_office_days(start, units, patterns, office, len(pools))
    return start


def _on_shift(counts: Sequence[int], patterns: Sequence[ShiftPattern], periods: int) -> list[int]:
    """Agents on shift (breaks included) per interval of the pool."""
    on = [0] * periods
    for count, pattern in zip(counts, patterns, strict=True):
        for period in range(pattern.start_period, pattern.end_period):
            on[period] += count
    return on


def _place_breaks(
    start: WarmStart,
    pools: Sequence[PoolDay],
    units: Sequence[Unit],
    patterns: Sequence[ShiftPattern],
) -> None:
    """The pool's break starts where the crew allows; the rest at each window's start."""
    for d, pool in enumerate(pools):
        crew: dict[int, int] = {}
        for (u, day), j in start.shifts.items():
            if day == d:
                crew[j] = crew.get(j, 0) + units[u].size
        counts: dict[tuple[int, int, int], int] = {}
        left = {(j, r): crew.get(j, 0) for j in crew for r in range(len(patterns[j].break_windows))}
        for j, r, offset, count in pool.break_starts:
            taking = min(count, left.get((j, r), 0))
            if taking:
                counts[(j, r, offset)] = taking
                left[(j, r)] -= taking
        for (j, r), extra in left.items():
            if extra:
                key = (j, r, patterns[j].break_windows[r][0])
                counts[key] = counts.get(key, 0) + extra
        start.breaks.append(counts)


def _exclusive_days(
    start: WarmStart, units: Sequence[Unit], days: int, tries: int = 50_000
) -> dict[int, list[int]]:
    """Office days for the exclusive units (distinct days on which they work) that leave
    every other unit needing office days the most working days without an exclusive
    unit: a small exhaustive search, cut at ``tries`` combinations."""
    worked: dict[int, set[int]] = {}
    for u, d in start.shifts:
        worked.setdefault(u, set()).add(d)
    exclusive = [
        u for u, unit in enumerate(units) if unit.exclusive_office and unit.min_office_days
    ]
    others = [
        u for u, unit in enumerate(units) if unit.min_office_days and not unit.exclusive_office
    ]
    best: tuple[tuple[int, int], dict[int, list[int]]] = ((-(10**9), 0), {})
    count = 0

    def score(taken: set[int]) -> tuple[int, int]:
        slack = [len(worked.get(u, set()) - taken) - units[u].min_office_days for u in others]
        return (sum(min(0, x) for x in slack), min(slack, default=0))

    def search(i: int, taken: set[int], picks: dict[int, list[int]]) -> None:
        nonlocal best, count
        count += 1
        if count > tries:
            return
        if i == len(exclusive):
            value = score(taken)
            if value > best[0]:
                best = (value, {u: list(ds) for u, ds in picks.items()})
            return
        u = exclusive[i]
        free = sorted(worked.get(u, set()) - taken)
        for combo in combinations(free, min(units[u].min_office_days, len(free))):
            picks[u] = list(combo)
            search(i + 1, taken | set(combo), picks)
        picks.pop(u, None)

    search(0, set(), {})
    return best[1]


def _pick_office_days(
    start: WarmStart,
    units: Sequence[Unit],
    patterns: Sequence[ShiftPattern],
    office: Office,
    days: int,
) -> None:
    """Exclusive cohorts first, each alone on a day few others need; then the rest while
    seats last."""
    periods_per_day = max(p.end_period for p in patterns)
    seated = [[0] * periods_per_day for _ in range(days)]
    exclusive_days: set[int] = set()
    order = sorted(
        range(len(units)), key=lambda u: (not units[u].exclusive_office, -units[u].min_office_days)
    )
    chosen = _exclusive_days(start, units, days)
    for u in order:
        unit = units[u]
        taken = 0
        ranked = chosen.get(u, list(range(days))) if unit.exclusive_office else range(days)
        for d in ranked:
            j = start.shifts.get((u, d))
            if taken >= unit.min_office_days or j is None or d in exclusive_days:
                continue
            periods = range(patterns[j].start_period, patterns[j].end_period)
            if unit.exclusive_office and any(seated[d]):
                continue
            if any(seated[d][p] + unit.size > office.seats for p in periods):
                continue
            for p in periods:
                seated[d][p] += unit.size
            start.office.add((u, d))
            taken += 1
            if unit.exclusive_office:
                exclusive_days.add(d)
