"""What each interval asks of the schedule: a head-count floor and, optionally, a
service-level curve (expected contacts answered within T for k agents), from the
Erlang C tables of distans.core.queueing (Erlang A when a patience is given).

The curve makes the scheduler service-level aware: instead of demanding the Erlang C
head count in every interval it may staff an interval below target (but not below
the floor) when the day as a whole still reaches the daily target.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from distans.core.errors import InvalidInput
from distans.core.queueing.staffing import service_level_table


@dataclass(frozen=True, slots=True)
class ServiceTarget:
    """Daily target and per-interval floor, as fractions answered within ``answer_seconds``."""

    answer_seconds: float = 20.0
    daily_service_level: float = 0.80
    interval_floor: float = 0.60
    min_agents: int = 1
    patience_seconds: float | None = None  # Erlang A (abandoned = not answered in time)


@dataclass(frozen=True, slots=True)
class IntervalNeed:
    """One interval: the fewest agents allowed, its contacts, and answered-within-T by k.

    ``answered_by_agents[k]`` is the expected number of contacts answered within T with
    k agents; past the end of the tuple the value stays at its last entry.
    """

    min_agents: int
    contacts: float = 0.0
    answered_by_agents: tuple[float, ...] = ()


def headcount_needs(required_agents: Sequence[int]) -> list[IntervalNeed]:
    """Return plain coverage needs (no service-level curve) from head counts."""
    if any(r < 0 for r in required_agents):
        raise InvalidInput("required agents must not be negative")
    return [IntervalNeed(min_agents=int(r)) for r in required_agents]


def service_level_needs(
    contacts: Sequence[float],
    aht_seconds: float | Sequence[float],
    interval_minutes: int,
    target: ServiceTarget,
    open_periods: Sequence[bool] | None = None,
) -> list[IntervalNeed]:
    """Return service-level-aware needs from forecast contacts per interval (Erlang C).

    An interval with contacts needs at least ``target.min_agents`` and enough agents
    for ``target.interval_floor``; closed intervals need nobody.
    """
    if not 0.0 <= target.interval_floor <= target.daily_service_level <= 1.0:
        raise InvalidInput("need 0 <= interval floor <= daily service level <= 1")
    ahts = (
        [float(aht_seconds)] * len(contacts)
        if isinstance(aht_seconds, int | float)
        else list(aht_seconds)
    )
    if len(ahts) != len(contacts):
        raise InvalidInput("AHT list and contact list differ in length")
    needs = []
    for index, (count, aht) in enumerate(zip(contacts, ahts, strict=True)):
        is_open = open_periods is None or open_periods[index]
        if count < 0 or aht <= 0:
            raise InvalidInput(f"interval {index}: contacts must be >= 0 and AHT > 0")
        if not is_open or count == 0:
            needs.append(IntervalNeed(min_agents=target.min_agents if is_open else 0))
            continue
        traffic = count * aht / (interval_minutes * 60.0)
        levels = _levels_until_saturated(traffic, aht, target)
        floor_agents = next(k for k, level in enumerate(levels) if level >= target.interval_floor)
        answered = tuple(count * level for level in levels)
        needs.append(IntervalNeed(max(target.min_agents, floor_agents), count, answered))
    return needs


def _levels_until_saturated(
    traffic: float, aht_seconds: float, target: ServiceTarget
) -> list[float]:
    """Service levels for 0..n agents (Erlang C, or Erlang A with a patience), n large
    enough that the level is ~1 or one more agent adds < 1e-6 (distans.core.queueing)."""
    max_agents = int(traffic + 10.0 * traffic**0.5 + 10)
    while True:
        table = service_level_table(
            [traffic], [aht_seconds], target.answer_seconds, max_agents, target.patience_seconds
        )
        levels = [float(x) for x in table[0]]
        if levels[-1] >= 0.9999 or levels[-1] - levels[-2] < 1e-6:
            return levels
        max_agents *= 2


def service_level_with(needs: Sequence[IntervalNeed], staffed: Sequence[int]) -> list[float]:
    """Return each interval's service level with ``staffed`` agents (1.0 without contacts)."""
    levels = []
    for need, agents in zip(needs, staffed, strict=True):
        if need.contacts <= 0 or not need.answered_by_agents:
            levels.append(1.0)
            continue
        curve = need.answered_by_agents
        levels.append(curve[min(agents, len(curve) - 1)] / need.contacts)
    return levels


def daily_service_level(needs: Sequence[IntervalNeed], staffed: Sequence[int]) -> float:
    """Contacts answered within T over all contacts of the day (1.0 without contacts)."""
    total = sum(n.contacts for n in needs)
    if total <= 0:
        return 1.0
    levels = service_level_with(needs, staffed)
    return sum(n.contacts * level for n, level in zip(needs, levels, strict=True)) / total
