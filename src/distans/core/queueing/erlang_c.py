"""Erlang B and Erlang C (M/M/n, blocked or waiting customers), vectorised.

Every function takes array-likes that broadcast against each other (one value per
interval, or a grid of intervals x agent counts) and returns float64 arrays.

Numerics: Erlang B is never computed from factorials. We use the identity

    1 / B(n, A) = A * U(1, n + 2, A)

where U is Tricomi's confluent hypergeometric function (scipy.special.hyperu). It
follows from B = e^-A A^n / Gamma(n + 1, A) and Gamma(s, z) = e^-z z^s U(1, 1 + s, z)
(DLMF 8.5.3, 13.2.42). It agrees with the classic stable recursion
1/B(k) = 1 + (k / A) / B(k - 1) to ~1e-15 relative for n and A up to several
thousands (tests check it) and costs one special-function call per element.

Erlang C follows from Erlang B (Cooper, *Introduction to Queueing Theory*, 1981, 5.4):

    C(n, A) = B / (1 - rho (1 - B)) = 1 / (1 + (1 - rho) (1/B - 1)),  rho = A / n < 1,

and C = 1 when A >= n (the queue is unstable: every contact waits, forever on average).
Service level (answered within T), with waiting time W ~ C * Exp(n mu - lambda):

    SL(T) = 1 - C exp(-(n - A) T / AHT),    ASA = C AHT / (n - A).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from scipy import special

FloatArray = npt.NDArray[np.float64]


class QueueMetrics(NamedTuple):
    """Steady-state figures of one queue per element (interval), all float64 arrays.

    ``service_level`` is the share of *all* arriving contacts answered within the
    threshold; ``asa_seconds`` the mean wait of answered contacts;
    ``mean_wait_seconds`` the mean time in queue over all arrivals (abandoned ones
    count with the time they waited); ``abandon_rate`` the share of arrivals that hang
    up (0 for Erlang C); ``occupancy`` the busy share of agents' time.
    """

    p_wait: FloatArray
    service_level: FloatArray
    asa_seconds: FloatArray
    mean_wait_seconds: FloatArray
    abandon_rate: FloatArray
    occupancy: FloatArray


def traffic_erlangs(
    calls: npt.ArrayLike, interval_seconds: float, aht_seconds: npt.ArrayLike
) -> FloatArray:
    """Offered load A = calls * AHT / interval length, in Erlangs."""
    calls_a = np.asarray(calls, dtype=np.float64)
    aht = np.asarray(aht_seconds, dtype=np.float64)
    return np.asarray(calls_a * aht / float(interval_seconds), dtype=np.float64)


def inverse_erlang_b(traffic: npt.ArrayLike, agents: npt.ArrayLike) -> FloatArray:
    """1 / B(n, A), computed as A * U(1, n + 2, A); +inf where B underflows to 0."""
    a, n = np.broadcast_arrays(np.asarray(traffic, np.float64), np.asarray(agents, np.float64))
    out = np.ones(a.shape, dtype=np.float64)
    positive = a > 0
    with np.errstate(over="ignore", invalid="ignore"):
        out[positive] = a[positive] * special.hyperu(1.0, n[positive] + 2.0, a[positive])
    # No traffic: nothing is ever blocked once there is an agent (B = 0, 1/B = inf).
    out[~positive & (n > 0)] = np.inf
    return out


def erlang_b(traffic: npt.ArrayLike, agents: npt.ArrayLike) -> FloatArray:
    """Erlang B blocking probability B(n, A) of an M/M/n/n loss system."""
    with np.errstate(divide="ignore"):
        return np.asarray(1.0 / inverse_erlang_b(traffic, agents), dtype=np.float64)


def erlang_c(traffic: npt.ArrayLike, agents: npt.ArrayLike) -> FloatArray:
    """Erlang C probability that a contact waits, C(n, A); 1 where A >= n."""
    a, n = np.broadcast_arrays(np.asarray(traffic, np.float64), np.asarray(agents, np.float64))
    inv_b = inverse_erlang_b(a, n)
    out = np.ones(a.shape, dtype=np.float64)
    stable = n > a
    rho = a[stable] / n[stable]
    with np.errstate(over="ignore", invalid="ignore"):
        out[stable] = 1.0 / (1.0 + (1.0 - rho) * (inv_b[stable] - 1.0))
    return out


def erlang_c_service_level(
    traffic: npt.ArrayLike,
    agents: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_within_seconds: npt.ArrayLike,
) -> FloatArray:
    """Share of contacts answered within T: 1 - C exp(-(n - A) T / AHT); 0 if A >= n."""
    a, n, aht, t = np.broadcast_arrays(
        *(np.asarray(v, np.float64) for v in (traffic, agents, aht_seconds, answer_within_seconds))
    )
    c = erlang_c(a, n)
    with np.errstate(over="ignore", invalid="ignore"):
        sl = 1.0 - c * np.exp(-(n - a) * t / aht)
    return np.asarray(np.where(n > a, sl, 0.0), dtype=np.float64)


def erlang_c_metrics(
    traffic: npt.ArrayLike,
    agents: npt.ArrayLike,
    aht_seconds: npt.ArrayLike,
    answer_within_seconds: npt.ArrayLike,
) -> QueueMetrics:
    """All Erlang C figures (no abandonment). ASA is +inf where A >= n."""
    a, n, aht, t = np.broadcast_arrays(
        *(np.asarray(v, np.float64) for v in (traffic, agents, aht_seconds, answer_within_seconds))
    )
    c = erlang_c(a, n)
    stable = n > a
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        sl = np.where(stable, 1.0 - c * np.exp(-(n - a) * t / aht), 0.0)
        asa = np.where(stable, c * aht / (n - a), np.inf)
        occupancy = np.where(n > 0, np.minimum(a / n, 1.0), 0.0)
    # No traffic at all: nobody waits, the (empty) service level is met.
    idle = a <= 0
    sl = np.where(idle, 1.0, sl)
    asa = np.where(idle, 0.0, asa)
    zeros = np.zeros(a.shape, dtype=np.float64)
    return QueueMetrics(
        p_wait=np.where(idle, 0.0, c),
        service_level=np.asarray(sl, dtype=np.float64),
        asa_seconds=np.asarray(asa, dtype=np.float64),
        mean_wait_seconds=np.asarray(asa, dtype=np.float64),
        abandon_rate=zeros,
        occupancy=np.asarray(occupancy, dtype=np.float64),
    )
