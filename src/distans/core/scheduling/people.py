"""Named people, cohorts and the office: the inputs of the roster solver."""

from dataclasses import dataclass

from distans.core.scheduling.templates import MINUTES_PER_DAY


@dataclass(frozen=True, slots=True)
class Person:
    """Someone to roster: contracted minutes over the horizon and availability.

    ``available_days`` holds day indices of the horizon (``None``: every day); a shift
    must start at or after ``earliest_start_minutes`` and end by ``latest_end_minutes``.
    """

    name: str
    min_minutes: int = 0
    max_minutes: int = 7 * MINUTES_PER_DAY
    available_days: frozenset[int] | None = None
    earliest_start_minutes: int = 0
    latest_end_minutes: int = MINUTES_PER_DAY
    max_days: int | None = None


@dataclass(frozen=True, slots=True)
class Cohort:
    """A team that works as a unit: the same shift on the same days, the same place.

    ``exclusive_office``: on a day the cohort is at the office nobody outside it is.
    ``min_office_days``: days of the horizon the cohort must spend at the office.
    """

    name: str
    members: tuple[str, ...]
    exclusive_office: bool = False
    min_office_days: int = 0


@dataclass(frozen=True, slots=True)
class Office:
    """Seats at the office; whoever does not fit works from home."""

    seats: int


@dataclass(frozen=True, slots=True)
class RosterRules:
    """Labour rules and fairness weights of the roster.

    An evening shift ends after ``evening_after_minutes``; weekend days are the day
    indices in ``weekend_days``. Fairness penalises, per unit of spread between the
    person with most and least evening shifts (and weekend shifts), ``fairness_weight``
    intervals of paid time in the objective.
    """

    min_rest_minutes: int = 11 * 60
    evening_after_minutes: int = 18 * 60
    weekend_days: frozenset[int] = frozenset()
    fairness_weight: int = 4
