"""Plain data the routing core works on: contacts, agents, queues and open offers.

All classes are frozen dataclasses; the core never mutates them. Transitions
(lifecycle.py) return new instances with ``dataclasses.replace``. Times are aware UTC.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from distans.core.calendar import OpeningCalendar
from distans.core.errors import InvalidInput

MIN_SKILL_LEVEL = 1
MAX_SKILL_LEVEL = 9


class Channel(StrEnum):
    """How a contact reaches the organisation."""

    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    FORM = "form"
    CALLBACK = "callback"


#: A contact on these channels takes the agent's whole attention: it needs an agent
#: with no other load at all, and while it (or an offer for it) is open the agent gets
#: nothing else.
EXCLUSIVE_CHANNELS = frozenset({Channel.PHONE, Channel.CALLBACK})

#: Default capacity per channel (1 call, 3 chats, 5 e-mails, 5 forms, 1 callback).
DEFAULT_CAPACITY: Mapping[Channel, int] = {
    Channel.PHONE: 1,
    Channel.CALLBACK: 1,
    Channel.CHAT: 3,
    Channel.EMAIL: 5,
    Channel.FORM: 5,
}


class Presence(StrEnum):
    """An agent's presence. Only ``available`` and ``busy`` agents receive offers."""

    AVAILABLE = "available"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    BREAK = "break"
    AWAY = "away"
    OFFLINE = "offline"


#: Presences that may receive offers (capacity permitting).
ROUTABLE_PRESENCES = frozenset({Presence.AVAILABLE, Presence.BUSY})
#: Presences that count as "someone is working this queue" for the no-agents overflow.
STAFFED_PRESENCES = frozenset({Presence.AVAILABLE, Presence.BUSY, Presence.WRAP_UP})


class Strategy(StrEnum):
    """How a queue picks among eligible free agents (see docs/dev/routing.md)."""

    LONGEST_IDLE = "longest_idle"
    LEAST_OCCUPIED = "least_occupied"
    ROUND_ROBIN = "round_robin"
    BEST_SKILL = "best_skill"


class FallbackKind(StrEnum):
    """What a contact gets when it may wait no longer (or the queue is closed)."""

    CALLBACK_OFFER = "callback_offer"
    VOICEMAIL = "voicemail"
    CLOSED_MESSAGE = "closed_message"


def _require_aware(name: str, value: datetime | None) -> None:
    if value is not None and value.utcoffset() is None:
        raise InvalidInput(f"{name} must be a timezone-aware datetime.")


@dataclass(frozen=True, slots=True)
class Contact:
    """A contact waiting in a queue (or being offered).

    ``enqueued_at`` is its place in line: kept across callback requests, overflow and
    transfer. ``queue_entered_at`` (defaults to ``enqueued_at``) starts the current
    queue's timers: skill widening, overflow after a wait and the maximum wait.
    ``required_skills`` maps skill name to minimum level 1–9. ``target_agent_id`` is
    set by a transfer to a person: only that agent may get it. ``excluded_agent_ids``
    are agents who declined or let an offer for it time out.
    """

    id: str
    channel: Channel
    queue_id: str
    enqueued_at: datetime
    priority: int = 0
    required_skills: Mapping[str, int] = field(default_factory=dict)
    language: str | None = None
    queue_entered_at: datetime | None = None
    target_agent_id: str | None = None
    excluded_agent_ids: frozenset[str] = frozenset()
    visited_queue_ids: frozenset[str] = frozenset()
    attributes: Mapping[str, str] = field(default_factory=dict)
    #: POSIX seconds of ``enqueued_at`` and ``queue_entered_at``, cached for the hot loop.
    enqueued_ts: float = field(init=False, repr=False, compare=False)
    entered_ts: float = field(init=False, repr=False, compare=False)
    #: ``required_skills`` as a sorted tuple of (skill, level): hashable, for grouping.
    requirement_key: tuple[tuple[str, int], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _require_aware("enqueued_at", self.enqueued_at)
        _require_aware("queue_entered_at", self.queue_entered_at)
        if self.queue_entered_at is None:
            object.__setattr__(self, "queue_entered_at", self.enqueued_at)
        object.__setattr__(self, "enqueued_ts", self.enqueued_at.timestamp())
        object.__setattr__(self, "entered_ts", self.entered_at.timestamp())
        object.__setattr__(self, "requirement_key", tuple(sorted(self.required_skills.items())))
        for skill, level in self.required_skills.items():
            if not MIN_SKILL_LEVEL <= level <= MAX_SKILL_LEVEL:
                raise InvalidInput(f"Required level of skill {skill!r} must be 1–9, got {level}.")

    @property
    def entered_at(self) -> datetime:
        """When the contact entered its current queue (never ``None`` after init)."""
        assert self.queue_entered_at is not None
        return self.queue_entered_at


@dataclass(frozen=True, slots=True)
class Agent:
    """An agent as routing sees them.

    ``load`` counts accepted contacts in progress per channel (open offers are passed
    separately and reserve capacity on top). ``skills`` maps skill name to level 1–9.
    An empty ``languages`` set means the agent takes any language. ``site_id`` is
    where the agent works from (home, an office); routing does not filter on it.
    """

    id: str
    presence: Presence = Presence.OFFLINE
    queue_ids: frozenset[str] = frozenset()
    skills: Mapping[str, int] = field(default_factory=dict)
    languages: frozenset[str] = frozenset()
    capacity: Mapping[Channel, int] = field(default_factory=lambda: dict(DEFAULT_CAPACITY))
    load: Mapping[Channel, int] = field(default_factory=dict)
    site_id: str | None = None
    break_reason: str | None = None
    presence_changed_at: datetime | None = None
    last_contact_ended_at: datetime | None = None
    wrap_up_until: datetime | None = None
    consecutive_timeouts: int = 0
    #: POSIX seconds of ``idle_since`` (−inf if unknown), cached for the hot loop.
    idle_ts: float = field(init=False, repr=False, compare=False)
    #: Channels with capacity > 0, cached: the free channels of an agent with no load.
    channels: frozenset[Channel] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "channels", frozenset(c for c, n in self.capacity.items() if n > 0)
        )
        idle = self.last_contact_ended_at or self.presence_changed_at
        object.__setattr__(self, "idle_ts", idle.timestamp() if idle is not None else float("-inf"))
        _require_aware("presence_changed_at", self.presence_changed_at)
        _require_aware("last_contact_ended_at", self.last_contact_ended_at)
        _require_aware("wrap_up_until", self.wrap_up_until)
        for skill, level in self.skills.items():
            if not MIN_SKILL_LEVEL <= level <= MAX_SKILL_LEVEL:
                raise InvalidInput(
                    f"Agent {self.id}: level of skill {skill!r} must be 1–9, got {level}."
                )
        if any(n < 0 for n in self.capacity.values()) or any(n < 0 for n in self.load.values()):
            raise InvalidInput(f"Agent {self.id}: capacity and load must not be negative.")

    @property
    def idle_since(self) -> datetime | None:
        """When the agent last became idle: the end of their last contact, else the presence change."""
        return self.last_contact_ended_at or self.presence_changed_at


@dataclass(frozen=True, slots=True)
class WideningStep:
    """After ``after_seconds`` in the queue, accept agents at ``min_level`` or above.

    The contact's required level of each skill becomes ``min(required, min_level)``.
    ``min_level=None`` means anyone serving the queue (skills and language dropped).
    """

    after_seconds: float
    min_level: int | None

    def __post_init__(self) -> None:
        if self.after_seconds < 0:
            raise InvalidInput("A widening step cannot start before 0 seconds.")
        if self.min_level is not None and not MIN_SKILL_LEVEL <= self.min_level <= MAX_SKILL_LEVEL:
            raise InvalidInput(f"A widening step's level must be 1–9, got {self.min_level}.")


@dataclass(frozen=True, slots=True)
class OverflowRule:
    """Move a waiting contact to ``to_queue_id`` when any of the given conditions holds.

    ``after_seconds``: the contact has waited that long in this queue.
    ``when_no_agents``: no agent serving this queue is available, busy or in wrap-up.
    ``when_longer_than``: the contact's position in line (1-based, after this round's
    offers) is beyond N, i.e. the newest contacts of an over-long queue move.
    """

    to_queue_id: str
    after_seconds: float | None = None
    when_no_agents: bool = False
    when_longer_than: int | None = None

    def __post_init__(self) -> None:
        if self.after_seconds is None and not self.when_no_agents and self.when_longer_than is None:
            raise InvalidInput(f"Overflow rule to {self.to_queue_id!r} has no condition.")


@dataclass(frozen=True)
class Queue:
    """A queue's routing configuration.

    Effective priority = ``priority + aging_per_minute × minutes since enqueued_at``;
    contacts are served by effective priority (highest first), then arrival.
    ``closed_fallback=None`` lets contacts wait for the queue to open (e-mail, forms).
    """

    id: str
    strategy: Strategy = Strategy.LONGEST_IDLE
    calendar: OpeningCalendar | None = None
    aging_per_minute: float = 0.0
    widening: tuple[WideningStep, ...] = ()
    overflow: tuple[OverflowRule, ...] = ()
    max_wait_seconds: float | None = None
    fallback: FallbackKind = FallbackKind.CALLBACK_OFFER
    closed_fallback: FallbackKind | None = FallbackKind.CLOSED_MESSAGE
    offer_timeout_seconds: float = 20.0
    wrap_up_seconds: float = 30.0
    max_consecutive_timeouts: int = 3

    def __post_init__(self) -> None:
        if self.aging_per_minute < 0:
            raise InvalidInput(f"Queue {self.id}: priority aging cannot be negative.")
        if self.offer_timeout_seconds <= 0 or self.wrap_up_seconds < 0:
            raise InvalidInput(
                f"Queue {self.id}: offer timeout must be > 0 and wrap-up >= 0 seconds."
            )
        if self.max_consecutive_timeouts < 1:
            raise InvalidInput(f"Queue {self.id}: max consecutive timeouts must be at least 1.")
        steps = tuple(sorted(self.widening, key=lambda s: s.after_seconds))
        caps = [0 if s.min_level is None else s.min_level for s in steps]
        if any(later > earlier for earlier, later in zip(caps, caps[1:], strict=False)):
            raise InvalidInput(
                f"Queue {self.id}: widening steps must only lower the level over time."
            )
        object.__setattr__(self, "widening", steps)

    def is_open(self, at: datetime) -> bool:
        """Return whether the queue takes contacts at ``at`` (no calendar = always open)."""
        return self.calendar is None or self.calendar.is_open(at)


class Offer(NamedTuple):
    """An offer of a contact to an agent; open until accepted, declined or ``expires_at``.

    A NamedTuple (immutable, and several times cheaper to build than a frozen dataclass:
    a round builds thousands).
    """

    contact_id: str
    agent_id: str
    queue_id: str
    channel: Channel
    offered_at: datetime
    expires_at: datetime
