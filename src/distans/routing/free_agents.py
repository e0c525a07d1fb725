"""Per process: each organisation's routable agents and the room they have, kept from
one arrival round to the next.

A round for arriving contacts needs every routable agent with room for another
contact, grouped by what they can take (queues, free channels). Rebuilding that for
2,000 agents cost most of such a round, although from one round to the next only a
few agents change. Every arrival round still reads, under the organisation's routing
lock, the ``(state pk, version)`` of every routable agent and the open offers per
agent and channel (``RoutingStore.begin_arrival_round``); the table
compares those with what the previous round read and recomputes only the agents whose
version or open offers differ. Nothing here is trusted without that read: the table
is derived from it and the per-version agent cache (:mod:`distans.routing.rounds`).

Only one round per organisation runs at a time (it holds the organisation's
``RoutingLock`` row), which is what makes one table per organisation and process safe
to update in place.
"""

from __future__ import annotations

import bisect
import heapq
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import datetime

from distans.core import routing as core
from distans.core.routing.strategy import IDLE_ORDER
from distans.core.routing.targeted import Pattern, free_channels
from distans.routing.process_state import STATE
from distans.routing.rounds import agents_by_pk, remember
from distans.routing.store import ROUTABLE, AgentChanges, BuiltAgents, store

#: A table last read this long ago is read whole again (see ``FreeAgents.since``).
FULL_READ_AFTER_SECONDS = 3600.0


class FreeAgents:
    """One organisation's routable agents, their room and their grouping by pattern."""

    def __init__(self, organisation_id: int) -> None:
        self.org = organisation_id
        #: Held by the round using the table (on PostgreSQL the organisation's routing
        #: lock already keeps rounds apart; SQLite's does not lock).
        self.lock = threading.RLock()
        self.clear()

    def clear(self) -> None:
        """Empty: the next :meth:`update` places every agent afresh (after a failure
        left the table half-updated)."""
        self._versions: dict[int, int] = {}  # AgentState pk → version last read
        self._version_rows: list[tuple[int, int]] = []  # as last read
        self._by_pk: dict[int, core.Agent] = {}
        self._offer_rows: set[tuple[int, str, int]] = set()  # (person, channel, count)
        self._reserved: dict[str, dict[core.Channel, int]] = {}  # agent id → open offers
        self._placed: dict[str, tuple[Pattern, core.Agent]] = {}  # where each agent is
        #: PostgreSQL (:meth:`apply`): where the next read of changes starts (``None``:
        #: read every routable agent), each agent's open offers (channel, expiry) and
        #: the offers' expiries, soonest first (an expired offer reserves nothing).
        self.watermark: str | None = None
        self._read_at = 0.0  # time.monotonic() of the last read of changes
        self._open: dict[str, list[tuple[core.Channel, datetime]]] = {}
        #: Core agents built from rows read here, for reads of changes to reuse
        #: (``store.pg_agents._agent_row``).
        self.built: BuiltAgents = {}
        self._expiries: list[tuple[datetime, str]] = []
        #: Routable agents by agent id.
        self.agents: dict[str, core.Agent] = {}
        #: Each routable agent's free channels (empty: no room).
        self.room: dict[str, frozenset[core.Channel]] = {}
        #: Loads with open offers counted in, for the agents that have open offers.
        self.loads: dict[str, Mapping[core.Channel, int]] = {}
        #: The agents with room, by agent id.
        self.free: dict[str, core.Agent] = {}
        #: The agents with room, grouped by pattern, each group longest idle first
        #: (``IDLE_ORDER``): a longest-idle pick looks at each group's first agents only.
        self.groups: dict[Pattern, list[core.Agent]] = {}

    def update(
        self, versions: Sequence[tuple[int, int]], offers: Sequence[tuple[int, str, int]]
    ) -> None:
        """Bring the table to ``versions`` (every routable agent's ``(state pk,
        version)``) and ``offers`` (open offers as ``(person id, channel, count)``)."""
        if self.watermark is not None:  # kept from reads of changes until now
            self.clear()
        touched: set[str] = set()
        stale = []
        if versions != self._version_rows:  # mostly equal: compared without a loop here
            stale = [(pk, v) for pk, v in versions if self._versions.get(pk) != v]
            self._version_rows = list(versions)
        if stale or len(versions) != len(self._versions):
            current = dict(versions)
            for pk in [pk for pk in self._versions if pk not in current]:
                del self._versions[pk]
                agent = self._by_pk.pop(pk)
                self.agents.pop(agent.id, None)
                touched.add(agent.id)
            fresh = agents_by_pk(self.org, stale)
            for pk, version in stale:
                old = self._by_pk.pop(pk, None)
                if old is not None:
                    self.agents.pop(old.id, None)
                    touched.add(old.id)
                agent = fresh.get(pk)
                if agent is None:  # gone since the read: not routable
                    self._versions.pop(pk, None)
                    continue
                self._versions[pk] = version
                self._by_pk[pk] = agent
                self.agents[agent.id] = agent
                touched.add(agent.id)
        rows = set(offers)
        if rows != self._offer_rows:
            # A row is one agent's count on one channel: drop the counts that changed,
            # then set the new ones.
            for person, channel, _ in self._offer_rows - rows:
                own = self._reserved.get(str(person))
                if own is not None:
                    own.pop(core.Channel(channel), None)
                    if not own:
                        del self._reserved[str(person)]
                touched.add(str(person))
            for person, channel, count in rows - self._offer_rows:
                self._reserved.setdefault(str(person), {})[core.Channel(channel)] = count
                touched.add(str(person))
            self._offer_rows = rows
        for agent_id in touched:
            self._place(agent_id)

    def since(self) -> str | None:
        """Where the next read of changes starts; ``None`` (read every routable agent)
        for a table never read, cleared, or last read ``FULL_READ_AFTER_SECONDS`` ago
        (a watermark compares with ``age()``, a 32-bit count: it must stay well within
        2^31 transactions of the present)."""
        if time.monotonic() - self._read_at > FULL_READ_AFTER_SECONDS:
            return None
        return self.watermark

    def refresh(self, now: datetime) -> None:
        """Bring the table up to date outside a round's first reads (a process warming
        up, a round whose reads found the table cleared meanwhile, tests): on
        PostgreSQL from the agents changed since its watermark, else from every
        routable agent's version and the open offers."""
        routing_store = store()
        if routing_store.change_feed:
            with self.lock:
                since = self.since()
                changes = routing_store.agent_changes(self.org, since, sorted(ROUTABLE), self.built)
                self.apply(changes, now)
        else:
            self.update(
                routing_store.agent_versions(self.org, person_ids=None, presences=sorted(ROUTABLE)),
                routing_store.reservations(self.org, now, None),
            )

    def apply(self, changes: AgentChanges, now: datetime) -> None:
        """Bring the table to ``changes`` (PostgreSQL: the agents whose rows changed
        since :attr:`watermark`, or every routable agent when ``changes.full``) as of
        ``now``, when open offers expire.

        Every change that matters to routing writes the agent's row (presence, load,
        queues, and opening or closing one of their offers bump ``version``), so the
        rows written since the watermark are all the table must look at."""
        if changes.full:
            self.clear()
        elif self.watermark is None:
            raise RuntimeError("changes read without a watermark need a full table")
        touched: set[str] = set()
        for row in changes.rows:
            agent_id = str(row.person_id)
            old = self._by_pk.pop(row.pk, None)
            if old is not None:
                self.agents.pop(old.id, None)
                touched.add(old.id)
            touched.add(agent_id)
            if row.agent is None:  # not routable now
                self._open.pop(agent_id, None)
                continue
            agent = remember(self.org, row.pk, row.version, row.agent)
            self._by_pk[row.pk] = agent
            self.agents[agent_id] = agent
            self._open[agent_id] = [(core.Channel(c), at) for c, at in row.offers]
            for _, at in row.offers:
                heapq.heappush(self._expiries, (at, agent_id))
        while self._expiries and self._expiries[0][0] <= now:
            touched.add(heapq.heappop(self._expiries)[1])
        for agent_id in touched:
            own: dict[core.Channel, int] = {}
            for channel, at in self._open.get(agent_id, ()):
                if at > now:
                    own[channel] = own.get(channel, 0) + 1
            if own:
                self._reserved[agent_id] = own
            else:
                self._reserved.pop(agent_id, None)
            self._place(agent_id)
        self.watermark = changes.watermark
        self._read_at = time.monotonic()

    def _place(self, agent_id: str) -> None:
        placed = self._placed.pop(agent_id, None)
        if placed is not None:
            pattern, old = placed
            group = self.groups[pattern]
            at = bisect.bisect_left(group, IDLE_ORDER(old), key=IDLE_ORDER)
            if at == len(group) or group[at] is not old:
                raise RuntimeError(f"free-agent table out of order at agent {agent_id}")
            del group[at]
            if not group:
                del self.groups[pattern]
        self.loads.pop(agent_id, None)
        self.free.pop(agent_id, None)
        agent = self.agents.get(agent_id)
        if agent is None:
            self.room.pop(agent_id, None)
            return
        own = self._reserved.get(agent_id)
        free, load = free_channels(agent, own)
        self.room[agent_id] = free
        if own:
            self.loads[agent_id] = load
        if free:
            self.free[agent_id] = agent
            pattern = (agent.queue_ids, free)
            bisect.insort(self.groups.setdefault(pattern, []), agent, key=IDLE_ORDER)
            self._placed[agent_id] = (pattern, agent)


_tables = STATE.free_tables  # one owner of routing's per-process state
_tables_lock = STATE.free_tables_lock


def table(organisation_id: int) -> FreeAgents:
    """This process's table for ``organisation_id`` (use it only holding the
    organisation's routing lock)."""
    with _tables_lock:
        found = _tables.get(organisation_id)
        if found is None:
            found = _tables[organisation_id] = FreeAgents(organisation_id)
        return found


def forget() -> None:
    """Drop every table (with the agent cache they derive from): the next rounds
    rebuild them."""
    with _tables_lock:
        _tables.clear()
