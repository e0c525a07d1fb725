"""Rostering named people: cohorts, seats, availability, checked on the output."""

import pytest

from distans.core.errors import Infeasible
from distans.core.scheduling.people import Cohort, Office, Person, RosterRules
from distans.core.scheduling.requirements import ServiceTarget, headcount_needs
from distans.core.scheduling.roster import solve_roster
from distans.core.scheduling.solver_run import SolverLimits
from distans.core.scheduling.templates import BreakRule, ShiftTemplate, expand_patterns

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


def test_a_day_left_short_is_extended_until_it_serves_within_the_rules():
    # given two days needing one person 08–16 (two 4-hour shifts), a start with only x
    # (allowed one day) on day 0 and both y and z on the morning of day 1
    from distans.core.scheduling.roster_repair import extend_until_served, serves
    from distans.core.scheduling.roster_result import RosterValues
    from distans.core.scheduling.roster_units import build_units

    people = [Person("x", max_days=1), Person("y"), Person("z")]
    units = build_units(people, ())
    needs = [day_need(1), day_need(1)]
    values = RosterValues(
        shifts={(0, 0): 0, (1, 1): 0, (2, 1): 0},
        office=set(),
        located=False,
        breaks=[{}, {}],
        staffed=[[0] * 24, [0] * 24],
    )
    # when
    extended = extend_until_served(
        values, units, PATTERNS, needs, HOURLY, RosterRules(), NO_TARGET, 2, deadline=float("inf")
    )
    # then day 0 got a shift from y or z, one of day 1's moved to the afternoon, and
    # x still works one day
    assert extended == [0, 1]
    assert all(serves(n, s, NO_TARGET) for n, s in zip(needs, values.staffed, strict=True))
    assert sum(1 for (u, _) in values.shifts if u == 0) == 1
    assert len([key for key in values.shifts if key[1] == 0]) == 2
    assert sorted(j for (_, d), j in values.shifts.items() if d == 1) != [0, 0]


def test_staged_roster_serves_and_reports_its_gap_even_with_almost_no_time():
    # given three days needing three people 08–16, six people contracted 8 h each
    people = [Person(f"p{i}", min_minutes=480, max_days=3) for i in range(6)]
    # when the whole search may take a twentieth of a second
    roster = solve_roster(
        [day_need(3)] * 3,
        PATTERNS,
        people,
        HOURLY,
        target=NO_TARGET,
        limits=SolverLimits(time_limit_seconds=0.05, num_search_workers=1),
        method="staged",
    )
    # then every hour is covered, and the gap is measured against the larger bound
    assert all(s >= 3 for day in roster.staffed for s in day[8:16])
    assert roster.lower_bound_hours == max(roster.pool_lower_bound_hours, 6 * 8)
    assert roster.gap_to_lower_bound == pytest.approx(
        roster.paid_hours / roster.lower_bound_hours - 1
    )
    assert roster.paid_hours >= roster.lower_bound_hours


def test_an_extension_out_of_time_still_gives_every_shift_its_breaks():
    from distans.core.scheduling.roster_repair import extend_until_served
    from distans.core.scheduling.roster_result import RosterValues
    from distans.core.scheduling.roster_units import build_units

    with_break = expand_patterns(
        (ShiftTemplate("4h", 240, 480, 720, 120, breaks=(BreakRule(60, 60, 120, "rast"),)),),
        HOURLY,
    )
    units = build_units([Person("x"), Person("y")], ())
    values = RosterValues({(0, 0): 0, (1, 0): 0}, set(), False, [{}], [[0] * 24])
    extend_until_served(
        values, units, with_break, [day_need(2)], HOURLY, RosterRules(), NO_TARGET, 1, deadline=0.0
    )
    assert sum(values.breaks[0].values()) == sum(
        units[u].size for (u, d) in values.shifts if d == 0
    )


def test_a_person_at_their_day_limit_is_moved_from_a_day_that_does_not_need_them():
    from distans.core.scheduling.roster_repair import extend_until_served, serves
    from distans.core.scheduling.roster_result import RosterValues
    from distans.core.scheduling.roster_units import build_units

    # given x (one day a week) on day 1, which needs nobody, and day 0 needing one 08–12
    units = build_units([Person("x", max_days=1)], ())
    needs = [headcount_needs([0] * 8 + [1] * 4 + [0] * 12), headcount_needs([0] * 24)]
    values = RosterValues({(0, 1): 0}, set(), False, [{}, {}], [[0] * 24, [0] * 24])
    # when
    extend_until_served(
        values, units, PATTERNS, needs, HOURLY, RosterRules(), NO_TARGET, 1, float("inf")
    )
    # then x works day 0 instead, and both days serve
    assert list(values.shifts) == [(0, 0)]
    assert all(serves(n, s, NO_TARGET) for n, s in zip(needs, values.staffed, strict=True))


def test_a_shift_nobody_needs_is_dropped_unless_a_contract_needs_it():
    from distans.core.scheduling.roster_repair import serves, trim_while_serving
    from distans.core.scheduling.roster_result import RosterValues
    from distans.core.scheduling.roster_units import build_units

    # given x, y and z on the 08–12 shift of a day that needs one; z's contract needs it
    units = build_units([Person("x"), Person("y"), Person("z", min_minutes=240)], ())
    needs = [headcount_needs([0] * 8 + [1] * 4 + [0] * 12)]
    values = RosterValues({(0, 0): 0, (1, 0): 0, (2, 0): 0}, set(), False, [{}], [[0] * 24])
    values.staffed[0] = [3 if 8 <= h < 12 else 0 for h in range(24)]
    # when
    dropped = trim_while_serving(values, units, PATTERNS, needs, HOURLY, NO_TARGET, float("inf"))
    # then x and y go, z stays, and the day still serves
    assert dropped == 2
    assert list(values.shifts) == [(2, 0)]
    assert serves(needs[0], values.staffed[0], NO_TARGET)
