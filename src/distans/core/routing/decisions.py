"""What the routing core returns: decisions for the caller to apply, and domain events.

Decisions are commands ("offer this contact to that agent"); the Django side applies
them in a transaction and appends the matching events to the event log.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import NamedTuple

from distans.core.routing.model import FallbackKind, Offer, Presence


class EventName(StrEnum):
    """Names of the domain events in the append-only event log."""

    CONTACT_QUEUED = "contact_queued"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    OFFER_TIMED_OUT = "offer_timed_out"
    TRANSFERRED = "transferred"
    OVERFLOWED = "overflowed"
    FALLBACK_GIVEN = "fallback_given"
    CALLBACK_REQUESTED = "callback_requested"
    ABANDONED = "abandoned"
    COMPLETED = "completed"
    AGENT_STATE_CHANGED = "agent_state_changed"
    AGENT_LOCATION_CHANGED = "agent_location_changed"
    #: An open offer withdrawn (the agent left, wrapped up, logged out): Django side only.
    OFFER_CANCELLED = "offer_cancelled"
    #: The queues an agent serves were replaced (a supervisor's change): Django side only.
    AGENT_QUEUES_CHANGED = "agent_queues_changed"


EventValue = str | int | float | bool | None


_NO_DATA: Mapping[str, EventValue] = MappingProxyType({})


class Event(NamedTuple):
    """One domain event: what happened, when (aware UTC), to whom, plus small details.

    A NamedTuple for the same reason as :class:`Offer` (cheap to build in bulk).
    """

    name: EventName
    at: datetime
    contact_id: str | None = None
    agent_id: str | None = None
    queue_id: str | None = None
    data: Mapping[str, EventValue] = _NO_DATA


def event_to_dict(event: Event) -> dict[str, EventValue | dict[str, EventValue]]:
    """A JSON-ready dict of ``event`` (``at`` as ISO 8601 UTC), e.g. for a JSONField."""
    return {
        "name": event.name.value,
        "at": event.at.isoformat(),
        "contact_id": event.contact_id,
        "agent_id": event.agent_id,
        "queue_id": event.queue_id,
        "data": {key: str(v) if isinstance(v, StrEnum) else v for key, v in event.data.items()},
    }


@dataclass(frozen=True, slots=True)
class ExpireOffer:
    """The offer of ``contact_id`` to ``agent_id`` timed out; the contact waits again."""

    contact_id: str
    agent_id: str
    queue_id: str
    expired_at: datetime


@dataclass(frozen=True, slots=True)
class Overflow:
    """Move ``contact_id`` from ``from_queue_id`` to ``to_queue_id`` (reason: rule that fired)."""

    contact_id: str
    from_queue_id: str
    to_queue_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Fallback:
    """Give ``contact_id`` the queue's fallback (reason ``max_wait`` or ``closed``)."""

    contact_id: str
    queue_id: str
    kind: FallbackKind
    reason: str


@dataclass(frozen=True, slots=True)
class SetAgentAway:
    """Set ``agent_id`` to away: they let ``consecutive_timeouts`` offers in a row time out."""

    agent_id: str
    consecutive_timeouts: int


@dataclass(frozen=True, slots=True)
class EndWrapUp:
    """``agent_id``'s wrap-up time is over; their presence becomes ``presence``."""

    agent_id: str
    presence: Presence


Decision = Offer | ExpireOffer | Overflow | Fallback | SetAgentAway | EndWrapUp


@dataclass(frozen=True, slots=True)
class RoutingResult:
    """Decisions and events of one routing round, plus the round-robin cursors to keep.

    ``round_robin_after`` maps queue id to the last agent offered a contact from it; pass
    it back into the next round (persist it per queue).
    """

    decisions: tuple[Decision, ...]
    events: tuple[Event, ...]
    round_robin_after: Mapping[str, str]

    @property
    def offers(self) -> list[Offer]:
        """The new offers of this round."""
        return [d for d in self.decisions if isinstance(d, Offer)]
