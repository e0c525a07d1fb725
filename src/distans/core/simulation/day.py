"""Simulate a planned day many times, or replay a recorded contact log against a plan.

Conventions (the same as the Erlang A module): service level is the share of *all*
arrived contacts answered within the threshold, abandoned ones count as missed; ASA
is the mean wait of answered contacts; contacts count in the interval they arrived
in. Arrivals are a Poisson process with a constant rate inside each interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from distans.core.errors import InvalidInput
from distans.core.simulation.fcfs_queue import serve_fcfs
from distans.core.simulation.plan import (
    DayPlan,
    FloatArray,
    HandleTimeModel,
    PatienceModel,
    PoolPlan,
)


@dataclass(frozen=True)
class Spread:
    """Mean and 10th / 90th percentiles of one figure over the simulated runs."""

    mean: float
    p10: float
    p90: float


@dataclass(frozen=True)
class DayOutcome:
    """Results of one or more runs of a day.

    ``service_level``, ``asa_seconds`` and ``abandon_rate`` spread over runs (daily
    figures per run); ``interval_*`` are per-interval means over runs (NaN where an
    interval had no contact in any run).
    """

    runs: int
    contacts: int
    service_level: Spread
    asa_seconds: Spread
    abandon_rate: Spread
    interval_service_level: FloatArray
    interval_abandon_rate: FloatArray
    interval_contacts: FloatArray


def _handle_times(model: HandleTimeModel, aht: FloatArray, rng: np.random.Generator) -> FloatArray:
    """Handle times with the given per-contact means."""
    if model.kind == "exponential":
        return rng.exponential(1.0, aht.size) * aht
    if model.kind == "lognormal":
        sigma2 = np.log1p(model.cv**2)
        return rng.lognormal(-sigma2 / 2.0, np.sqrt(sigma2), aht.size) * aht
    samples = np.asarray(model.samples, dtype=np.float64)
    return np.asarray(rng.choice(samples / samples.mean(), aht.size) * aht, dtype=np.float64)


def _patience(model: PatienceModel, size: int, rng: np.random.Generator) -> FloatArray:
    if model.kind == "none":
        return np.full(size, np.inf)
    if model.kind == "exponential":
        return rng.exponential(model.mean_seconds, size)
    return np.asarray(rng.choice(np.asarray(model.samples, dtype=np.float64), size), np.float64)


def _arrivals(pool: PoolPlan, length: float, rng: np.random.Generator) -> FloatArray:
    """Poisson arrivals, piecewise-constant rate: counts per interval, uniform inside."""
    counts = rng.poisson(pool.calls)
    interval = np.repeat(np.arange(len(counts), dtype=np.float64), counts)
    return np.sort((interval + rng.random(interval.size)) * length)


def _tally(
    plan: DayPlan,
    arrived: FloatArray,
    waits: FloatArray,
    answered: npt.NDArray[np.bool_],
) -> tuple[FloatArray, FloatArray, FloatArray, float]:
    """Per-interval contacts, answered-in-time, abandoned; and total answered wait."""
    k = np.minimum((arrived // plan.interval_seconds).astype(np.int64), plan.intervals - 1)
    size = plan.intervals
    in_time = answered & (waits <= plan.answer_within_seconds)
    return (
        np.bincount(k, minlength=size).astype(np.float64),
        np.bincount(k, weights=in_time, minlength=size).astype(np.float64),
        np.bincount(k, weights=~answered, minlength=size).astype(np.float64),
        float(waits[answered].sum()),
    )


def _summarise(
    plan: DayPlan, per_run: list[tuple[FloatArray, FloatArray, FloatArray, float]]
) -> DayOutcome:
    contacts = np.array([run[0] for run in per_run])
    in_time = np.array([run[1] for run in per_run])
    abandoned = np.array([run[2] for run in per_run])
    waited = np.array([run[3] for run in per_run])
    total = contacts.sum(axis=1)
    answered = total - abandoned.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        sl = np.where(total > 0, in_time.sum(axis=1) / total, 1.0)
        asa = np.where(answered > 0, waited / answered, 0.0)
        ab = np.where(total > 0, abandoned.sum(axis=1) / total, 0.0)
        seen = contacts.sum(axis=0)
        interval_sl = in_time.sum(axis=0) / seen
        interval_ab = abandoned.sum(axis=0) / seen

    def spread(values: FloatArray) -> Spread:
        return Spread(
            float(values.mean()), float(np.percentile(values, 10)), float(np.percentile(values, 90))
        )

    return DayOutcome(
        runs=len(per_run),
        contacts=int(total.sum()),
        service_level=spread(sl),
        asa_seconds=spread(asa),
        abandon_rate=spread(ab),
        interval_service_level=interval_sl,
        interval_abandon_rate=interval_ab,
        interval_contacts=contacts.mean(axis=0),
    )


def simulate_day(plan: DayPlan, *, runs: int = 30, seed: int = 0) -> DayOutcome:
    """Run the planned day ``runs`` times (seeded, reproducible) and summarise."""
    if runs < 1:
        raise InvalidInput("runs must be at least 1")
    rng = np.random.default_rng(seed)
    per_run = []
    for _ in range(runs):
        parts = []
        for pool in plan.pools:
            arrived = _arrivals(pool, plan.interval_seconds, rng)
            k = np.minimum((arrived // plan.interval_seconds).astype(np.int64), plan.intervals - 1)
            handles = _handle_times(plan.handle_time, pool.aht_seconds[k], rng)
            patience = _patience(plan.patience, arrived.size, rng)
            waits, answered = serve_fcfs(
                arrived, handles, patience, pool.agents_on_duty.tolist(), plan.interval_seconds
            )
            parts.append((arrived, waits, answered))
        per_run.append(
            _tally(
                plan,
                np.concatenate([p[0] for p in parts]),
                np.concatenate([p[1] for p in parts]),
                np.concatenate([p[2] for p in parts]),
            )
        )
    return _summarise(plan, per_run)


@dataclass(frozen=True)
class ContactLog:
    """Recorded contacts of one queue, seconds from the start of the plan's first interval.

    ``patience_seconds`` is how long a contact that abandoned waited before it hung up,
    and +inf for contacts that were answered (their patience was never tested).
    """

    arrived_seconds: FloatArray
    handle_seconds: FloatArray
    patience_seconds: FloatArray

    def __post_init__(self) -> None:
        sizes = {self.arrived_seconds.size, self.handle_seconds.size, self.patience_seconds.size}
        if len(sizes) != 1:
            raise InvalidInput("contact log columns must have the same length")
        if np.any(self.arrived_seconds < 0) or np.any(self.handle_seconds < 0):
            raise InvalidInput("contact log times must not be negative")


def replay_contact_log(log: ContactLog, plan: DayPlan) -> DayOutcome:
    """Play the recorded contacts against the plan's staffing (one deterministic run).

    Uses the first pool's agents on duty; arrivals, handle times and the recorded
    patience of abandoned contacts are taken as they happened.
    """
    order = np.argsort(log.arrived_seconds, kind="stable")
    arrived = log.arrived_seconds[order]
    waits, answered = serve_fcfs(
        arrived,
        log.handle_seconds[order],
        log.patience_seconds[order],
        plan.pools[0].agents_on_duty.tolist(),
        plan.interval_seconds,
    )
    return _summarise(plan, [_tally(plan, arrived, waits, answered)])
