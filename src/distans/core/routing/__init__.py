"""The pure routing core: which agent gets which waiting contact, and when.

Batch: :func:`route` (one round over all queues). Per event: :func:`best_agent_for_contact`
and its variants in :mod:`per_event`. Strategy order: :mod:`strategy`. Lifecycle
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
from distans.core.routing.per_event import (
    best_agent_for_contact,
    best_of_eligible,
    offer_event,
)
from distans.core.routing.rules import (
    contact_rank,
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
    "best_agent_for_contact",
    "best_of_eligible",
    "contact_rank",
    "effective_priority",
    "effective_requirements",
    "event_to_dict",
    "next_rule_change",
    "offer_event",
    "route",
]
