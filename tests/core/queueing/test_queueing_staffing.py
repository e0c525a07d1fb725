"""Required agents per interval, targets and shrinkage."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distans.core.errors import InvalidInput
from distans.core.queueing import (
    ServiceTarget,
    agents_with_shrinkage,
    parse_service_target,
    queue_metrics,
    required_agents,
    service_level_table,
)


def test_published_example_needs_14_agents() -> None:
    target = parse_service_target("80/20")
    assert target == ServiceTarget(0.8, 20.0)
    assert required_agents(10.0, 180, target) == 14


def test_shrinkage_rounds_up_without_float_noise() -> None:
    assert agents_with_shrinkage(14, 0.3) == 20
    assert list(agents_with_shrinkage([14, 15, 0], 0.3)) == [20, 22, 0]
    with pytest.raises(InvalidInput):
        agents_with_shrinkage(14, 1.0)


def test_whole_day_vector_and_zero_traffic() -> None:
    traffic = np.array([0.0, 0.4, 10.0, 1000.0, 2000.0])
    agents = required_agents(traffic, 180, ServiceTarget())
    assert agents[0] == 0
    assert agents[1] >= 1
    assert agents[2] == 14
    assert 1000 < agents[3] < 1040
    assert np.all(np.diff(agents) > 0)


def test_abandonment_needs_fewer_agents_and_caps_need_more() -> None:
    target = ServiceTarget(0.8, 20.0)
    plain = required_agents(10.0, 180, target, patience_seconds=120)
    assert plain <= 14
    capped = ServiceTarget(0.8, 20.0, max_asa_seconds=3.0, max_abandon_rate=0.01)
    strict = required_agents(10.0, 180, capped, patience_seconds=120)
    assert strict > plain
    metrics = queue_metrics(10.0, np.array([strict - 1, strict]), 180, 20, 120)
    assert metrics.asa_seconds[1] <= 3.0 and metrics.abandon_rate[1] <= 0.01
    assert metrics.asa_seconds[0] > 3.0 or metrics.abandon_rate[0] > 0.01


@pytest.mark.parametrize("text", ["80", "80/", "eighty/20", "120/20", "80/-5"])
def test_bad_targets_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_service_target(text)


@settings(max_examples=40, deadline=None)
@given(
    traffic=st.floats(min_value=0.01, max_value=800.0),
    level=st.floats(min_value=0.5, max_value=0.99),
    threshold=st.floats(min_value=0.0, max_value=60.0),
    patience=st.one_of(st.none(), st.floats(min_value=10.0, max_value=1800.0)),
)
def test_required_is_the_smallest_count_that_meets_the_target(
    traffic: float, level: float, threshold: float, patience: float | None
) -> None:
    target = ServiceTarget(level, threshold)
    n = int(required_agents(traffic, 240.0, target, patience_seconds=patience))
    sl = queue_metrics(traffic, np.array([n - 1, n]), 240.0, threshold, patience).service_level
    assert sl[1] >= level - 1e-12
    assert sl[0] < level


def test_service_level_table_matches_single_calls() -> None:
    traffic = np.array([0.0, 5.0, 10.0])
    table = service_level_table(traffic, 180.0, 20.0, 20)
    assert table.shape == (3, 21)
    assert table[2, 14] == pytest.approx(0.888, abs=5e-4)
    assert np.all(table[0] == 1.0)
    assert np.all(np.diff(table, axis=1) >= -1e-12)
    with_patience = service_level_table(traffic, [180.0, 180.0, 240.0], 20.0, 20, 120.0)
    single = queue_metrics(10.0, 12, 240.0, 20.0, 120.0).service_level
    assert with_patience[2, 12] == pytest.approx(float(single))
