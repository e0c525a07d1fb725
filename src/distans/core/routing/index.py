"""An in-memory index for per-event routing in O(log n) typical time.

For one process that holds the routing state (the embedded default, or a worker that
rebuilds it from the database at start-up). It keeps

- per (queue, channel): the routable agents with room on that channel, sorted by the
  queue's strategy key (``best_skill``: idle order, scanned whole);
- per (queue, channel, required skills, language): the waiting contacts, sorted by
  :func:`contact_rank` — contacts in one such group need the same agents, so an agent
  qualifies for the whole group at once (after the group's widening wait).

A query bisects/walks a list from the front and stops at the first eligible entry.
Same rules and answers as :mod:`per_event` (tested), except that contacts whose
effective priorities tie *exactly* may be ordered by float rounding of the rank.

The caller keeps the index in step: ``put_agent``/``put_contact`` after every change,
``remove_contact`` when a contact leaves the queue, ``put_offer``/``remove_offer`` for
open offers. Nothing here reads a clock: ``now`` is passed in.
"""

from bisect import bisect_left, bisect_right, insort
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from distans.core.errors import InvalidInput
from distans.core.routing.agent_pool import skill_score
from distans.core.routing.model import (
    ROUTABLE_PRESENCES,
    Agent,
    Channel,
    Contact,
    Offer,
    Queue,
    Strategy,
)
from distans.core.routing.rules import (
    channel_is_free,
    contact_rank,
    effective_priority,
    effective_requirements,
    meets,
    occupancy,
    widening_wait_for,
)

#: Flat sort keys ending with the id (flat tuples compare faster than nested ones).
_AgentEntry = tuple[object, ...]
_ContactEntry = tuple[float, float, str]
_GroupKey = tuple[str, Channel, tuple[tuple[str, int], ...], str | None]


def _remove(entries: list[Any], entry: Any) -> None:
    """Delete ``entry`` from the sorted list ``entries`` if present (bisect, O(log n) + shift)."""
    position = bisect_left(entries, entry)
    if position < len(entries) and entries[position] == entry:
        del entries[position]


class RoutingIndex:
    """Free agents and waiting contacts, kept sorted for per-event picks."""

    def __init__(self, queues: Mapping[str, Queue]) -> None:
        self.queues = dict(queues)
        self.agents: dict[str, Agent] = {}
        self.contacts: dict[str, Contact] = {}
        self.offers: dict[str, Offer] = {}
        self.round_robin_after: dict[str, str] = {}
        self._load: dict[str, dict[Channel, int]] = {}
        self._reserved: dict[str, dict[Channel, int]] = {}
        self._free: dict[tuple[str, Channel], list[_AgentEntry]] = {}
        self._listed_agent: dict[str, list[tuple[tuple[str, Channel], _AgentEntry]]] = {}
        self._groups: dict[_GroupKey, list[_ContactEntry]] = {}
        self._queue_groups: dict[str, set[_GroupKey]] = {q: set() for q in self.queues}
        self._targeted: dict[str, list[_ContactEntry]] = {}

    # -- agents ---------------------------------------------------------------------

    def _load_of(self, agent: Agent) -> Mapping[Channel, int]:
        return self._load.get(agent.id) or agent.load

    def _agent_key(self, agent: Agent, queue: Queue) -> tuple[object, ...]:
        if queue.strategy is Strategy.LEAST_OCCUPIED:
            return (occupancy(agent.capacity, self._load_of(agent)), agent.idle_ts, agent.id)
        if queue.strategy is Strategy.ROUND_ROBIN:
            return (agent.id,)
        return (agent.idle_ts, agent.id)

    def put_agent(self, agent: Agent) -> None:
        """Insert or replace an agent (after any change of presence, load, skills …).

        Only the list entries that change are removed and inserted.
        """
        self.agents[agent.id] = agent
        reserved = self._reserved.get(agent.id)
        if reserved and any(reserved.values()):
            load = dict(agent.load)
            for channel, count in reserved.items():
                load[channel] = load.get(channel, 0) + count
            self._load[agent.id] = load
        else:
            self._load.pop(agent.id, None)
        listed: list[tuple[tuple[str, Channel], _AgentEntry]] = []
        if agent.presence in ROUTABLE_PRESENCES:
            load_now = self._load_of(agent)
            free = [c for c in agent.channels if channel_is_free(c, agent.capacity, load_now)]
            for queue_id in agent.queue_ids:
                queue = self.queues.get(queue_id)
                if queue is not None and free:
                    entry = self._agent_key(agent, queue)
                    listed.extend(((queue_id, channel), entry) for channel in free)
        before = set(self._listed_agent.get(agent.id, ()))
        after = set(listed)
        for list_key, entry in before - after:
            _remove(self._free[list_key], entry)
        for list_key, entry in after - before:
            insort(self._free.setdefault(list_key, []), entry)
        self._listed_agent[agent.id] = listed

    def _unlist_agent(self, agent_id: str) -> None:
        for list_key, entry in self._listed_agent.pop(agent_id, []):
            _remove(self._free[list_key], entry)

    def remove_agent(self, agent_id: str) -> None:
        """Forget an agent (logged out for good, deleted)."""
        self._unlist_agent(agent_id)
        self.agents.pop(agent_id, None)

    # -- contacts and offers ----------------------------------------------------------

    def _contact_list(self, contact: Contact) -> list[_ContactEntry]:
        if contact.target_agent_id is not None:
            return self._targeted.setdefault(contact.target_agent_id, [])
        group = (contact.queue_id, contact.channel, contact.requirement_key, contact.language)
        self._queue_groups[contact.queue_id].add(group)
        return self._groups.setdefault(group, [])

    def _entry(self, contact: Contact) -> _ContactEntry:
        return contact_rank(contact, self.queues[contact.queue_id])

    def put_contact(self, contact: Contact) -> None:
        """Insert or replace a waiting contact."""
        if contact.queue_id not in self.queues:
            raise InvalidInput(f"Contact {contact.id} is in unknown queue {contact.queue_id!r}.")
        self.remove_contact(contact.id)
        self.contacts[contact.id] = contact
        if contact.id not in self.offers:
            insort(self._contact_list(contact), self._entry(contact))

    def remove_contact(self, contact_id: str) -> None:
        """Forget a contact (accepted, abandoned, given a fallback, moved away)."""
        contact = self.contacts.pop(contact_id, None)
        if contact is not None:
            _remove(self._contact_list(contact), self._entry(contact))

    def _reserve(self, offer: Offer, delta: int) -> None:
        reserved = self._reserved.setdefault(offer.agent_id, {})
        reserved[offer.channel] = reserved.get(offer.channel, 0) + delta

    def put_offer(self, offer: Offer) -> None:
        """Record an open offer: it reserves capacity and hides the contact from queries."""
        self.remove_offer(offer.contact_id)
        self.offers[offer.contact_id] = offer
        self._reserve(offer, +1)
        contact = self.contacts.get(offer.contact_id)
        if contact is not None:
            _remove(self._contact_list(contact), self._entry(contact))
        queue = self.queues.get(offer.queue_id)
        if queue is not None and queue.strategy is Strategy.ROUND_ROBIN:
            self.round_robin_after[queue.id] = offer.agent_id
        agent = self.agents.get(offer.agent_id)
        if agent is not None:
            self.put_agent(agent)

    def remove_offer(self, contact_id: str) -> None:
        """The offer ended (accepted, declined, expired); a still-waiting contact is listed again."""
        offer = self.offers.pop(contact_id, None)
        if offer is None:
            return
        self._reserve(offer, -1)
        contact = self.contacts.get(contact_id)
        if contact is not None:
            self.put_contact(contact)
        agent = self.agents.get(offer.agent_id)
        if agent is not None:
            self.put_agent(agent)

    # -- queries ----------------------------------------------------------------------

    def _fits(
        self,
        agent: Agent,
        contact: Contact,
        required: tuple[tuple[str, int], ...],
        language: str | None,
    ) -> bool:
        if agent.presence not in ROUTABLE_PRESENCES or agent.id in contact.excluded_agent_ids:
            return False
        if not channel_is_free(contact.channel, agent.capacity, self._load_of(agent)):
            return False
        if contact.target_agent_id is not None:
            return agent.id == contact.target_agent_id
        return contact.queue_id in agent.queue_ids and meets(
            agent.skills, agent.languages, required, language
        )

    def best_agent_for(self, contact: Contact, now: datetime) -> Offer | None:
        """Like :func:`per_event.best_agent_for_contact` over the indexed agents."""
        queue = self.queues[contact.queue_id]
        if contact.id in self.offers or not queue.is_open(now):
            return None
        waited = now.timestamp() - contact.entered_ts
        required, language = effective_requirements(contact, queue, waited)
        if contact.target_agent_id is not None:
            target = self.agents.get(contact.target_agent_id)
            if target is not None and self._fits(target, contact, required, language):
                return _offer(contact, target, queue, now)
            return None
        entries = self._free.get((queue.id, contact.channel), [])
        if queue.strategy is Strategy.BEST_SKILL:
            names = tuple(name for name, _ in contact.requirement_key)
            best: tuple[object, ...] | None = None
            chosen: Agent | None = None
            for entry in entries:
                agent = self.agents[entry[-1]]  # type: ignore[index]
                if self._fits(agent, contact, required, language):
                    key = (-skill_score(agent, names), agent.idle_ts, agent.id)
                    if best is None or key < best:
                        best, chosen = key, agent
            return None if chosen is None else _offer(contact, chosen, queue, now)
        start = 0
        after = self.round_robin_after.get(queue.id)
        if queue.strategy is Strategy.ROUND_ROBIN and after is not None:
            start = bisect_right(entries, (after,))
        count = len(entries)
        for step in range(count):
            agent = self.agents[entries[(start + step) % count][-1]]  # type: ignore[index]
            if self._fits(agent, contact, required, language):
                return _offer(contact, agent, queue, now)
        return None

    def best_contact_for(self, agent: Agent, now: datetime) -> Offer | None:
        """Like :func:`per_event.best_contact_for_agent` over the indexed contacts.

        Per group (queue, channel, skills, language) the agent qualifies after one wait
        (:func:`widening_wait_for`); the group's first contact in rank order that has
        waited that long and does not exclude the agent is the group's candidate.
        """
        if agent.presence not in ROUTABLE_PRESENCES:
            return None
        load = self._load_of(agent)
        free = {c for c in agent.channels if channel_is_free(c, agent.capacity, load)}
        if not free:
            return None
        now_ts = now.timestamp()
        best: tuple[float, float, str] | None = None
        chosen: Contact | None = None
        for queue_id in agent.queue_ids:
            queue = self.queues.get(queue_id)
            if queue is None or not queue.is_open(now):
                continue
            for group in self._queue_groups[queue_id]:
                entries = self._groups[group]
                if not entries or group[1] not in free:
                    continue
                head = self.contacts[entries[0][2]]
                wait = widening_wait_for(head, queue, agent.skills, agent.languages)
                if wait is None:
                    continue
                for _, _, contact_id in entries:
                    contact = self.contacts[contact_id]
                    if now_ts - contact.entered_ts < wait or agent.id in contact.excluded_agent_ids:
                        continue
                    key = (
                        -effective_priority(contact, queue, now),
                        contact.enqueued_ts,
                        contact.id,
                    )
                    if best is None or key < best:
                        best, chosen = key, contact
                    break
        for _, _, contact_id in self._targeted.get(agent.id, []):
            contact = self.contacts[contact_id]
            queue = self.queues[contact.queue_id]
            if contact.channel not in free or not queue.is_open(now):
                continue
            if agent.id in contact.excluded_agent_ids:
                continue
            key = (-effective_priority(contact, queue, now), contact.enqueued_ts, contact.id)
            if best is None or key < best:
                best, chosen = key, contact
        return None if chosen is None else _offer(chosen, agent, self.queues[chosen.queue_id], now)


def _offer(contact: Contact, agent: Agent, queue: Queue, now: datetime) -> Offer:
    expires_at = now + timedelta(seconds=queue.offer_timeout_seconds)
    return Offer(contact.id, agent.id, queue.id, contact.channel, now, expires_at)
