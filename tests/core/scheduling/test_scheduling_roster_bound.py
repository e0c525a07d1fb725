"""The day model with units as a lower bound of week rosters (roster_bound)."""

import pytest

from distans.core.scheduling.people import Cohort, Office, Person, RosterRules
from distans.core.scheduling.pool import solve_pool_day
from distans.core.scheduling.requirements import ServiceTarget, headcount_needs, service_level_needs
from distans.core.scheduling.roster import solve_roster
from distans.core.scheduling.roster_bound import solve_unit_day, unit_day_bound_hours
from distans.core.scheduling.roster_units import build_units
from distans.core.scheduling.solver_run import SolverLimits
from distans.core.scheduling.templates import ShiftTemplate, expand_patterns

LIMITS = SolverLimits(time_limit_seconds=10, num_search_workers=2)
HOURLY = 60
PATTERNS = expand_patterns((ShiftTemplate("4h", 240, 480, 720, 120),), HOURLY)
NO_TARGET = ServiceTarget(min_agents=0)


def day_need(agents):
    return headcount_needs([0] * 8 + [agents] * 8 + [0] * 8)


def test_a_cohort_makes_the_day_bound_stronger_than_the_pool():
    # given a day needing one agent 08–12 and only a cohort of two to work it
    people = [Person("a1"), Person("a2")]
    units = build_units(people, (Cohort("a", ("a1", "a2")),))
    needs = headcount_needs([0] * 8 + [1] * 4 + [0] * 12)
    # when
    day = solve_unit_day(needs, PATTERNS, units, 0, HOURLY, NO_TARGET, LIMITS)
    pool = solve_pool_day(needs, PATTERNS, HOURLY, NO_TARGET, LIMITS)
    # then the pool pays one agent 4 h, any roster both members: 8 h
    assert pool.report.best_bound == 4
    assert day.bound_hours == 8
    assert day.paid_hours == 8
    assert sorted(day.shifts) == [0]


@pytest.mark.parametrize("method", ["exact", "staged"])
def test_the_week_bound_never_exceeds_a_feasible_roster(method):
    # given three days with a service-level curve, a cohort of two, contracts and seats
    target = ServiceTarget(answer_seconds=20, daily_service_level=0.8, interval_floor=0.5)
    contacts = [0.0] * 8 + [12.0, 20.0, 25.0, 25.0, 22.0, 18.0, 14.0, 8.0] + [0.0] * 8
    is_open = [8 <= p < 16 for p in range(24)]
    needs = [
        service_level_needs([c * scale for c in contacts], 300, HOURLY, target, is_open)
        for scale in (1.0, 0.7, 0.4)
    ]
    people = [Person(f"p{i}", min_minutes=240, max_days=3) for i in range(10)]
    cohorts = (Cohort("team", ("p0", "p1"), min_office_days=1),)
    units = build_units(people, cohorts)
    # when
    roster = solve_roster(
        needs,
        PATTERNS,
        people,
        HOURLY,
        cohorts,
        Office(seats=3),
        RosterRules(),
        target,
        LIMITS,
        method=method,
    )
    bounds = unit_day_bound_hours(needs, PATTERNS, units, HOURLY, target, LIMITS)
    pools = [
        solve_pool_day(day, PATTERNS, HOURLY, target, LIMITS).report.best_bound for day in needs
    ]
    # then no day of the roster pays less than its bound, nor the week less than their
    # sum or the contracts; and the day bound is never below the pool's
    for d, bound in enumerate(bounds):
        paid = sum((a.end_minutes - a.start_minutes) / 60 for a in roster.assignments if a.day == d)
        assert bound <= paid + 1e-9
        assert bound >= pools[d] * HOURLY / 60 - 1e-9
    assert max(sum(bounds), 10 * 4) <= roster.paid_hours + 1e-9
