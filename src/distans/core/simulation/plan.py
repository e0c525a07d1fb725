"""What a simulation is asked to play: pools, staffing, arrivals and distributions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from distans.core.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class HandleTimeModel:
    """Handle-time law with the interval's AHT as its mean.

    ``exponential``; ``lognormal`` with coefficient of variation ``cv``; or
    ``empirical``: recorded ``samples`` rescaled so that their mean is the AHT.
    """

    kind: Literal["exponential", "lognormal", "empirical"] = "exponential"
    cv: float = 1.0
    samples: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.kind == "lognormal" and self.cv <= 0:
            raise InvalidInput("the lognormal handle-time CV must be positive")
        if self.kind == "empirical" and (not self.samples or min(self.samples) < 0):
            raise InvalidInput("empirical handle times need at least one non-negative sample")
        if self.kind == "empirical" and sum(self.samples) <= 0:
            raise InvalidInput("empirical handle times must not all be zero")


@dataclass(frozen=True)
class PatienceModel:
    """How long contacts wait before hanging up: never, exponential, or recorded samples."""

    kind: Literal["none", "exponential", "empirical"] = "none"
    mean_seconds: float = float("inf")
    samples: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.kind == "exponential" and not self.mean_seconds > 0:
            raise InvalidInput("mean patience must be positive seconds")
        if self.kind == "empirical" and (not self.samples or min(self.samples) < 0):
            raise InvalidInput("empirical patience needs at least one non-negative sample")


@dataclass(frozen=True)
class PoolPlan:
    """One cohort: its own agents on duty and its own expected contacts per interval.

    ``agents_on_duty`` is the staffing net of breaks (see :func:`agents_on_duty`).
    Pools never share agents or contacts.
    """

    name: str
    calls: FloatArray
    aht_seconds: FloatArray
    agents_on_duty: IntArray

    def __post_init__(self) -> None:
        sizes = {len(self.calls), len(self.aht_seconds), len(self.agents_on_duty)}
        if len(sizes) != 1 or not len(self.calls):
            raise InvalidInput(
                f"pool {self.name}: calls, AHT and agents need one value per interval"
            )
        if (
            np.any(self.calls < 0)
            or np.any(self.aht_seconds <= 0)
            or np.any(self.agents_on_duty < 0)
        ):
            raise InvalidInput(f"pool {self.name}: calls and agents must be >= 0, AHT positive")


@dataclass(frozen=True)
class DayPlan:
    """A planned day: equal intervals, one or more pools, a service-level threshold."""

    interval_seconds: float
    pools: tuple[PoolPlan, ...]
    answer_within_seconds: float = 20.0
    handle_time: HandleTimeModel = field(default_factory=HandleTimeModel)
    patience: PatienceModel = field(default_factory=PatienceModel)

    def __post_init__(self) -> None:
        if self.interval_seconds <= 0:
            raise InvalidInput("interval length must be positive")
        if not self.pools:
            raise InvalidInput("a day plan needs at least one pool")
        if len({len(pool.calls) for pool in self.pools}) != 1:
            raise InvalidInput("every pool needs the same number of intervals")

    @property
    def intervals(self) -> int:
        return len(self.pools[0].calls)


def agents_on_duty(rostered: npt.ArrayLike, on_break: npt.ArrayLike) -> IntArray:
    """Agents taking contacts per interval: rostered minus those on break (never below 0)."""
    net = np.asarray(rostered, dtype=np.int64) - np.asarray(on_break, dtype=np.int64)
    return np.asarray(np.maximum(net, 0), dtype=np.int64)


def split_calls(calls: npt.ArrayLike, shares: npt.ArrayLike) -> FloatArray:
    """Expected contacts per pool (rows) and interval (columns) from arrival shares."""
    share = np.asarray(shares, dtype=np.float64)
    if np.any(share < 0) or not np.isclose(share.sum(), 1.0):
        raise InvalidInput("arrival shares must be non-negative and add up to 1")
    return np.asarray(np.outer(share, np.asarray(calls, dtype=np.float64)), dtype=np.float64)
