"""The PostgreSQL store's reads of agents: the change feed (agent rows written since a
watermark, with their load, queues and open offers), agent states by pk, the freed
agents of a targeted round, versions and the capacity open offers reserve.

An agent's columns are declared once (:mod:`distans.routing.agent_columns`); the
SELECT text, the unpacking and the built-agent key below derive from that
declaration."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from distans.contacts.choices import ContactStatus
from distans.routing.agent_columns import (
    AGENT_COLUMNS,
    AGENT_FIELDS,
    AGENT_JSON_FIELDS,
    core_agent,
    parse_json,
    values_from_sql,
)
from distans.routing.choices import OfferStatus
from distans.routing.models import AgentState
from distans.routing.store import pg_runner as db
from distans.routing.store.records import (
    ROUTABLE,
    AgentChanges,
    AgentRow,
    BuiltAgents,
    FreedAgent,
)

#: The oldest transaction still running, as of this statement's snapshot (xid8).
_SNAPSHOT_XMIN = "pg_snapshot_xmin(pg_current_snapshot())::text"


#: Open offers counted by (agent, channel), unexpired as of ``{until}``.
_RESERVATIONS = (
    "SELECT agent_id, channel, count(*) FROM routing_offer WHERE organisation_id = %s"
    " AND status = %s AND expires_at > {until}"
)


_VERSIONS = (
    "SELECT id, version FROM routing_agentstate WHERE organisation_id = %s"
    " AND presence = ANY(%s::text[])"
)


def reservations(
    organisation_id: int, now: datetime, agent_ids: Iterable[int] | None = None
) -> list[tuple[int, str, int]]:
    """Unexpired open offers counted by (agent, channel): the capacity they reserve.
    Only for the people in ``agent_ids`` when given."""
    sql = _RESERVATIONS.format(until="%s")
    params: list[object] = [organisation_id, str(OfferStatus.OPEN), now]
    if agent_ids is not None:
        sql += " AND agent_id = ANY(%s::bigint[])"
        params.append(sorted(set(agent_ids)))
    return db.rows(sql + " GROUP BY agent_id, channel", params)


def agent_versions(
    organisation_id: int, *, person_ids: Iterable[int] | None, presences: Sequence[str]
) -> list[tuple[int, int]]:
    """``(AgentState pk, version)`` of the organisation's agents in ``presences``, or
    of the people in ``person_ids`` whatever their presence but offline."""
    if person_ids is None:
        return db.rows(_VERSIONS, [organisation_id, [str(p) for p in presences]])
    return db.rows(
        "SELECT id, version FROM routing_agentstate WHERE organisation_id = %s"
        " AND person_id = ANY(%s::bigint[]) AND presence <> 'offline'",
        [organisation_id, sorted(set(person_ids))],
    )


def agent_changes(
    organisation_id: int,
    since: str | None,
    presences: Sequence[str],
    built: BuiltAgents,
) -> AgentChanges:
    """PostgreSQL: the agents changed since the watermark ``since`` (every routable
    agent in ``presences`` when ``None``), as :func:`begin_arrival_round` reads them,
    but without the routing lock (a table built from it is only ever brought up to
    date by later reads, never trusted alone)."""
    mark, changed = db.execute_all(
        [(_WATERMARK, []), _agent_changes(organisation_id, since, presences)]
    )
    return AgentChanges(
        [_agent_row(row, built) for row in changed], _watermark(mark[0][0]), since is None
    )


_WATERMARK = f"SELECT {_SNAPSHOT_XMIN}"


def _watermark(xid8: str) -> str:
    """A 64-bit transaction id as the 32-bit one that row headers (``xmin``) carry."""
    return str(int(xid8) % 2**32)


def _agent_changes(
    organisation_id: int, since: str | None, presences: Sequence[str]
) -> tuple[str, list[object]]:
    """The agent rows changed since ``since``: rows whose last writer (``xmin``) is no
    older than the watermark, whatever their presence now (an agent going offline
    leaves the table). ``age()`` counts back from the current transaction, so comparing
    ages compares transaction ids across wraparound."""
    params: list[object] = [str(ContactStatus.ACTIVE), str(OfferStatus.OPEN), organisation_id]
    if since is None:
        return f"{_AGENT_FULL} AND s.presence = ANY(%s::text[])", [*params, list(presences)]
    return f"{_AGENT_FULL} AND age(s.xmin) <= age(%s::text::xid)", [*params, since]


#: Positions in an agents' read row (:data:`_AGENT_COLUMNS`): pk, version, person id,
#: the declared fields (``agent_columns``), queue ids, active channels, open offers.
_FIELDS_AT = 3


_QUEUES_AT = _FIELDS_AT + len(AGENT_COLUMNS)


_PRESENCE_AT = _FIELDS_AT + AGENT_FIELDS.index("presence")


def _agent_row(row: Sequence[Any], built: BuiltAgents) -> AgentRow:
    """An agent row as :data:`_AGENT_COLUMNS` reads it. An agent whose columns other
    than version and open offers are as when it was last built (``built``, the reading
    table's own) is not built again: most rows a round reads changed only by an offer
    (each offer bumps its agent's version)."""
    pk, version, person_id = row[0], row[1], row[2]
    queue_ids, channels, offers = row[_QUEUES_AT], row[_QUEUES_AT + 1], row[_QUEUES_AT + 2]
    open_offers = []
    if offers:
        for item in offers.split(","):
            channel, at = item.split(" ", 1)
            open_offers.append((channel, datetime.fromisoformat(at)))
    if row[_PRESENCE_AT] not in ROUTABLE:
        built.pop(pk, None)
        return AgentRow(pk, version, person_id, None, open_offers)
    key = tuple(row[2 : _QUEUES_AT + 2])  # person, declared fields, queues, channels
    known = built.get(pk)
    if known is not None and known[0] == key:
        return AgentRow(pk, version, person_id, known[1], open_offers)
    load: dict[str, int] = {}
    for channel in channels.split(",") if channels else ():
        load[channel] = load.get(channel, 0) + 1
    agent = core_agent(
        person_id,
        queue_ids.split(",") if queue_ids else (),
        load,
        values_from_sql(row[_FIELDS_AT:_QUEUES_AT]),
    )
    built[pk] = (key, agent)
    return AgentRow(pk, version, person_id, agent, open_offers)


#: The ORM-shaped reads' fields (an ``AgentState`` built from them, not for saving).
_STATE_FIELDS = ("id", "organisation_id", "person_id", *AGENT_FIELDS, "version")


_STATE_JSON = AGENT_JSON_FIELDS


#: Agent states of an organisation, each with their queue ids, their active contacts'
#: channels and their open offers (channel and expiry; index ``offer_agent_status``).
#: Times, lists and JSON come as text: parsed in C (``fromisoformat``, ``split``,
#: ``json.loads``) rather than by psycopg's loaders in Python.
_AGENT_COLUMNS = (
    "s.id",
    "s.version",
    "s.person_id",
    *(column.sql for column in AGENT_COLUMNS),
    "(SELECT string_agg(q.queue_id::text, ',') FROM routing_agentstate_queues q"
    " WHERE q.agentstate_id = s.id)",
    "(SELECT string_agg(c.channel, ',') FROM contacts_contact c"
    " WHERE c.agent_id = s.person_id AND c.status = %s)",
    "(SELECT string_agg(o.channel || ' ' || o.expires_at::text, ',' ORDER BY o.id)"
    " FROM routing_offer o WHERE o.agent_id = s.person_id AND o.status = %s)",
)


_AGENT_FULL = (
    f"SELECT {', '.join(_AGENT_COLUMNS)}"  # noqa: S608 — own columns
    " FROM routing_agentstate s WHERE s.organisation_id = %s"
)


#: The row the agents' read returns instead when its guard fails (as many columns).
_GONE = ", ".join(["-1", *["NULL"] * (len(_AGENT_COLUMNS) - 1)])


def _agent_select(
    where: str, params: list[object], extra: str = "", extra_params: Sequence[object] = ()
) -> list[tuple[Any, ...]]:
    """Agent state rows, each followed by its queue ids and its active contacts'
    channels (and ``extra`` columns)."""
    return db.rows(
        f"SELECT {', '.join('s.' + f for f in _STATE_FIELDS)},"  # noqa: S608 — own columns
        " ARRAY(SELECT q.queue_id FROM routing_agentstate_queues q"
        "       WHERE q.agentstate_id = s.id),"
        " ARRAY(SELECT c.channel FROM contacts_contact c"
        f"       WHERE c.agent_id = s.person_id AND c.status = %s){extra}"
        f" FROM routing_agentstate s WHERE {where}",
        [str(ContactStatus.ACTIVE), *extra_params, *params],
    )


def _agent_state(row: Sequence[Any]) -> tuple[AgentState, dict[str, int], list[int]]:
    values = dict(zip(_STATE_FIELDS, row[: len(_STATE_FIELDS)], strict=True))
    for name in _STATE_JSON:
        values[name] = parse_json(values[name])
    load: dict[str, int] = {}
    for channel in row[len(_STATE_FIELDS) + 1]:
        load[channel] = load.get(channel, 0) + 1
    return AgentState(**values), load, list(row[len(_STATE_FIELDS)])


def agent_rows(state_ids: Sequence[int]) -> list[tuple[AgentState, dict[str, int], list[int]]]:
    """Agent states with their load (active contacts by channel) and queue ids, in one
    statement (PostgreSQL): a complete ``AgentState`` (not for saving), load, queues."""
    if not state_ids:
        return []
    return [
        _agent_state(row) for row in _agent_select("s.id = ANY(%s::bigint[])", [list(state_ids)])
    ]


_FREED_AGENTS = (
    f"SELECT {', '.join('s.' + f for f in _STATE_FIELDS)},"  # noqa: S608 — own columns
    " ARRAY(SELECT q.queue_id FROM routing_agentstate_queues q WHERE q.agentstate_id = s.id),"
    " ARRAY(SELECT c.channel FROM contacts_contact c"
    "  WHERE c.agent_id = s.person_id AND c.status = $1),"
    " ARRAY(SELECT o.channel FROM routing_offer o"
    "  WHERE o.agent_id = s.person_id AND o.status = $2 AND o.expires_at > $3),"
    " ARRAY(SELECT t.id FROM contacts_contact t"
    "  WHERE t.target_agent_id = s.person_id AND t.status = $4)"
    " FROM routing_agentstate s WHERE s.organisation_id = $5"
    " AND s.person_id = ANY($6::bigint[]) AND s.presence <> 'offline'"
)


def freed_agents(
    organisation_id: int, person_ids: Iterable[int], now: datetime
) -> list[FreedAgent]:
    """Everything a targeted round needs of the agents that freed up, in one statement
    (PostgreSQL): their states (unless offline), loads, queues, open offers and the
    contacts transferred to them."""
    rows = db.execute(
        _FREED_AGENTS,
        [
            str(ContactStatus.ACTIVE),
            str(OfferStatus.OPEN),
            now,
            str(ContactStatus.WAITING),
            organisation_id,
            sorted(set(person_ids)),
        ],
    )
    freed = []
    for row in rows:
        state, load, queue_ids = _agent_state(row)
        freed.append(FreedAgent(state, load, queue_ids, list(row[-2]), list(row[-1])))
    return freed
