"""Rostering named people: cohorts, seats, availability, checked on the output."""

import pytest

from distans.core.errors import Infeasible
from distans.core.scheduling.people import Cohort, Office, Person, RosterRules
from distans.core.scheduling.requirements import ServiceTarget, headcount_needs
from distans.core.scheduling.roster import solve_roster
from distans.core.scheduling.solver_run import SolverLimits
from distans.core.scheduling.templates import ShiftTemplate, expand_patterns

LIMITS = SolverLimits(time_limit_seconds=10, num_search_workers=2)
HOURLY = 60
PATTERNS = expand_patterns((ShiftTemplate("4h", 240, 480, 720, 120),), HOURLY)
NO_TARGET = ServiceTarget(min_agents=0)


def day_need(agents):
    return headcount_needs([0] * 8 + [agents] * 8 + [0] * 8)


@pytest.mark.parametrize("method", ["exact", "staged"])
def test_cohorts_share_shift_and_exclusive_team_is_alone_at_the_office(method):
    # given two teams of two (team a exclusive), two days, 2 seats, each team 1 office day
    people = [Person(n, min_minutes=240) for n in ("a1", "a2", "b1", "b2", "c1")]
    cohorts = (
        Cohort("a", ("a1", "a2"), exclusive_office=True, min_office_days=1),
        Cohort("b", ("b1", "b2"), min_office_days=1),
    )
    # when
    roster = solve_roster(
        [day_need(2), day_need(2)],
        PATTERNS,
        people,
        HOURLY,
        cohorts,
        Office(seats=2),
        RosterRules(),
        NO_TARGET,
        LIMITS,
        method=method,
    )
    # then, read from the assignments:
    by_person = {}
    for a in roster.assignments:
        by_person.setdefault(a.person, []).append(a)
    for first, second in (("a1", "a2"), ("b1", "b2")):
        assert [(a.day, a.start_minutes, a.location) for a in by_person[first]] == [
            (a.day, a.start_minutes, a.location) for a in by_person[second]
        ]
    for day in (0, 1):
        at_office = [a for a in roster.assignments if a.day == day and a.location == "office"]
        for hour in range(24):
            assert sum(1 for a in at_office if a.start_minutes <= hour * 60 < a.end_minutes) <= 2
        if any(a.cohort == "a" for a in at_office):
            assert all(a.cohort == "a" for a in at_office)
    assert {a.day for a in roster.assignments if a.cohort == "b" and a.location == "office"}
    assert all(staffed >= 2 for day in roster.staffed for staffed in day[8:16])


def test_unavailable_person_is_never_rostered_on_that_day():
    people = [Person("x", available_days=frozenset({1})), Person("y"), Person("z")]
    roster = solve_roster(
        [day_need(1), day_need(1)], PATTERNS, people, HOURLY, target=NO_TARGET, limits=LIMITS
    )
    assert all(a.day == 1 for a in roster.assignments if a.person == "x")


def test_too_few_people_is_infeasible():
    with pytest.raises(Infeasible):
        solve_roster(
            [day_need(3)], PATTERNS, [Person("only")], HOURLY, target=NO_TARGET, limits=LIMITS
        )
