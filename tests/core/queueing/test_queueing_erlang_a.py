"""Erlang A closed forms against a brute-force birth-death chain, and its limits."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from distans.core.queueing import erlang_a_metrics, erlang_c_metrics


def _chain_reference(
    traffic: float, agents: int, aht: float, threshold: float, patience: float
) -> tuple[float, float, float]:
    """P(wait), SL and abandon rate from a truncated M/M/n+M chain solved in log space.

    Answered-within-T for a contact with j waiting ahead uses the Beta(a+1, j+1) tail
    of e^(-theta V), evaluated per state with scipy's betainc (another route than the
    incomplete-gamma closed forms under test).
    """
    size = int(4 * traffic * patience / aht) + agents + 2000
    k = np.arange(size + 1, dtype=float)
    log_w = np.empty(size + 1)
    log_w[: agents + 1] = k[: agents + 1] * np.log(traffic) - special.gammaln(k[: agents + 1] + 1)
    death = agents / aht + (k[agents + 1 :] - agents) / patience
    log_w[agents + 1 :] = log_w[agents] + np.cumsum(np.log((traffic / aht) / death))
    p = np.exp(log_w - log_w.max())
    p /= p.sum()
    j = k[agents:] - agents
    a = agents * patience / aht
    answered = a / (a + j + 1)
    within = answered * (1 - special.betainc(a + 1, j + 1, np.exp(-threshold / patience)))
    queue = p[agents:]
    return (
        float(queue.sum()),
        float(p[:agents].sum() + (queue * within).sum()),
        float((queue * (1 - answered)).sum()),
    )


@pytest.mark.parametrize(
    ("traffic", "agents", "aht", "threshold", "patience"),
    [
        (10.0, 12, 180.0, 20.0, 120.0),
        (10.0, 8, 180.0, 20.0, 60.0),  # fewer agents than Erlangs: fine with abandonment
        (100.0, 95, 300.0, 20.0, 200.0),
        (1000.0, 1000, 180.0, 20.0, 300.0),
        (1200.0, 1250, 180.0, 20.0, 50.0),
        (0.5, 1, 180.0, 20.0, 10.0),
    ],
)
def test_closed_forms_match_the_chain(
    traffic: float, agents: int, aht: float, threshold: float, patience: float
) -> None:
    metrics = erlang_a_metrics(traffic, agents, aht, threshold, patience)
    p_wait, service_level, abandon = _chain_reference(traffic, agents, aht, threshold, patience)
    assert float(metrics.p_wait) == pytest.approx(p_wait, abs=1e-9)
    assert float(metrics.service_level) == pytest.approx(service_level, abs=1e-9)
    assert float(metrics.abandon_rate) == pytest.approx(abandon, abs=1e-9)
    # Little's law for the queue: mean wait of all arrivals = abandon rate x patience.
    assert float(metrics.mean_wait_seconds) == pytest.approx(abandon * patience, rel=1e-9)


def test_infinite_patience_limit_is_erlang_c() -> None:
    agents = np.arange(11, 20)
    c = erlang_c_metrics(10.0, agents, 180, 20)
    a = erlang_a_metrics(10.0, agents, 180, 20, 1e8)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-5)
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-5)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-4)
    exact = erlang_a_metrics(10.0, agents, 180, 20, np.inf)
    assert np.array_equal(exact.service_level, c.service_level)


def test_patience_cuts_waiting_and_costs_abandons() -> None:
    c = erlang_c_metrics(10.0, 11, 180, 20)
    a = erlang_a_metrics(10.0, 11, 180, 20, 90.0)
    assert a.asa_seconds < c.asa_seconds
    assert 0.0 < a.abandon_rate < a.p_wait
    assert a.occupancy < c.occupancy


def test_more_than_a_thousand_erlangs_is_finite() -> None:
    agents = np.arange(800, 1401, 50)
    metrics = erlang_a_metrics(1000.0, agents, 180, 20, 180.0)
    for values in metrics:
        assert np.all(np.isfinite(values))
    assert np.all((metrics.service_level >= 0) & (metrics.service_level <= 1))
    # Overloaded by 20 %: about a sixth of the callers must hang up to balance it.
    assert metrics.abandon_rate[0] == pytest.approx(0.2, abs=0.02)


def test_no_agents_everyone_abandons() -> None:
    metrics = erlang_a_metrics(3.0, 0, 180, 20, 60.0)
    assert metrics.abandon_rate == 1.0
    assert metrics.service_level == 0.0


@settings(max_examples=50, deadline=None)
@given(
    traffic=st.floats(min_value=0.05, max_value=1200.0),
    patience=st.floats(min_value=5.0, max_value=3600.0),
    threshold=st.floats(min_value=0.0, max_value=120.0),
)
def test_more_agents_never_hurt(traffic: float, patience: float, threshold: float) -> None:
    agents = np.arange(max(1, int(traffic * 0.8)), int(traffic) + 40)
    m = erlang_a_metrics(traffic, agents, 180.0, threshold, patience)
    for values in (m.p_wait, m.service_level, m.abandon_rate, m.occupancy):
        assert np.all(np.isfinite(values))
        assert np.all((values >= -1e-12) & (values <= 1 + 1e-12))
    assert np.all(np.diff(m.service_level) >= -1e-9)
    assert np.all(np.diff(m.abandon_rate) <= 1e-9)
    assert np.all(m.service_level <= 1 - m.abandon_rate + 1e-9)
