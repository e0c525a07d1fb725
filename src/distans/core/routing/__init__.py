"""The pure routing core: which agent gets which waiting contact, and when.

A full round: :func:`route` (one round over all queues). After one event: the targeted
round's decision, :func:`distans.core.routing.targeted.decide_targeted`, over the part
of the state the event can change; both offer with the one greedy of
:mod:`~distans.core.routing.round_offers`. Strategy order: :mod:`strategy`. Lifecycle
transitions: :mod:`distans.core.routing.lifecycle`. See docs/dev/routing.md.
"""

from distans.core.routing.decisions import (
    Decision,
    EndWrapUp,
    Event,
    EventName,
    ExpireOffer,
    Fallback,
    Overflow,
    RoutingResult,
    SetAgentAway,
    event_to_dict,
)
from distans.core.routing.engine import route
from distans.core.routing.lifecycle import Transition
from distans.core.routing.model import (
    DEFAULT_CAPACITY,
    EXCLUSIVE_CHANNELS,
    ROUTABLE_PRESENCES,
    STAFFED_PRESENCES,
    Agent,
    Channel,
    Contact,
    FallbackKind,
    Offer,
    OverflowRule,
    Presence,
    Queue,
    Strategy,
    WideningStep,
)
from distans.core.routing.rules import (
    effective_priority,
    effective_requirements,
    next_rule_change,
)

__all__ = [
    "DEFAULT_CAPACITY",
    "EXCLUSIVE_CHANNELS",
    "ROUTABLE_PRESENCES",
    "STAFFED_PRESENCES",
    "Agent",
    "Channel",
    "Contact",
    "Decision",
    "EndWrapUp",
    "Event",
    "EventName",
    "ExpireOffer",
    "Fallback",
    "FallbackKind",
    "Offer",
    "Overflow",
    "OverflowRule",
    "Presence",
    "Queue",
    "RoutingResult",
    "SetAgentAway",
    "Strategy",
    "Transition",
    "WideningStep",
    "effective_priority",
    "effective_requirements",
    "event_to_dict",
    "next_rule_change",
    "route",
]
