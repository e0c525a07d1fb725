"""Free agents of one routing round, in each queue's strategy order.

The order itself is :func:`distans.core.routing.strategy.strategy_key` (the one
definition). Each agent gets at most one new offer per round (``taken``), so the
ordered lists stay valid for the whole round and per-signature cursors only move
forward.

Two ways to hold the pools, one greedy over both
(:func:`distans.core.routing.round_offers.offer_in_order`):

- :class:`Pools` (a full round): every free agent, each queue's list sorted up front.
- :class:`GroupedPools` (a targeted round, :mod:`targeted`): the free agents as the
  Django side keeps them, grouped by (queues, free channels), each group longest idle
  first. A line's list is built when a contact first needs it, and for longest idle
  (and best skill with no skill named) lazily, by merging the groups: a pick costs the
  number of groups and the agents it looks at, not all free agents.
"""

import heapq
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from distans.core.routing.model import Agent, Channel, Queue, Strategy
from distans.core.routing.rules import occupancy
from distans.core.routing.strategy import IDLE_ORDER, StrategyKey, strategy_key

#: Free agents share a few patterns of (queues, channels with room).
Pattern = tuple[frozenset[str], frozenset[Channel]]


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


def _ordered(slots: list[AgentSlot], key: StrategyKey) -> list[AgentSlot]:
    return sorted(slots, key=lambda s: key(s.agent, s.occupancy))


def strategy_order(
    slots: list[AgentSlot], queue: Queue, round_robin_after: str | None
) -> list[AgentSlot]:
    """Return ``slots`` in the order ``queue.strategy`` offers them (best_skill: idle
    order; :func:`best_skill_sorted` re-sorts per contact's skills)."""
    return _ordered(slots, strategy_key(queue.strategy, (), round_robin_after))


def best_skill_sorted(members: list[AgentSlot], skill_names: tuple[str, ...]) -> list[AgentSlot]:
    """``members`` (already in idle order) in best_skill order for ``skill_names``."""
    return _ordered(members, strategy_key(Strategy.BEST_SKILL, skill_names))


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

    def slot_of(self, agent_id: str) -> AgentSlot | None:
        """The slot of free agent ``agent_id`` (for a transfer to that person)."""
        return self.by_agent_id.get(agent_id)

    def scan_list(self, queue_id: str, channel: Channel, names: tuple[str, ...]) -> "ScanList":
        """The queue's pool in strategy order (best skill first for ``names``), shared per
        round. One list per queue serves every channel (the scan checks the channel)."""
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
    per-signature cursors sharing one list do not re-walk taken agents. ``rest``: the
    agents after ``members``, in order, taken into the list as a scan reaches its end
    (:meth:`grow`).
    """

    __slots__ = ("members", "_next", "_rest")

    def __init__(self, members: list[AgentSlot], rest: Iterator[AgentSlot] | None = None) -> None:
        self.members = members
        self._next = list(range(1, len(members) + 1))
        self._rest = rest

    def grow(self) -> bool:
        """Take the next agent of ``rest`` into the list; whether there was one."""
        if self._rest is None:
            return False
        slot = next(self._rest, None)
        if slot is None:
            self._rest = None
            return False
        self.members.append(slot)
        self._next.append(len(self.members))
        return True

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


class GroupedPools(Pools):
    """The pools of a targeted round, over free agents grouped by pattern.

    ``groups``: the free agents by (queues, free channels), each group in
    :data:`IDLE_ORDER`; ``room``: each one's free channels; ``loads``: loads with open
    offers counted in (agents not in it: their own load); ``needed``: the channels
    contacts wait on, by open queue. A line's list is per (queue, channel), from the
    groups with room on the channel, and comes out in strategy order as far as the
    scans go (a merge of the groups, or a heap of the strategy keys); slots are made
    as the scans reach them."""

    def __init__(
        self,
        free: Mapping[str, Agent],
        room: Mapping[str, frozenset[Channel]],
        loads: Mapping[str, Mapping[Channel, int]],
        groups: Mapping[Pattern, Sequence[Agent]],
        queues: Mapping[str, Queue],
        needed: Mapping[str, set[Channel]],
        round_robin_after: Mapping[str, str | None],
    ) -> None:
        super().__init__()
        self._free, self._room, self._loads = free, room, loads
        self._queues, self._round_robin_after = queues, round_robin_after
        self._groups: dict[tuple[str, Channel], list[Sequence[Agent]]] = {}
        remaining, lines = self.remaining, self._groups
        wanted = list(needed.items())  # a few queues: looked up in each pattern
        for (pattern_queues, channels), agents in groups.items():
            for queue_id, waiting_on in wanted:
                if queue_id in pattern_queues:
                    remaining[queue_id] = remaining.get(queue_id, 0) + len(agents)
                    for channel in waiting_on:
                        if channel in channels:
                            lines.setdefault((queue_id, channel), []).append(agents)
        self.free_count = len(free)
        self._scans: dict[tuple[str, Channel, tuple[str, ...]], ScanList] = {}

    def slot_of(self, agent_id: str) -> AgentSlot | None:
        slot = self.by_agent_id.get(agent_id)
        if slot is None:
            agent = self._free.get(agent_id)
            if agent is None:
                return None
            load = self._loads.get(agent_id, agent.load)
            slot = self.by_agent_id[agent_id] = make_slot(agent, load, self._room[agent_id])
        return slot

    def _slot(self, agent: Agent) -> AgentSlot:
        slot = self.slot_of(agent.id)
        assert slot is not None
        return slot

    def scan_list(self, queue_id: str, channel: Channel, names: tuple[str, ...]) -> ScanList:
        key = (queue_id, channel, names)
        scan = self._scans.get(key)
        if scan is None:
            groups = self._groups.get((queue_id, channel), [])
            queue = self._queues[queue_id]
            strategy = queue.strategy
            ordered: Iterator[Agent]
            if strategy is Strategy.LONGEST_IDLE or (strategy is Strategy.BEST_SKILL and not names):
                # The groups' own order (strategy_key's longest idle is IDLE_ORDER).
                ordered = (
                    iter(groups[0]) if len(groups) == 1 else heapq.merge(*groups, key=IDLE_ORDER)
                )
            else:
                ordered = self._by_key(groups, strategy, names, queue_id)
            scan = self._scans[key] = ScanList([], map(self._slot, ordered))
        return scan

    def _by_key(
        self,
        groups: list[Sequence[Agent]],
        strategy: Strategy,
        names: tuple[str, ...],
        queue_id: str,
    ) -> Iterator[Agent]:
        """The groups' agents in ``strategy_key`` order, popped from a heap as needed."""
        key = strategy_key(strategy, names, self._round_robin_after.get(queue_id))
        if strategy is Strategy.LEAST_OCCUPIED:
            loads = self._loads
            heap = [
                (key(agent, occupancy(agent.capacity, load) if load else 0.0), agent)
                for group in groups
                for agent in group
                for load in (loads.get(agent.id, agent.load),)
            ]
        else:
            heap = [(key(agent, 0.0), agent) for group in groups for agent in group]
        heapq.heapify(heap)  # keys end with the agent id: never equal
        while heap:
            yield heapq.heappop(heap)[1]
