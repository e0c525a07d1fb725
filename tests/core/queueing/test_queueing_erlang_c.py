"""Erlang B and C against published values, the classic recursion and invariants."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distans.core.queueing import (
    erlang_b,
    erlang_c,
    erlang_c_metrics,
    erlang_c_service_level,
    inverse_erlang_b,
    traffic_erlangs,
)


def _inverse_b_by_recursion(agents: int, traffic: float) -> float:
    """1/B(k) = 1 + (k / A) / B(k - 1), B(0) = 1: the textbook stable recursion."""
    inverse = 1.0
    for k in range(1, agents + 1):
        inverse = 1.0 + inverse * k / traffic
    return inverse


def test_published_example_100_calls_in_30_minutes() -> None:
    # Given the call centre helper / Wikipedia example: 100 calls in 30 min, AHT 3 min.
    traffic = traffic_erlangs(100, 30 * 60, 180)
    assert traffic == pytest.approx(10.0)
    # When we evaluate 14 and 13 agents against 80/20
    metrics = erlang_c_metrics(traffic, np.array([13, 14]), 180, 20)
    # Then 14 agents reach 88.8 % and 13 agents fall short at 79.6 %
    assert metrics.service_level[1] == pytest.approx(0.888, abs=5e-4)
    assert metrics.service_level[0] == pytest.approx(0.7956, abs=5e-4)
    assert metrics.p_wait[1] == pytest.approx(0.1741, abs=5e-4)
    assert metrics.asa_seconds[1] == pytest.approx(7.84, abs=0.01)
    assert metrics.occupancy[1] == pytest.approx(10 / 14)


@pytest.mark.parametrize(
    ("traffic", "agents"),
    # Erlang B table at 1 % grade of service (e.g. Cooper 1981, table I).
    [(4.46, 10), (12.03, 20), (37.90, 50), (84.06, 100)],
)
def test_erlang_b_table_at_one_percent_blocking(traffic: float, agents: int) -> None:
    assert erlang_b(traffic, agents) == pytest.approx(0.01, abs=2e-4)


def test_erlang_b_small_exact_values() -> None:
    # B(1, 1) = 1/2, B(2, 2) = (4/2) / (1 + 2 + 2) = 0.4
    assert erlang_b([1.0, 2.0], [1, 2]) == pytest.approx([0.5, 0.4])


@pytest.mark.parametrize("agents", [0, 1, 7, 50, 300, 1000, 2000])
@pytest.mark.parametrize("traffic", [0.3, 5.0, 49.0, 500.0, 999.5, 1500.0, 3000.0])
def test_inverse_erlang_b_matches_the_recursion(agents: int, traffic: float) -> None:
    expected = _inverse_b_by_recursion(agents, traffic)
    got = float(inverse_erlang_b(traffic, agents))
    if np.isinf(expected):
        assert got > 1e300 or np.isinf(got)
    else:
        assert got == pytest.approx(expected, rel=1e-11)


def test_large_traffic_stays_finite() -> None:
    agents = np.arange(900, 1301)
    metrics = erlang_c_metrics(1000.0, agents, 180, 20)
    stable = agents > 1000
    assert np.all(np.isfinite(metrics.service_level))
    assert np.all(np.isfinite(metrics.asa_seconds[stable]))
    assert np.all(metrics.service_level[~stable] == 0.0)
    assert np.all(metrics.p_wait[~stable] == 1.0)
    # Square-root staffing: a few dozen agents above 1,000 Erlangs is plenty.
    assert metrics.service_level[agents == 1040][0] > 0.9


def test_no_traffic_means_no_wait() -> None:
    metrics = erlang_c_metrics(0.0, 3, 180, 20)
    assert metrics.p_wait == 0.0
    assert metrics.service_level == 1.0
    assert metrics.asa_seconds == 0.0


@settings(max_examples=60, deadline=None)
@given(
    traffic=st.floats(min_value=0.01, max_value=1500.0),
    aht=st.floats(min_value=5.0, max_value=1200.0),
    threshold=st.floats(min_value=0.0, max_value=300.0),
)
def test_service_level_is_a_monotone_probability(
    traffic: float, aht: float, threshold: float
) -> None:
    agents = np.arange(max(1, int(traffic) - 3), int(traffic) + 60)
    sl = erlang_c_service_level(traffic, agents, aht, threshold)
    wait = erlang_c(traffic, agents)
    assert np.all((sl >= 0.0) & (sl <= 1.0))
    assert np.all((wait >= 0.0) & (wait <= 1.0))
    assert np.all(np.diff(sl) >= -1e-12)
    assert np.all(np.diff(wait) <= 1e-12)
