"""Free agents of one routing round, pre-sorted per queue by the queue's strategy.

The order itself is :func:`distans.core.routing.strategy.strategy_key` (the one
definition, shared with the per-event picks). Each agent gets at most one new offer per
round (``taken``), so the sorted lists stay valid for the whole round and
per-signature cursors only move forward.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from distans.core.routing.model import Agent, Channel, Queue, Strategy
from distans.core.routing.rules import occupancy
from distans.core.routing.strategy import strategy_key


@dataclass(slots=True, eq=False)
class AgentSlot:
    """One free agent in a round: what the scan needs, precomputed."""

    agent: Agent
    free_channels: frozenset[Channel]
    load: Mapping[Channel, int]
    idle_seconds_key: float
    occupancy: float
    skills: Mapping[str, int]
    taken: bool = False

    @property
    def id(self) -> str:
        return self.agent.id


def make_slot(agent: Agent, load: Mapping[Channel, int], free: frozenset[Channel]) -> AgentSlot:
    """Build the slot of a free agent (``load`` includes open offers)."""
    return AgentSlot(
        agent=agent,
        free_channels=free,
        load=load,
        idle_seconds_key=agent.idle_ts,
        occupancy=occupancy(agent.capacity, load) if load else 0.0,
        skills=agent.skills,
    )


def strategy_order(
    slots: list[AgentSlot], queue: Queue, round_robin_after: str | None
) -> list[AgentSlot]:
    """Return ``slots`` in the order ``queue.strategy`` offers them (best_skill: idle
    order; :func:`best_skill_sorted` re-sorts per contact's skills)."""
    key = strategy_key(queue.strategy, (), round_robin_after)
    return sorted(slots, key=lambda s: key(s.agent, s.occupancy))


def best_skill_sorted(members: list[AgentSlot], skill_names: tuple[str, ...]) -> list[AgentSlot]:
    """``members`` (already in idle order) in best_skill order for ``skill_names``."""
    key = strategy_key(Strategy.BEST_SKILL, skill_names)
    return sorted(members, key=lambda s: key(s.agent, s.occupancy))


@dataclass(slots=True, eq=False)
class Pools:
    """Free agents per queue id, strategy-sorted, plus lookup by agent id.

    A slot in a queue's list may have no room on a given channel: the scan checks
    ``channel in slot.free_channels``. One list per queue (not per channel) keeps the
    number of sorts low.
    """

    by_queue: dict[str, list[AgentSlot]] = field(default_factory=dict)
    by_agent_id: dict[str, AgentSlot] = field(default_factory=dict)
    free_count: int = 0
    #: Untaken slots per queue.
    remaining: dict[str, int] = field(default_factory=dict)
    _lists: dict[tuple[str, tuple[str, ...]], "ScanList"] = field(default_factory=dict)

    def take(self, slot: AgentSlot) -> None:
        """Mark ``slot`` as given an offer this round and update the counters."""
        slot.taken = True
        self.free_count -= 1
        for queue_id in slot.agent.queue_ids:
            if queue_id in self.remaining:
                self.remaining[queue_id] -= 1

    def scan_list(self, queue_id: str, names: tuple[str, ...]) -> "ScanList":
        """The queue's pool in strategy order (best skill first for ``names``), shared per round."""
        key = (queue_id, names)
        scan = self._lists.get(key)
        if scan is None:
            members = self.by_queue[queue_id]
            if names:
                members = best_skill_sorted(members, names)
            scan = self._lists[key] = ScanList(members)
        return scan


class ScanList:
    """Agents in offer order with skip links over taken slots.

    ``first_untaken(i)`` returns the first index >= i whose slot is not taken, in
    amortised near-constant time (path compression, as in union–find), so the many
    per-signature cursors sharing one list do not re-walk taken agents.
    """

    __slots__ = ("members", "_next")

    def __init__(self, members: list[AgentSlot]) -> None:
        self.members = members
        self._next = list(range(1, len(members) + 1))

    def first_untaken(self, index: int) -> int:
        members, links, end = self.members, self._next, len(self.members)
        root = index
        while root < end and members[root].taken:
            root = links[root]
        while index < root:
            links[index], index = root, links[index]
        return root


def build_pools(
    slots: list[AgentSlot],
    queues: Mapping[str, Queue],
    open_queue_ids: set[str],
    round_robin_after: Mapping[str, str],
) -> Pools:
    """Group free agent slots by queue and sort each group by the queue's strategy."""
    pools = Pools()
    grouped: dict[str, list[AgentSlot]] = {queue_id: [] for queue_id in open_queue_ids}
    for slot in slots:
        pools.by_agent_id[slot.agent.id] = slot
        for queue_id in slot.agent.queue_ids:
            members = grouped.get(queue_id)
            if members is not None:
                members.append(slot)
    for queue_id, members in grouped.items():
        if not members:
            continue
        pools.remaining[queue_id] = len(members)
        queue = queues[queue_id]
        pools.by_queue[queue_id] = strategy_order(members, queue, round_robin_after.get(queue_id))
    pools.free_count = len(slots)
    return pools
