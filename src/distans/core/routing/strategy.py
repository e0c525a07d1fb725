"""The one definition of every strategy's order: :func:`strategy_key`.

Among eligible free agents the smallest key is offered first. The pools of full and
targeted rounds (:mod:`agent_pool`) order their agents with it; adding or changing a
strategy is an edit here only.

- ``longest_idle``: oldest ``idle_since`` first (Asterisk/mod_callcenter's default).
- ``least_occupied``: lowest ``Σ load/capacity`` first, then longest idle.
- ``round_robin``: agents in id order, starting after the queue's cursor (the agent it
  offered last): ``(id <= cursor, id)`` sorts exactly as that rotation.
- ``best_skill``: highest sum of levels in the contact's required skills, then longest
  idle (with no skill names: longest idle).
"""

from collections.abc import Callable
from operator import attrgetter

from distans.core.routing.model import Agent, Strategy

#: ``strategy_key(...)(agent, occupancy)``; ``occupancy`` is the agent's
#: ``Σ load/capacity`` with open offers counted in (only least_occupied reads it).
StrategyKey = Callable[[Agent, float], tuple[object, ...]]

#: Longest idle first, on the agent alone (the longest-idle key without occupancy).
IDLE_ORDER = attrgetter("idle_ts", "id")


def skill_score(agent: Agent, skill_names: tuple[str, ...]) -> int:
    """Sum of the agent's levels in ``skill_names`` (best_skill's measure)."""
    skills = agent.skills
    return sum(skills.get(name, 0) for name in skill_names)


def strategy_key(
    strategy: Strategy, skill_names: tuple[str, ...] = (), round_robin_after: str | None = None
) -> StrategyKey:
    """Sort key of (agent, occupancy) for ``strategy``: the smallest is offered."""
    if strategy is Strategy.LEAST_OCCUPIED:
        return lambda agent, occupancy: (occupancy, agent.idle_ts, agent.id)
    if strategy is Strategy.ROUND_ROBIN:
        after = round_robin_after
        return lambda agent, _occupancy: (after is not None and agent.id <= after, agent.id)
    if strategy is Strategy.BEST_SKILL and skill_names:
        names = skill_names
        return lambda agent, _occupancy: (-skill_score(agent, names), agent.idle_ts, agent.id)
    return lambda agent, _occupancy: (agent.idle_ts, agent.id)
