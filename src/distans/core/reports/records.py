"""The facts reports are built from: one outcome per contact, one span per login.

The web side derives these from the event log (issue 3): a ``ContactOutcome`` when a
contact is completed or abandoned, a ``LoggedInSpan`` from an agent's log-in to log-out
(or from consecutive ``agent_state_changed`` events that are not "offline"). The CSV
history import (:mod:`.import_csv`) produces ``ContactOutcome`` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from distans.core.errors import InvalidInput

#: The dimensions a report can be grouped and filtered by, in key order.
DIMENSIONS = ("queue", "channel", "topic", "team", "agent", "location")


class Outcome(StrEnum):
    """How a contact left the queue.

    ``other`` covers contacts that were offered but neither answered by an agent nor
    abandoned by the customer (e.g. sent to voicemail, a callback offer or a closed
    message): they count in *offered* only.
    """

    ANSWERED = "answered"
    ABANDONED = "abandoned"
    OTHER = "other"


class GroupKey(NamedTuple):
    """The dimension values of one aggregate row (empty string = not known)."""

    queue: str = ""
    channel: str = ""
    topic: str = ""
    team: str = ""
    agent: str = ""
    location: str = ""


class AgentKey(NamedTuple):
    """The dimension values of one logged-in time row."""

    team: str = ""
    agent: str = ""
    location: str = ""


@dataclass(frozen=True, slots=True)
class ContactOutcome:
    """One contact's outcome, as counted by reports.

    ``arrived_at`` is when the contact entered the queue (timezone-aware);
    ``waited_seconds`` the time in queue until answered or abandoned;
    ``handled_seconds`` the talk/handling time; ``wrap_up_seconds`` the after-contact
    work. A contact is reported in the interval it arrived in.
    """

    arrived_at: datetime
    queue: str
    channel: str
    outcome: Outcome
    waited_seconds: float
    handled_seconds: float = 0.0
    wrap_up_seconds: float = 0.0
    topic: str = ""
    team: str = ""
    agent: str = ""
    location: str = ""

    def __post_init__(self) -> None:
        if self.arrived_at.tzinfo is None or self.arrived_at.utcoffset() is None:
            raise InvalidInput("arrived_at must be a timezone-aware datetime")
        for name in ("waited_seconds", "handled_seconds", "wrap_up_seconds"):
            if getattr(self, name) < 0:
                raise InvalidInput(f"{name} must not be negative")

    @property
    def group_key(self) -> GroupKey:
        """The record's values for :data:`DIMENSIONS`."""
        return GroupKey(self.queue, self.channel, self.topic, self.team, self.agent, self.location)


@dataclass(frozen=True, slots=True)
class LoggedInSpan:
    """An agent logged in from ``started_at`` to ``ended_at`` at one location."""

    agent: str
    started_at: datetime
    ended_at: datetime
    team: str = ""
    location: str = ""

    def __post_init__(self) -> None:
        for value in (self.started_at, self.ended_at):
            if value.tzinfo is None or value.utcoffset() is None:
                raise InvalidInput("logged-in spans need timezone-aware datetimes")
        if self.ended_at < self.started_at:
            raise InvalidInput("a logged-in span cannot end before it starts")

    @property
    def agent_key(self) -> AgentKey:
        """The span's team, agent and location."""
        return AgentKey(self.team, self.agent, self.location)
