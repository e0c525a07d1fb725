"""An agent's routing columns, declared once.

Each :class:`AgentColumn` names an ``AgentState`` field, the SQL expression the agents'
read selects for it (PostgreSQL; times and JSON as text, parsed in C), how that text
becomes the field's Python value, and how the field's value becomes the pure core's
``Agent`` keyword. From :data:`AGENT_COLUMNS` follow the SELECT text of every agents'
read (``store/pg_agents.py``), the unpacking of its rows, the key under which a built agent is
reused (``pg_agents._agent_row``), the fields of the ORM reads and :func:`core_agent`, which
both the ORM and the SQL paths build agents with. Adding a field routing reads is one
entry here (plus the core's ``Agent`` field and its use).

The person id, the queues (membership table) and the load (active contacts) are not
``AgentState`` columns: they are joined in by every read and passed separately.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from distans.core import routing as core
from distans.routing.models import DEFAULT_CAPACITY

_CHANNELS = {c.value: c for c in core.Channel}
_EMPTY_JSON: dict[str, Callable[[], Any]] = {"{}": dict, "[]": list, "null": lambda: None}


def parse_json(value: object) -> Any:
    """JSON as PostgreSQL hands it over as text (the common empty values without the
    parser); anything else (already parsed) as it is."""
    if isinstance(value, str):
        empty = _EMPTY_JSON.get(value)
        return empty() if empty is not None else json.loads(value)
    return value


def _same(value: Any) -> Any:
    return value


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text is not None else None


def _capacity(value: Mapping[str, int] | None) -> dict[core.Channel, int]:
    return {_CHANNELS[k]: int(v) for k, v in {**DEFAULT_CAPACITY, **(value or {})}.items()}


@dataclass(frozen=True, slots=True)
class AgentColumn:
    #: The ``AgentState`` field.
    name: str
    #: Its expression in the agents' read (``s`` = routing_agentstate).
    sql: str
    #: The read's value → the field's Python value.
    from_sql: Callable[[Any], Any]
    #: The field's value → the core ``Agent``'s keyword :attr:`core_name`.
    to_core: Callable[[Any], Any]
    core_name: str
    #: Stored as JSON (the ORM-shaped reads parse it).
    is_json: bool = False


AGENT_COLUMNS: tuple[AgentColumn, ...] = (
    AgentColumn("presence", "s.presence", _same, core.Presence, "presence"),
    AgentColumn("break_reason", "s.break_reason", _same, lambda v: v or None, "break_reason"),
    AgentColumn("site_id", "s.site_id", _same, lambda v: str(v) if v else None, "site_id"),
    AgentColumn(
        "presence_changed_at",
        "s.presence_changed_at::text",
        datetime.fromisoformat,
        _same,
        "presence_changed_at",
    ),
    AgentColumn(
        "last_contact_ended_at",
        "s.last_contact_ended_at::text",
        _time,
        _same,
        "last_contact_ended_at",
    ),
    AgentColumn("wrap_up_until", "s.wrap_up_until::text", _time, _same, "wrap_up_until"),
    AgentColumn(
        "consecutive_timeouts", "s.consecutive_timeouts", _same, _same, "consecutive_timeouts"
    ),
    AgentColumn("skills", "s.skills::text", parse_json, lambda v: v or {}, "skills", True),
    AgentColumn(
        "languages",
        "s.languages::text",
        parse_json,
        lambda v: frozenset(v or ()),
        "languages",
        True,
    ),
    AgentColumn("capacity", "s.capacity::text", parse_json, _capacity, "capacity", True),
)

#: The declared fields' names, in order.
AGENT_FIELDS: tuple[str, ...] = tuple(c.name for c in AGENT_COLUMNS)
#: The declared fields stored as JSON.
AGENT_JSON_FIELDS: tuple[str, ...] = tuple(c.name for c in AGENT_COLUMNS if c.is_json)
_CONVERTERS = tuple((c.core_name, c.to_core) for c in AGENT_COLUMNS)
_PARSERS = tuple(c.from_sql for c in AGENT_COLUMNS)


def values_from_sql(texts: Sequence[Any]) -> list[Any]:
    """The declared fields' values from a read's columns (in :data:`AGENT_COLUMNS` order)."""
    return [parse(text) for parse, text in zip(_PARSERS, texts, strict=True)]


def values_of(state: Any) -> list[Any]:
    """The declared fields' values of an ``AgentState`` instance."""
    return [getattr(state, name) for name in AGENT_FIELDS]


def core_agent(
    person_id: int,
    queue_ids: Iterable[int | str],
    load: Mapping[str, int],
    values: Sequence[Any],
) -> core.Agent:
    """The core's agent from the declared fields' ``values`` (in order), its queues and
    its load (active contacts by channel)."""
    fields = {
        name: convert(value) for (name, convert), value in zip(_CONVERTERS, values, strict=True)
    }
    return core.Agent(
        id=str(person_id),
        queue_ids=frozenset(str(q) for q in queue_ids),
        load={_CHANNELS[k]: v for k, v in load.items() if v},
        **fields,
    )
