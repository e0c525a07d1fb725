"""Free agents of one routing round, pre-sorted per (queue, channel) by the queue's strategy.

Strategies (lower sort key is offered first):

- ``longest_idle``: the agent idle longest (oldest ``idle_since``) first — spreads work
  evenly over time; the Asterisk/mod_callcenter default ("longest-idle-agent").
- ``least_occupied``: lowest ``Σ load/capacity`` first, then longest idle — for
  multi-contact channels (chat, e-mail) so concurrent work is spread across agents.
- ``round_robin``: agents in id order, starting after the agent the queue offered
  last (the persisted cursor) — strict turn-taking, equal counts ±1 over many rounds.
- ``best_skill``: highest sum of levels in the contact's required skills first, then
  longest idle — the most expert free agent gets the hard contacts.

Each agent gets at most one new offer per round (``taken``), so the sorted lists stay
valid for the whole round and per-signature cursors only move forward.
"""

from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field

from distans.core.routing.model import Agent, Channel, Queue, Strategy
from distans.core.routing.rules import occupancy


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
    """Return ``slots`` in the order ``queue.strategy`` offers them (best_skill: idle order)."""
    if queue.strategy is Strategy.LEAST_OCCUPIED:
        return sorted(slots, key=lambda s: (s.occupancy, s.idle_seconds_key, s.agent.id))
    if queue.strategy is Strategy.ROUND_ROBIN:
        by_id = sorted(slots, key=lambda s: s.agent.id)
        if round_robin_after is None:
            return by_id
        start = bisect_right([s.agent.id for s in by_id], round_robin_after)
        return by_id[start:] + by_id[:start]
    return sorted(slots, key=lambda s: (s.idle_seconds_key, s.agent.id))


def skill_score(agent: Agent, skill_names: tuple[str, ...]) -> int:
    """Sum of the agent's levels in ``skill_names`` (best_skill's measure)."""
    skills = agent.skills
    return sum(skills.get(name, 0) for name in skill_names)


def best_skill_sorted(members: list[AgentSlot], skill_names: tuple[str, ...]) -> list[AgentSlot]:
    """``members`` (already in idle order) stably re-sorted by skill score, highest first."""
    if len(skill_names) == 1:
        (name,) = skill_names
        scores = [-s.skills.get(name, 0) for s in members]
    elif len(skill_names) == 2:
        first, second = skill_names
        scores = [-s.skills.get(first, 0) - s.skills.get(second, 0) for s in members]
    else:
        scores = [-skill_score(s.agent, skill_names) for s in members]
    order = sorted(range(len(members)), key=scores.__getitem__)
    return [members[i] for i in order]


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
