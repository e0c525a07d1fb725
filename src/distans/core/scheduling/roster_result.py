"""Reading a solved roster back into plain data: who works when, where, with which breaks."""

from collections.abc import Sequence
from dataclasses import dataclass, field

from distans.core.scheduling.requirements import (
    IntervalNeed,
    daily_service_level,
    service_level_with,
)
from distans.core.scheduling.roster_units import Unit
from distans.core.scheduling.solver_run import SolveReport
from distans.core.scheduling.templates import ShiftPattern


@dataclass(frozen=True, slots=True)
class Assignment:
    """One person's shift on one day; breaks as (label, start, end) minutes of day."""

    person: str
    day: int
    template: str
    start_minutes: int
    end_minutes: int
    breaks: tuple[tuple[str, int, int], ...]
    location: str | None  # "office", "home", or None when no office was given
    cohort: str | None


@dataclass(frozen=True, slots=True)
class RosterSchedule:
    """The solved roster with staffed agents and service levels per day and interval."""

    assignments: tuple[Assignment, ...]
    staffed: tuple[tuple[int, ...], ...]
    interval_service_levels: tuple[tuple[float, ...], ...]
    daily_service_levels: tuple[float, ...]
    paid_hours: float
    report: SolveReport
    pool_lower_bound_hours: float = 0.0  # Σ per-day pool bounds: no roster can pay less
    lower_bound_hours: float = 0.0  # the best of the pool bound and the contracted hours

    @property
    def gap_to_lower_bound(self) -> float:
        """How far the paid hours are above the lower bound (0.05 = 5 %); 0 without one."""
        if self.lower_bound_hours <= 0:
            return 0.0
        return self.paid_hours / self.lower_bound_hours - 1


@dataclass(slots=True)
class RosterValues:
    """Plain values of a solved roster: shift per (unit, day), office days, breaks, staffed."""

    shifts: dict[tuple[int, int], int]
    office: set[tuple[int, int]]
    located: bool
    breaks: list[dict[tuple[int, int, int], int]] = field(default_factory=list)
    staffed: list[list[int]] = field(default_factory=list)


def read_roster(
    values: RosterValues,
    report: SolveReport,
    units: Sequence[Unit],
    patterns: Sequence[ShiftPattern],
    needs_by_day: Sequence[Sequence[IntervalNeed]],
    interval_minutes: int,
) -> RosterSchedule:
    """Turn values into assignments; each shift's breaks are dealt to its people in order."""
    on_shift: dict[tuple[int, int], list[tuple[str, Unit, str | None]]] = {}
    for (u, d), j in values.shifts.items():
        location = None
        if values.located:
            location = "office" if (u, d) in values.office else "home"
        for member in units[u].members:
            on_shift.setdefault((d, j), []).append((member, units[u], location))
    assignments = []
    for (d, j), crew in sorted(on_shift.items()):
        pattern = patterns[j]
        dealt: list[list[tuple[str, int, int]]] = [[] for _ in crew]
        for r, rule in enumerate(pattern.template.breaks):
            first, last, _ = pattern.break_windows[r]
            starts = [
                offset
                for offset in range(first, last + 1)
                for _ in range(values.breaks[d].get((j, r, offset), 0))
            ]
            for person_index, offset in enumerate(starts):
                begin = (pattern.start_period + offset) * interval_minutes
                dealt[person_index].append((rule.label, begin, begin + rule.duration_minutes))
        for (member, unit, location), breaks in zip(crew, dealt, strict=True):
            assignments.append(
                Assignment(
                    person=member,
                    day=d,
                    template=pattern.template.name,
                    start_minutes=pattern.start_period * interval_minutes,
                    end_minutes=pattern.end_period * interval_minutes,
                    breaks=tuple(breaks),
                    location=location,
                    cohort=unit.cohort,
                )
            )
    staffed = tuple(tuple(day) for day in values.staffed)
    return RosterSchedule(
        assignments=tuple(sorted(assignments, key=lambda a: (a.day, a.start_minutes, a.person))),
        staffed=staffed,
        interval_service_levels=tuple(
            tuple(service_level_with(needs, s))
            for needs, s in zip(needs_by_day, staffed, strict=True)
        ),
        daily_service_levels=tuple(
            daily_service_level(needs, s) for needs, s in zip(needs_by_day, staffed, strict=True)
        ),
        paid_hours=sum(a.end_minutes - a.start_minutes for a in assignments) / 60.0,
        report=report,
    )
