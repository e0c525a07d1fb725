"""Pure transitions of the offer and agent lifecycle.

Each function checks that the transition is allowed (else :class:`StateConflict`) and
returns a :class:`Transition`: the new contact and/or agent (``None`` = unchanged or
not involved) and the events to append. Nothing is mutated.

offered → accepted | declined | offer_timed_out (→ offered to the next agent);
accepted → completed → wrap-up for ``queue.wrap_up_seconds`` → available;
accepted → transferred (to a queue or a person) | not_answered (the agent's phone
did not answer: waits again, same place); waiting → callback_requested (keeps
``enqueued_at``, so the caller keeps their place in line) | abandoned.
"""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from distans.core.errors import InvalidInput, StateConflict
from distans.core.routing.decisions import Event, EventName
from distans.core.routing.model import (
    ROUTABLE_PRESENCES,
    Agent,
    Channel,
    Contact,
    Offer,
    Presence,
    Queue,
)
from distans.core.routing.rules import channel_is_free


@dataclass(frozen=True, slots=True)
class Transition:
    """Result of a transition: changed contact/agent (``None`` if not changed) and events."""

    contact: Contact | None
    agent: Agent | None
    events: tuple[Event, ...]


def _state_event(agent: Agent, new: Presence, now: datetime, reason: str) -> Event:
    data = {"from": agent.presence.value, "to": new.value, "reason": reason}
    return Event(EventName.AGENT_STATE_CHANGED, now, agent_id=agent.id, data=data)


def _check_offer(offer: Offer, agent: Agent, contact: Contact | None = None) -> None:
    if offer.agent_id != agent.id:
        raise StateConflict(f"The offer of contact {offer.contact_id} is not for agent {agent.id}.")
    if contact is not None and offer.contact_id != contact.id:
        raise StateConflict(f"The offer is for contact {offer.contact_id}, not {contact.id}.")


def enqueue(contact: Contact, now: datetime) -> Transition:
    """A contact joined its queue: the ``contact_queued`` event."""
    data = {"channel": contact.channel.value, "priority": contact.priority}
    event = Event(EventName.CONTACT_QUEUED, now, contact.id, None, contact.queue_id, data)
    return Transition(contact, None, (event,))


def accept(offer: Offer, agent: Agent, now: datetime) -> Transition:
    """The agent accepts an open offer: load +1 on its channel, presence busy, timeouts reset."""
    _check_offer(offer, agent)
    if now >= offer.expires_at:
        raise StateConflict("This offer has expired.")
    if agent.presence not in ROUTABLE_PRESENCES:
        raise StateConflict(f"Agent {agent.id} is {agent.presence.value} and cannot accept.")
    if not channel_is_free(offer.channel, agent.capacity, agent.load):
        raise StateConflict(f"Agent {agent.id} has no free capacity for {offer.channel.value}.")
    load = dict(agent.load)
    load[offer.channel] = load.get(offer.channel, 0) + 1
    new = replace(agent, load=load, presence=Presence.BUSY, consecutive_timeouts=0)
    events = [
        Event(
            EventName.ACCEPTED,
            now,
            offer.contact_id,
            agent.id,
            offer.queue_id,
            {"answered_seconds": (now - offer.offered_at).total_seconds()},
        )
    ]
    if agent.presence is not Presence.BUSY:
        events.append(_state_event(agent, Presence.BUSY, now, "accepted"))
    return Transition(None, new, tuple(events))


def decline(offer: Offer, contact: Contact, agent: Agent, now: datetime) -> Transition:
    """The agent declines: the contact waits again without this agent; timeouts reset."""
    _check_offer(offer, agent, contact)
    new_contact = replace(contact, excluded_agent_ids=contact.excluded_agent_ids | {agent.id})
    new_agent = replace(agent, consecutive_timeouts=0)
    event = Event(EventName.DECLINED, now, contact.id, agent.id, offer.queue_id)
    return Transition(new_contact, new_agent, (event,))


def time_out(
    offer: Offer, contact: Contact, agent: Agent, queue: Queue, now: datetime
) -> Transition:
    """The offer expired unanswered; after ``queue.max_consecutive_timeouts`` the agent is away."""
    _check_offer(offer, agent, contact)
    if now < offer.expires_at:
        raise StateConflict("This offer has not expired yet.")
    new_contact = replace(contact, excluded_agent_ids=contact.excluded_agent_ids | {agent.id})
    count = agent.consecutive_timeouts + 1
    events = [Event(EventName.OFFER_TIMED_OUT, now, contact.id, agent.id, offer.queue_id)]
    new_agent = replace(agent, consecutive_timeouts=count)
    if count >= queue.max_consecutive_timeouts and agent.presence in ROUTABLE_PRESENCES:
        events.append(_state_event(agent, Presence.AWAY, now, "timeouts"))
        new_agent = replace(new_agent, presence=Presence.AWAY, presence_changed_at=now)
    return Transition(new_contact, new_agent, tuple(events))


def not_answered(contact: Contact, agent: Agent, now: datetime) -> Transition:
    """An accepted call the agent's phone did not answer (not registered, rang out,
    rejected): the contact waits again without this agent, keeping ``enqueued_at`` (its
    place in line); the agent's load is released and they are set away, as after
    expired offers."""
    load = _released(agent, contact.channel, now)
    new_contact = replace(contact, excluded_agent_ids=contact.excluded_agent_ids | {agent.id})
    events = [
        Event(
            EventName.OFFER_TIMED_OUT,
            now,
            contact.id,
            agent.id,
            contact.queue_id,
            {"reason": "not_answered"},
        )
    ]
    new_agent = replace(agent, load=load, consecutive_timeouts=0)
    if agent.presence in (*ROUTABLE_PRESENCES, Presence.WRAP_UP):
        events.append(_state_event(agent, Presence.AWAY, now, "not_answered"))
        new_agent = replace(new_agent, presence=Presence.AWAY, presence_changed_at=now)
    return Transition(new_contact, new_agent, tuple(events))


def _released(agent: Agent, channel: Channel, now: datetime) -> dict[Channel, int]:
    if agent.load.get(channel, 0) < 1:
        raise StateConflict(f"Agent {agent.id} has no {channel.value} contact in progress.")
    load = dict(agent.load)
    load[channel] -= 1
    return load


def complete(
    agent: Agent, contact_id: str, channel: Channel, queue: Queue, now: datetime
) -> Transition:
    """The agent ends a contact: load −1, then wrap-up for ``queue.wrap_up_seconds`` (if > 0).

    An agent on break, away or offline keeps that presence (the break started meanwhile).
    """
    load = _released(agent, channel, now)
    events = [
        Event(EventName.COMPLETED, now, contact_id, agent.id, queue.id, {"channel": channel.value})
    ]
    new = replace(agent, load=load, last_contact_ended_at=now)
    if agent.presence in (Presence.AVAILABLE, Presence.BUSY, Presence.WRAP_UP):
        if queue.wrap_up_seconds > 0:
            until = now + timedelta(seconds=queue.wrap_up_seconds)
            if agent.wrap_up_until is not None and agent.presence is Presence.WRAP_UP:
                until = max(until, agent.wrap_up_until)
            target = Presence.WRAP_UP
            new = replace(new, wrap_up_until=until)
        else:
            target = Presence.BUSY if any(load.values()) else Presence.AVAILABLE
        if target is not agent.presence:
            events.append(_state_event(agent, target, now, "completed"))
            new = replace(new, presence=target, presence_changed_at=now)
    return Transition(None, new, tuple(events))


def end_wrap_up(agent: Agent, now: datetime, early: bool = False) -> Transition:
    """Wrap-up is over (``wrap_up_until`` reached, or ``early`` on the agent's request)."""
    if agent.presence is not Presence.WRAP_UP:
        raise StateConflict(f"Agent {agent.id} is not in wrap-up.")
    if not early and agent.wrap_up_until is not None and now < agent.wrap_up_until:
        raise StateConflict(f"Agent {agent.id}'s wrap-up is not over yet.")
    target = Presence.BUSY if any(agent.load.values()) else Presence.AVAILABLE
    event = _state_event(agent, target, now, "wrap_up_over")
    new = replace(agent, presence=target, wrap_up_until=None, presence_changed_at=now)
    return Transition(None, new, (event,))


def transfer(
    contact: Contact,
    now: datetime,
    *,
    to_queue_id: str | None = None,
    to_agent_id: str | None = None,
    from_agent: Agent | None = None,
) -> Transition:
    """Transfer a contact to a queue or to a person (exactly one of the two).

    The contact keeps ``enqueued_at`` (its place in line); its queue timers restart and
    exclusions are cleared. A person transfer sets ``target_agent_id`` and keeps the
    queue (only that agent will be offered it). ``from_agent``, if given, is released
    (load −1, no wrap-up).
    """
    if (to_queue_id is None) == (to_agent_id is None):
        raise InvalidInput("Transfer to exactly one of a queue or an agent.")
    new_contact = replace(
        contact,
        queue_id=to_queue_id or contact.queue_id,
        queue_entered_at=now,
        target_agent_id=to_agent_id,
        excluded_agent_ids=frozenset(),
    )
    new_agent = None
    if from_agent is not None:
        load = _released(from_agent, contact.channel, now)
        presence = from_agent.presence
        if presence is Presence.BUSY and not any(load.values()):
            presence = Presence.AVAILABLE
        new_agent = replace(from_agent, load=load, last_contact_ended_at=now, presence=presence)
    data = {"to_queue_id": to_queue_id, "to_agent_id": to_agent_id}
    by = from_agent.id if from_agent is not None else None
    event = Event(EventName.TRANSFERRED, now, contact.id, by, contact.queue_id, data)
    return Transition(new_contact, new_agent, (event,))


def request_callback(contact: Contact, now: datetime, number: str | None = None) -> Transition:
    """The caller asks to be called back: same place in line, channel ``callback``."""
    if contact.channel is Channel.CALLBACK:
        raise StateConflict(f"Contact {contact.id} is already a callback.")
    attributes = dict(contact.attributes)
    if number is not None:
        attributes["callback_number"] = number
    new = replace(contact, channel=Channel.CALLBACK, queue_entered_at=now, attributes=attributes)
    event = Event(EventName.CALLBACK_REQUESTED, now, contact.id, None, contact.queue_id)
    return Transition(new, None, (event,))


def abandon(contact: Contact, now: datetime) -> Transition:
    """The contact gave up waiting (hung up, closed the chat)."""
    waited = (now - contact.enqueued_at).total_seconds()
    event = Event(
        EventName.ABANDONED, now, contact.id, None, contact.queue_id, {"waited_seconds": waited}
    )
    return Transition(None, None, (event,))


def set_presence(
    agent: Agent, presence: Presence, now: datetime, reason: str | None = None
) -> Transition:
    """The agent (or a supervisor) sets presence; ``break`` needs a reason. Available resets timeouts."""
    if presence is Presence.BREAK and not reason:
        raise InvalidInput("A break needs a reason.")
    timeouts = 0 if presence in ROUTABLE_PRESENCES else agent.consecutive_timeouts
    new = replace(
        agent,
        presence=presence,
        break_reason=reason if presence is Presence.BREAK else None,
        presence_changed_at=now,
        consecutive_timeouts=timeouts,
        wrap_up_until=agent.wrap_up_until if presence is Presence.WRAP_UP else None,
    )
    event = _state_event(agent, presence, now, reason or "set")
    return Transition(None, new, (event,))


def set_location(agent: Agent, site_id: str | None, now: datetime) -> Transition:
    """The agent now works from ``site_id`` (home, an office)."""
    data = {"from": agent.site_id, "to": site_id}
    event = Event(EventName.AGENT_LOCATION_CHANGED, now, agent_id=agent.id, data=data)
    return Transition(None, replace(agent, site_id=site_id), (event,))
