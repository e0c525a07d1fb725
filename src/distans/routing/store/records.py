"""What routing's store hands over, whichever database holds it: plain records, no
queries (see :mod:`distans.routing.store`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from distans.core import routing as core
from distans.routing.models import AgentState

#: Presences routed to (as stored): an agent row in any other is not in the table.
ROUTABLE = frozenset(str(p) for p in core.ROUTABLE_PRESENCES)


#: Core agents already built, by agent state pk: the columns they were built from (all
#: but the version and the open offers) and the agent (see :func:`_agent_row`).
BuiltAgents = dict[int, tuple[tuple[Any, ...], core.Agent]]


@dataclass
class Locked:
    """What the locked rows hold now: presence by person id; (status, channel) by
    contact id."""

    presence: dict[int, str] = field(default_factory=dict)
    contacts: dict[int, tuple[str, str]] = field(default_factory=dict)


@dataclass
class AgentRow:
    """One agent as routing reads it: ``agent`` with their load and queues (``None``
    when not routable) and their open offers (channel and expiry time, each)."""

    pk: int
    version: int
    person_id: int
    agent: core.Agent | None
    offers: list[tuple[str, datetime]]


@dataclass
class AgentChanges:
    """What changed among an organisation's agents since a watermark (or, when
    ``full``, every routable agent), read on PostgreSQL for :mod:`free_agents`."""

    rows: list[AgentRow]
    #: Where the next read starts: the oldest transaction still running when this read
    #: began (a 32-bit transaction id, as text). Every transaction whose changes the
    #: read could not see has an id at or above it.
    watermark: str
    full: bool


@dataclass
class ArrivalReads:
    """What a targeted round for arrivals reads, read at once."""

    contacts: list[core.Contact]
    #: ``None`` when none of the arrivals waited any more (nothing was read).
    changes: AgentChanges | None
    waiting: tuple[set[tuple[int, str]], int]


@dataclass
class FreedAgent:
    state: AgentState
    load: dict[str, int]
    queue_ids: list[int]
    #: The channels of the agent's unexpired open offers (one per offer).
    reserved: list[str]
    #: Waiting contacts transferred in person to this agent.
    targeted: list[int]


def _as_int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def event_rows(organisation_id: int, events: Iterable[core.Event]) -> list[tuple[Any, ...]]:
    return [
        (
            organisation_id,
            str(event.name),
            event.at,
            _as_int(event.contact_id),
            _as_int(event.agent_id),
            _as_int(event.queue_id),
            dict(event.data),
        )
        for event in events
    ]
