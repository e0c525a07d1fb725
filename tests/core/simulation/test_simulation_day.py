"""A simulated day against Erlang C/A, and the plan features (breaks, pools, replay)."""

import math

import numpy as np
import pytest

from distans.core.errors import InvalidInput
from distans.core.queueing import erlang_a_metrics, erlang_c_metrics
from distans.core.simulation import (
    ContactLog,
    DayPlan,
    HandleTimeModel,
    PatienceModel,
    PoolPlan,
    agents_on_duty,
    replay_contact_log,
    simulate_day,
    split_calls,
)
from distans.core.simulation.day import _handle_times

HOURS = 24


def _stationary(agents: int, patience: PatienceModel | None = None) -> DayPlan:
    # 200 calls an hour at AHT 180 s: 10 Erlangs, as in the published example.
    pool = PoolPlan(
        "all", np.full(HOURS, 200.0), np.full(HOURS, 180.0), np.full(HOURS, agents, np.int64)
    )
    return DayPlan(3600.0, (pool,), 20.0, patience=patience or PatienceModel())


@pytest.mark.parametrize("agents", [13, 14])
def test_stationary_day_reproduces_erlang_c(agents: int) -> None:
    # ~290,000 contacts: the run-to-run spread of the mean SL is about 0.5 pp here.
    outcome = simulate_day(_stationary(agents), runs=60, seed=7)
    expected = erlang_c_metrics(10.0, agents, 180.0, 20.0)
    assert outcome.contacts > 280_000
    assert outcome.service_level.mean == pytest.approx(float(expected.service_level), abs=0.01)
    assert outcome.asa_seconds.mean == pytest.approx(float(expected.asa_seconds), rel=0.1)
    assert outcome.abandon_rate.mean == 0.0


def test_stationary_day_reproduces_erlang_a() -> None:
    outcome = simulate_day(_stationary(11, PatienceModel("exponential", 120.0)), runs=30, seed=3)
    expected = erlang_a_metrics(10.0, 11, 180.0, 20.0, 120.0)
    assert outcome.service_level.mean == pytest.approx(float(expected.service_level), abs=0.01)
    assert outcome.abandon_rate.mean == pytest.approx(float(expected.abandon_rate), abs=0.01)
    assert outcome.asa_seconds.mean == pytest.approx(float(expected.asa_seconds), rel=0.1)


def test_spread_and_seed() -> None:
    plan = _stationary(12)
    first = simulate_day(plan, runs=30, seed=1)
    assert first.runs == 30
    assert first.service_level.p10 <= first.service_level.mean <= first.service_level.p90
    assert first.asa_seconds.p10 <= first.asa_seconds.mean <= first.asa_seconds.p90
    again = simulate_day(plan, runs=30, seed=1)
    assert again.service_level == first.service_level
    assert simulate_day(plan, runs=30, seed=2).service_level != first.service_level
    assert first.interval_service_level.shape == (HOURS,)


def test_breaks_cost_service_level() -> None:
    rostered = np.full(HOURS, 14)
    on_break = np.zeros(HOURS, np.int64)
    on_break[8:12] = 3
    plain = PoolPlan("p", np.full(HOURS, 200.0), np.full(HOURS, 180.0), rostered)
    breaks = PoolPlan("p", plain.calls, plain.aht_seconds, agents_on_duty(rostered, on_break))
    with_breaks = simulate_day(DayPlan(3600.0, (breaks,)), runs=10, seed=5)
    without = simulate_day(DayPlan(3600.0, (plain,)), runs=10, seed=5)
    assert with_breaks.service_level.mean < without.service_level.mean
    # The break hours are the bad ones (11 agents for 10 Erlangs), the rest is as before.
    assert np.nanmean(with_breaks.interval_service_level[8:12]) < 0.5
    assert with_breaks.interval_service_level[20] > 0.8


def test_pools_never_share_agents() -> None:
    calls = split_calls(np.full(4, 100.0), [0.5, 0.5])
    staffed = PoolPlan("office", calls[0], np.full(4, 180.0), np.full(4, 20, np.int64))
    empty = PoolPlan("home", calls[1], np.full(4, 180.0), np.zeros(4, np.int64))
    plan = DayPlan(1800.0, (staffed, empty), patience=PatienceModel("exponential", 60.0))
    outcome = simulate_day(plan, runs=30, seed=11)
    # Everyone in the unstaffed pool hangs up even though the other pool sits idle.
    assert outcome.abandon_rate.mean == pytest.approx(0.5, abs=0.05)
    assert outcome.service_level.mean == pytest.approx(0.5, abs=0.05)


def test_handle_time_models_keep_the_aht() -> None:
    rng = np.random.default_rng(0)
    aht = np.full(200_000, 180.0)
    lognormal = _handle_times(HandleTimeModel("lognormal", cv=0.6), aht, rng)
    assert lognormal.mean() == pytest.approx(180.0, rel=0.01)
    assert lognormal.std() / lognormal.mean() == pytest.approx(0.6, rel=0.03)
    empirical = _handle_times(HandleTimeModel("empirical", samples=(10.0, 20.0, 90.0)), aht, rng)
    assert empirical.mean() == pytest.approx(180.0, rel=0.01)
    assert set(np.round(np.unique(empirical), 6)) == {45.0, 90.0, 405.0}


def test_replay_of_a_recorded_log() -> None:
    # One agent: answered at once, answered after 90 s, hung up after 30 s.
    log = ContactLog(
        arrived_seconds=np.array([20.0, 0.0, 10.0]),
        handle_seconds=np.array([10.0, 100.0, 50.0]),
        patience_seconds=np.array([30.0, math.inf, math.inf]),
    )
    pool = PoolPlan("p", np.zeros(2), np.full(2, 180.0), np.array([1, 1]))
    outcome = replay_contact_log(log, DayPlan(1800.0, (pool,), 20.0))
    assert outcome.contacts == 3
    assert outcome.service_level.mean == pytest.approx(1 / 3)
    assert outcome.abandon_rate.mean == pytest.approx(1 / 3)
    assert outcome.asa_seconds.mean == pytest.approx(45.0)
    # Three agents answer everyone at once.
    three = PoolPlan("p", np.zeros(2), np.full(2, 180.0), np.array([3, 3]))
    better = replay_contact_log(log, DayPlan(1800.0, (three,), 20.0))
    assert better.service_level.mean == pytest.approx(1.0)
    assert better.asa_seconds.mean == 0.0


def test_bad_plans_are_refused() -> None:
    with pytest.raises(InvalidInput):
        split_calls([10.0], [0.5, 0.6])
    with pytest.raises(InvalidInput):
        PoolPlan("p", np.ones(3), np.ones(2), np.ones(3, np.int64))
    with pytest.raises(InvalidInput):
        HandleTimeModel("lognormal", cv=0.0)
    with pytest.raises(InvalidInput):
        simulate_day(_stationary(12), runs=0)
