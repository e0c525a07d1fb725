"""Pool scheduling: optimum known by hand, breaks, service level, infeasibility."""

import pytest

from distans.core.errors import Infeasible
from distans.core.scheduling.pool import solve_pool_day
from distans.core.scheduling.requirements import (
    ServiceTarget,
    headcount_needs,
    service_level_needs,
)
from distans.core.scheduling.solver_run import SolverLimits
from distans.core.scheduling.templates import BreakRule, ShiftTemplate, expand_patterns

LIMITS = SolverLimits(time_limit_seconds=5, num_search_workers=1)
HOURLY = 60


def staffed_from_output(schedule, periods):
    """Recount staffed agents per hour from the shifts and breaks (not from the model)."""
    staffed = [0] * periods
    for shift in schedule.shifts:
        for p in range(shift.start_minutes // HOURLY, shift.end_minutes // HOURLY):
            staffed[p] += shift.count
        for pause in shift.breaks:
            assert (
                shift.start_minutes <= pause.start_minutes < pause.end_minutes <= shift.end_minutes
            )
            for p in range(pause.start_minutes // HOURLY, pause.end_minutes // HOURLY):
                staffed[p] -= pause.count
    return staffed


def test_two_back_to_back_four_hour_shifts_cover_eight_hours():
    # given one agent needed 08-16 and 4 h shifts starting on the hour
    needs = headcount_needs([0] * 8 + [1] * 8 + [0] * 8)
    patterns = expand_patterns((ShiftTemplate("4h", 240, start_step_minutes=60),), HOURLY)
    # when
    schedule = solve_pool_day(needs, patterns, HOURLY, ServiceTarget(min_agents=0), LIMITS)
    # then the optimum (by hand: 08-12 and 12-16) is 8 paid hours
    assert schedule.paid_hours == 8
    assert schedule.report.optimal
    assert sorted((s.start_minutes, s.end_minutes) for s in schedule.shifts) == [
        (480, 720),
        (720, 960),
    ]


def test_a_break_costs_a_third_shift_when_cover_must_be_continuous():
    # given 2 agents needed 08-14 and 6 h shifts with a 1 h break in hour 2-4
    template = ShiftTemplate("6h", 360, 0, 1440, 60, breaks=(BreakRule(60, 120, 240, "lunch"),))
    needs = headcount_needs([0] * 8 + [2] * 6 + [0] * 10)
    # when
    schedule = solve_pool_day(
        needs, expand_patterns((template,), HOURLY), HOURLY, ServiceTarget(min_agents=0), LIMITS
    )
    # then three agents are needed (two on duty while one is on lunch), and the
    # breaks read from the output keep every hour at 2
    assert sum(s.count for s in schedule.shifts) == 3
    staffed = staffed_from_output(schedule, 24)
    assert all(staffed[p] >= 2 for p in range(8, 14))
    assert tuple(staffed) == schedule.staffed


def test_service_level_aware_schedule_meets_daily_target_and_floor():
    # given a little day of contacts with Erlang C needs
    contacts = [0.0] * 8 + [20, 40, 60, 40, 30, 50, 40, 20] + [0.0] * 8
    target = ServiceTarget(
        answer_seconds=20, daily_service_level=0.8, interval_floor=0.5, min_agents=1
    )
    needs = service_level_needs(contacts, 240, HOURLY, target, [8 <= p < 16 for p in range(24)])
    patterns = expand_patterns((ShiftTemplate("4h", 240, start_step_minutes=60),), HOURLY)
    # when
    schedule = solve_pool_day(needs, patterns, HOURLY, target, LIMITS)
    # then the output meets both, recomputed from its own staffing
    assert schedule.daily_service_level >= 0.8
    assert min(schedule.interval_service_levels) >= 0.5
    assert schedule.report.num_search_workers == 1


def test_need_outside_every_shift_is_infeasible_with_a_clear_message():
    needs = headcount_needs([1] + [0] * 23)
    patterns = expand_patterns((ShiftTemplate("4h", 240, 480, 600, 60),), HOURLY)
    with pytest.raises(Infeasible, match="no schedule meets all constraints"):
        solve_pool_day(needs, patterns, HOURLY, ServiceTarget(min_agents=0), LIMITS)


def test_interval_floor_reproduces_the_published_erlang_c_example():
    # 100 calls in 30 min, AHT 180 s, 80 % in 20 s -> 14 agents at 88.8 % (Erlang C)
    target = ServiceTarget(answer_seconds=20, daily_service_level=0.8, interval_floor=0.8)
    (need,) = service_level_needs([100.0], 180, 30, target)
    assert need.min_agents == 14
    assert round(need.answered_by_agents[14] / 100, 3) == 0.888


def test_patience_makes_the_curve_erlang_a():
    plain = ServiceTarget(answer_seconds=20, interval_floor=0.5)
    patient = ServiceTarget(answer_seconds=20, interval_floor=0.5, patience_seconds=60)
    (c,) = service_level_needs([100.0], 180, 30, plain)
    (a,) = service_level_needs([100.0], 180, 30, patient)
    assert c.answered_by_agents[10] == 0  # Erlang C: unstable at 10 Erlangs
    assert a.answered_by_agents[10] > 0  # Erlang A: abandonment keeps the queue finite
