"""Units of the roster: a cohort (all members move together) or one person alone."""

from collections.abc import Sequence
from dataclasses import dataclass

from distans.core.errors import Infeasible, InvalidInput
from distans.core.scheduling.people import Cohort, Person
from distans.core.scheduling.templates import ShiftPattern


@dataclass(frozen=True, slots=True)
class Unit:
    """People who always work the same shift; limits are the tightest of the members'."""

    name: str
    members: tuple[str, ...]
    cohort: str | None
    min_minutes: int
    max_minutes: int
    max_days: int | None
    available_days: frozenset[int] | None
    earliest_start_minutes: int
    latest_end_minutes: int
    exclusive_office: bool = False
    min_office_days: int = 0

    @property
    def size(self) -> int:
        """How many people the unit puts on a shift."""
        return len(self.members)

    def can_work(self, day: int, pattern: ShiftPattern, interval_minutes: int) -> bool:
        """True when every member is available for ``pattern`` on ``day``."""
        if self.available_days is not None and day not in self.available_days:
            return False
        start = pattern.start_period * interval_minutes
        end = pattern.end_period * interval_minutes
        return start >= self.earliest_start_minutes and end <= self.latest_end_minutes


def build_units(people: Sequence[Person], cohorts: Sequence[Cohort]) -> list[Unit]:
    """Group ``people`` into cohort units and single-person units."""
    by_name = {p.name: p for p in people}
    if len(by_name) != len(people):
        raise InvalidInput("two people share a name")
    placed: set[str] = set()
    units = []
    for cohort in cohorts:
        unknown = [m for m in cohort.members if m not in by_name]
        if unknown:
            raise InvalidInput(f"cohort {cohort.name} names unknown people: {', '.join(unknown)}")
        twice = placed.intersection(cohort.members)
        if twice:
            raise InvalidInput(f"{', '.join(sorted(twice))} belong to more than one cohort")
        placed.update(cohort.members)
        units.append(_unit(cohort.name, [by_name[m] for m in cohort.members], cohort))
    units += [_unit(p.name, [p], None) for p in people if p.name not in placed]
    return units


def _unit(name: str, members: list[Person], cohort: Cohort | None) -> Unit:
    if not members:
        raise InvalidInput(f"cohort {name} has no members")
    days: frozenset[int] | None = None
    for member in members:
        if member.available_days is not None:
            days = member.available_days if days is None else days & member.available_days
    max_days = [m.max_days for m in members if m.max_days is not None]
    unit = Unit(
        name=name,
        members=tuple(m.name for m in members),
        cohort=cohort.name if cohort else None,
        min_minutes=max(m.min_minutes for m in members),
        max_minutes=min(m.max_minutes for m in members),
        max_days=min(max_days) if max_days else None,
        available_days=days,
        earliest_start_minutes=max(m.earliest_start_minutes for m in members),
        latest_end_minutes=min(m.latest_end_minutes for m in members),
        exclusive_office=cohort.exclusive_office if cohort else False,
        min_office_days=cohort.min_office_days if cohort else 0,
    )
    if unit.min_minutes > unit.max_minutes:
        raise Infeasible(f"cohort {name}: the members' contracted hours cannot all be met")
    return unit
