"""Apply the decisions of :func:`route` to contacts and agents.

``route`` already returned the events of its decisions; these functions only give the
new state to store (``Transition.events`` is empty). Offers change no contact or agent
(store the offer: open offers reserve capacity); fallbacks are the channel's business
(play the message, offer the callback) and end the contact's wait.
"""

from dataclasses import replace
from datetime import datetime

from distans.core.errors import StateConflict
from distans.core.routing.decisions import EndWrapUp, ExpireOffer, Overflow, SetAgentAway
from distans.core.routing.lifecycle import Transition
from distans.core.routing.model import Agent, Contact, Presence


def apply_expire_offer(decision: ExpireOffer, contact: Contact, agent: Agent | None) -> Transition:
    """The contact excludes the agent; the agent's consecutive timeouts grow by one."""
    if contact.id != decision.contact_id or (agent is not None and agent.id != decision.agent_id):
        raise StateConflict("This expiry is for another contact or agent.")
    new_contact = replace(
        contact, excluded_agent_ids=contact.excluded_agent_ids | {decision.agent_id}
    )
    new_agent = None
    if agent is not None:
        new_agent = replace(agent, consecutive_timeouts=agent.consecutive_timeouts + 1)
    return Transition(new_contact, new_agent, ())


def apply_set_agent_away(decision: SetAgentAway, agent: Agent, now: datetime) -> Transition:
    """The agent is away (not responding) with the counted timeouts."""
    if agent.id != decision.agent_id:
        raise StateConflict("This decision is for another agent.")
    new = replace(
        agent,
        presence=Presence.AWAY,
        presence_changed_at=now,
        consecutive_timeouts=decision.consecutive_timeouts,
    )
    return Transition(None, new, ())


def apply_end_wrap_up(decision: EndWrapUp, agent: Agent, now: datetime) -> Transition:
    """The agent's wrap-up is over: the decided presence, no wrap-up deadline."""
    if agent.id != decision.agent_id:
        raise StateConflict("This decision is for another agent.")
    new = replace(agent, presence=decision.presence, wrap_up_until=None, presence_changed_at=now)
    return Transition(None, new, ())


def apply_overflow(decision: Overflow, contact: Contact, now: datetime) -> Transition:
    """Move the contact: new queue, its timers restart, the old queue is remembered.

    ``enqueued_at`` (place in line) and exclusions are kept; remembering the old queue
    in ``visited_queue_ids`` stops overflow loops (A → B → A).
    """
    if contact.id != decision.contact_id or contact.queue_id != decision.from_queue_id:
        raise StateConflict(f"Contact {contact.id} is no longer in queue {decision.from_queue_id}.")
    new = replace(
        contact,
        queue_id=decision.to_queue_id,
        queue_entered_at=now,
        visited_queue_ids=contact.visited_queue_ids | {decision.from_queue_id},
    )
    return Transition(new, None, ())
