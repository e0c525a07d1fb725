"""Bookkeeping of one routing round: expiries, reservations, free agents, emitted output."""

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from distans.core.errors import InvalidInput, StateConflict
from distans.core.routing.agent_pool import AgentSlot, make_slot
from distans.core.routing.decisions import (
    Decision,
    EndWrapUp,
    Event,
    EventName,
    ExpireOffer,
    Fallback,
    SetAgentAway,
)
from distans.core.routing.model import (
    ROUTABLE_PRESENCES,
    STAFFED_PRESENCES,
    Agent,
    Channel,
    Contact,
    FallbackKind,
    Offer,
    Presence,
    Queue,
)
from distans.core.routing.rules import channel_is_free

#: A waiting contact in a round: (−effective priority, enqueued_ts, id, contact).
Row = tuple[float, float, str, Contact]


class RoundState:
    """Mutable bookkeeping of one call to ``route`` (never escapes it)."""

    def __init__(self, now: datetime, queues: Mapping[str, Queue]) -> None:
        if now.utcoffset() is None:
            raise InvalidInput("Routing needs a timezone-aware 'now'.")
        self.now = now
        self.queues = queues
        self.decisions: list[Decision] = []
        self.events: list[Event] = []
        self.reserved: dict[str, dict[Channel, int]] = {}
        self.offered_contact_ids: set[str] = set()
        self.extra_excluded: dict[str, set[str]] = {}
        self.set_away: set[str] = set()
        self.expiry_by_queue: dict[str, tuple[datetime, str]] = {}

    def expire_and_reserve(self, offers: Iterable[Offer], agents: Mapping[str, Agent]) -> None:
        timeouts: dict[str, int] = {}
        for offer in offers:
            if offer.expires_at > self.now:
                if offer.contact_id in self.offered_contact_ids:
                    raise StateConflict(f"Contact {offer.contact_id} has two open offers.")
                self.offered_contact_ids.add(offer.contact_id)
                load = self.reserved.setdefault(offer.agent_id, {})
                load[offer.channel] = load.get(offer.channel, 0) + 1
                continue
            self.decisions.append(
                ExpireOffer(offer.contact_id, offer.agent_id, offer.queue_id, self.now)
            )
            self.events.append(
                Event(
                    EventName.OFFER_TIMED_OUT,
                    self.now,
                    offer.contact_id,
                    offer.agent_id,
                    offer.queue_id,
                )
            )
            self.extra_excluded.setdefault(offer.contact_id, set()).add(offer.agent_id)
            agent = agents.get(offer.agent_id)
            if agent is None or agent.presence not in ROUTABLE_PRESENCES:
                continue
            count = timeouts.get(agent.id, agent.consecutive_timeouts) + 1
            timeouts[agent.id] = count
            queue = self.queues.get(offer.queue_id)
            limit = queue.max_consecutive_timeouts if queue is not None else 3
            if count >= limit and agent.id not in self.set_away:
                self.set_away.add(agent.id)
                self.decisions.append(SetAgentAway(agent.id, count))
                self.events.append(
                    self._state_event(agent.id, agent.presence, Presence.AWAY, "timeouts")
                )

    def _state_event(self, agent_id: str, old: Presence, new: Presence, reason: str) -> Event:
        data = {"from": old.value, "to": new.value, "reason": reason}
        return Event(EventName.AGENT_STATE_CHANGED, self.now, agent_id=agent_id, data=data)

    def free_slots(self, agents: Iterable[Agent], staffed: set[str]) -> list[AgentSlot]:
        slots: list[AgentSlot] = []
        for agent in agents:
            presence = agent.presence
            if (
                presence is Presence.WRAP_UP
                and agent.wrap_up_until is not None
                and agent.wrap_up_until <= self.now
            ):
                presence = Presence.BUSY if any(agent.load.values()) else Presence.AVAILABLE
                self.decisions.append(EndWrapUp(agent.id, presence))
                self.events.append(
                    self._state_event(agent.id, Presence.WRAP_UP, presence, "wrap_up_over")
                )
            if presence in STAFFED_PRESENCES and agent.id not in self.set_away:
                staffed.update(agent.queue_ids)
            if presence not in ROUTABLE_PRESENCES or agent.id in self.set_away:
                continue
            load: Mapping[Channel, int] = agent.load
            extra = self.reserved.get(agent.id)
            if extra:
                merged = dict(load)
                for channel, count in extra.items():
                    merged[channel] = merged.get(channel, 0) + count
                load = merged
            if load and any(load.values()):
                free = frozenset(
                    c for c in agent.capacity if channel_is_free(c, agent.capacity, load)
                )
            else:
                free = agent.channels
            if free:
                slots.append(make_slot(agent, load, free))
        return slots

    def fallback(
        self, contact: Contact, queue: Queue, kind: FallbackKind | None, reason: str
    ) -> None:
        if kind is None or (
            kind is FallbackKind.CALLBACK_OFFER and contact.channel is Channel.CALLBACK
        ):
            return
        self.decisions.append(Fallback(contact.id, queue.id, kind, reason))
        data = {"kind": kind.value, "reason": reason}
        self.events.append(
            Event(EventName.FALLBACK_GIVEN, self.now, contact.id, None, queue.id, data)
        )

    def offer(self, contact: Contact, queue: Queue, slot: AgentSlot) -> Offer:
        expiry = self.expiry_by_queue.get(queue.id)
        if expiry is None:
            expires = self.now + timedelta(seconds=queue.offer_timeout_seconds)
            expiry = self.expiry_by_queue[queue.id] = (expires, expires.isoformat())
        expires_at, expires_text = expiry
        offer = Offer(contact.id, slot.agent.id, queue.id, contact.channel, self.now, expires_at)
        self.decisions.append(offer)
        data = {"channel": str(contact.channel), "expires_at": expires_text}
        self.events.append(
            Event(EventName.OFFERED, self.now, contact.id, slot.agent.id, queue.id, data)
        )
        return offer
