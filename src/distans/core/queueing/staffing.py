"""Required agents for a service target, per interval, and shrinkage.

The search is a vectorised bisection over the agent count: every interval keeps its
own [low, high] bracket and all of them are evaluated in one array call per step, so
a day of 96 intervals costs about ten Erlang evaluations. Service level, ASA and
abandonment all improve monotonically with one more agent, which makes the
bisection exact (the smallest agent count that meets every part of the target).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from distans.core.errors import Infeasible, InvalidInput
from distans.core.queueing.erlang_a import erlang_a_metrics
from distans.core.queueing.erlang_c import QueueMetrics

IntArray = npt.NDArray[np.int64]

_LARGEST_SEARCHED_AGENTS = 1_000_000


@dataclass(frozen=True)
class ServiceTarget:
    """What an interval must reach: SL share answered within T seconds, optional caps."""

    service_level: float = 0.8
    answer_within_seconds: float = 20.0
    max_asa_seconds: float | None = None
    max_abandon_rate: float | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.service_level < 1.0:
            raise InvalidInput("service level target must be at least 0 and below 100 %")
        if self.answer_within_seconds < 0:
            raise InvalidInput("answer-within threshold must not be negative")
        if self.max_asa_seconds is not None and self.max_asa_seconds <= 0:
            raise InvalidInput("ASA target must be positive")
        if self.max_abandon_rate is not None and not 0.0 < self.max_abandon_rate <= 1.0:
            raise InvalidInput("abandon-rate target must be above 0 and at most 100 %")


def parse_service_target(text: str) -> ServiceTarget:
    """Read "80/20" (80 % answered within 20 s) into a :class:`ServiceTarget`."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%?\s*/\s*(\d+(?:\.\d+)?)\s*s?\s*", text)
    if match is None:
        raise InvalidInput(f"service target {text!r} is not like 80/20 (percent/seconds)")
    return ServiceTarget(float(match.group(1)) / 100.0, float(match.group(2)))


def agents_with_shrinkage(agents: npt.ArrayLike, shrinkage: float) -> IntArray:
    """Agents to roster so that ``agents`` are on the phones: ceil(agents / (1 - shrinkage))."""
    if not 0.0 <= shrinkage < 1.0:
        raise InvalidInput("shrinkage must be at least 0 and below 1 (e.g. 0.3 for 30 %)")
    needed = np.asarray(agents, dtype=np.float64) / (1.0 - shrinkage)
    # Guard against 14 / 0.7 = 20.000000000000004 becoming 21.
    return np.ceil(np.round(needed, 9)).astype(np.int64)


def queue_metrics(
    traffic: npt.ArrayLike,
    agents: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_within_seconds: npt.ArrayLike,
    patience_seconds: npt.ArrayLike | None = None,
    *,
    with_asa: bool = True,
) -> QueueMetrics:
    """Erlang C figures, or Erlang A figures when a (finite) patience is given."""
    patience = np.inf if patience_seconds is None else patience_seconds
    if np.any(np.asarray(patience, dtype=np.float64) <= 0):
        raise InvalidInput("patience must be positive seconds")
    return erlang_a_metrics(
        traffic, agents, aht_seconds, answer_within_seconds, patience, with_asa=with_asa
    )


def service_level_table(
    traffic: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_within_seconds: float,
    max_agents: int,
    patience_seconds: float | None = None,
) -> npt.NDArray[np.float64]:
    """Service level for every interval (rows) and every agent count 0..max_agents (columns).

    One vectorised call: the table a scheduler looks up instead of calling Erlang in
    its inner loop. Erlang C, or Erlang A when ``patience_seconds`` is given.
    """
    if max_agents < 0:
        raise InvalidInput("max_agents must be zero or more")
    a = np.asarray(traffic, dtype=np.float64).reshape(-1, 1)
    aht = np.asarray(aht_seconds, dtype=np.float64)
    aht = aht.reshape(-1, 1) if aht.ndim else aht
    agents = np.arange(max_agents + 1, dtype=np.float64)[None, :]
    metrics = queue_metrics(a, agents, aht, answer_within_seconds, patience_seconds, with_asa=False)
    return np.asarray(metrics.service_level, dtype=np.float64)


def _meets(
    traffic: npt.NDArray[np.float64],
    agents: IntArray,
    aht: npt.NDArray[np.float64],
    patience: npt.NDArray[np.float64],
    target: ServiceTarget,
) -> npt.NDArray[np.bool_]:
    metrics = queue_metrics(
        traffic,
        agents,
        aht,
        target.answer_within_seconds,
        patience,
        with_asa=target.max_asa_seconds is not None,
    )
    ok = metrics.service_level >= target.service_level - 1e-12
    if target.max_asa_seconds is not None:
        ok &= metrics.asa_seconds <= target.max_asa_seconds
    if target.max_abandon_rate is not None:
        ok &= metrics.abandon_rate <= target.max_abandon_rate
    ok |= traffic <= 0
    return np.asarray(ok, dtype=np.bool_)


def required_agents(
    traffic: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    target: ServiceTarget,
    patience_seconds: npt.ArrayLike | None = None,
) -> IntArray:
    """Smallest agent count per element that meets ``target`` (0 where there is no traffic).

    Erlang C without patience, Erlang A with it. Raises :class:`Infeasible` when no
    agent count up to a million meets the target (e.g. an ASA cap of 0 s).
    """
    patience = np.inf if patience_seconds is None else patience_seconds
    a, aht, pat = (
        np.ravel(v)
        for v in np.broadcast_arrays(
            *(np.asarray(v, np.float64) for v in (traffic, aht_seconds, patience))
        )
    )
    shape = np.broadcast_shapes(np.shape(traffic), np.shape(aht_seconds), np.shape(patience))
    if np.any(a < 0) or np.any(~np.isfinite(a)):
        raise InvalidInput("traffic must be finite and not negative")
    if np.any(aht <= 0):
        raise InvalidInput("handle time must be positive seconds")
    if np.any(pat <= 0):
        raise InvalidInput("patience must be positive seconds")
    if np.any(a > _LARGEST_SEARCHED_AGENTS):
        # Erlang C needs more agents than Erlangs; past a million the search's integers
        # would overflow (1e21 Erlangs made it loop for ever)
        raise Infeasible("the traffic needs more than a million agents")
    # Erlang C needs n > A; with abandonment fewer agents than Erlangs can still do.
    low = np.where(np.isfinite(pat), 1, np.floor(a) + 1).astype(np.int64)
    low = np.where(a > 0, low, 0)
    high = np.maximum(np.ceil(a + 3.0 * np.sqrt(a) + 3.0).astype(np.int64), low)
    ok = _meets(a, high, aht, pat, target)
    while not ok.all():
        if high.max() > _LARGEST_SEARCHED_AGENTS:
            raise Infeasible("no agent count up to a million meets the service target")
        low = np.where(ok, low, high + 1)
        high = np.where(ok, high, high * 2)
        ok = _meets(a, high, aht, pat, target)
    while np.any(low < high):
        middle = (low + high) // 2
        ok = _meets(a, middle, aht, pat, target)
        high = np.where(ok, middle, high)
        low = np.where(ok, low, middle + 1)
    return np.asarray(high.reshape(shape), dtype=np.int64)
