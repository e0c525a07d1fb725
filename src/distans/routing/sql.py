"""Routing's hot statements, in plain SQL on PostgreSQL.

An arrival and a targeted round run about ten statements. Through the ORM each cost
0.5–1 ms of Python on this project's reference machine (building the query,
compiling it, converting the rows): more than PostgreSQL took to run them, and most
of the 10 ms the issue allows from an event to the persisted offer. Here they are
written once as SQL with parameters (``= ANY(%s)`` takes a list).

On SQLite (the embedded default: one process, no row locks) the same functions use the
ORM, whose converters turn SQLite's text back into datetimes and JSON. Both paths run
in the suite: ``tests/web`` runs on SQLite and again on PostgreSQL, and
``tests/web/test_routing_targeted.py`` checks that targeted rounds decide exactly like
full rounds on both.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection

from distans.contacts.choices import ContactStatus
from distans.contacts.models import Contact
from distans.core import routing as core
from distans.routing.choices import OfferStatus
from distans.routing.convert import CONTACT_COLUMNS, contact_from_values
from distans.routing.models import AgentState, Offer, RoutingEvent, RoutingLock


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def _rows(sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _run(sql: str, params: Sequence[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _json(value: object) -> Any:
    """Django's PostgreSQL backend hands JSON columns over as text."""
    return json.loads(value) if isinstance(value, str) else value


# -- a round's start -------------------------------------------------------------------


def begin_round(organisation_id: int) -> None:
    """Hold the organisation's :class:`RoutingLock` row for this transaction, and on
    PostgreSQL commit it without waiting for the WAL flush (``synchronous_commit =
    off`` for this transaction only: a crash can lose the last rounds, but only whole;
    their contacts are still waiting, or recovered by the sweeper, and are routed
    again. Arrivals and agents' answers stay fully durable). One statement."""
    if on_postgresql():
        found = _rows(
            "SELECT set_config('synchronous_commit', 'off', true) FROM routing_routinglock"
            " WHERE organisation_id = %s FOR UPDATE",
            [organisation_id],
        )
        if found:
            return
        _run("SET LOCAL synchronous_commit = off", [])
    lock = RoutingLock.objects.select_for_update().filter(organisation_id=organisation_id).first()
    if lock is None:  # the organisation's first round
        RoutingLock.objects.get_or_create(organisation_id=organisation_id)
        RoutingLock.objects.select_for_update().get(organisation_id=organisation_id)


# -- row locks -------------------------------------------------------------------------


@dataclass
class Locked:
    """What the locked rows hold now: presence by person id; (status, channel) by
    contact id."""

    presence: dict[int, str] = field(default_factory=dict)
    contacts: dict[int, tuple[str, str]] = field(default_factory=dict)


def lock_rows(
    *, agents: Iterable[int] = (), contacts: Iterable[int] = (), offers: Iterable[int] = ()
) -> Locked:
    """``SELECT … FOR NO KEY UPDATE`` agent states (by person), then contacts, then
    offers, each in primary-key order: the one lock order of routing's writers (rounds
    and actions), so that two of them never wait on each other (a deadlock). (NO KEY:
    routing never changes keys, so inserts that merely reference these rows — an offer,
    a message — need not wait.) Returns what the agent and contact rows hold once
    locked, so the caller needs no second read."""
    locked = Locked()
    agent_ids, contact_ids, offer_ids = (sorted(set(ids)) for ids in (agents, contacts, offers))
    if on_postgresql():
        if agent_ids and contact_ids:
            # One statement: the outer UNION ALL reads the agents' CTE to its end before
            # the contacts' one, so rows are locked in the one order.
            for kind, pk, first, channel in _rows(
                "WITH a AS MATERIALIZED (SELECT person_id, presence FROM routing_agentstate"
                "  WHERE person_id = ANY(%s::bigint[]) ORDER BY id FOR NO KEY UPDATE),"
                " c AS MATERIALIZED (SELECT id, status, channel FROM contacts_contact"
                "  WHERE id = ANY(%s::bigint[]) ORDER BY id FOR NO KEY UPDATE)"
                " SELECT 'a', person_id, presence, NULL FROM a"
                " UNION ALL SELECT 'c', id, status, channel FROM c",
                [agent_ids, contact_ids],
            ):
                if kind == "a":
                    locked.presence[pk] = first
                else:
                    locked.contacts[pk] = (first, channel)
        elif agent_ids:
            locked.presence = dict(
                _rows(
                    "SELECT person_id, presence FROM routing_agentstate"
                    " WHERE person_id = ANY(%s::bigint[]) ORDER BY id FOR NO KEY UPDATE",
                    [agent_ids],
                )
            )
        elif contact_ids:
            locked.contacts = {
                pk: (status, channel)
                for pk, status, channel in _rows(
                    "SELECT id, status, channel FROM contacts_contact"
                    " WHERE id = ANY(%s::bigint[]) ORDER BY id FOR NO KEY UPDATE",
                    [contact_ids],
                )
            }
        if offer_ids:
            _rows(
                "SELECT id FROM routing_offer WHERE id = ANY(%s::bigint[])"
                " ORDER BY id FOR NO KEY UPDATE",
                [offer_ids],
            )
        return locked
    if agent_ids:
        locked.presence = dict(
            AgentState.objects.select_for_update(no_key=True)
            .filter(person_id__in=agent_ids)
            .order_by("pk")
            .values_list("person_id", "presence")
        )
    if contact_ids:
        locked.contacts = {
            pk: (status, channel)
            for pk, status, channel in Contact.objects.select_for_update(no_key=True)
            .filter(pk__in=contact_ids)
            .order_by("pk")
            .values_list("pk", "status", "channel")
        }
    if offer_ids:
        list(
            Offer.objects.select_for_update(no_key=True)
            .filter(pk__in=offer_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    return locked


# -- writes ----------------------------------------------------------------------------


def _as_int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def _event_rows(organisation_id: int, events: Iterable[core.Event]) -> list[tuple[Any, ...]]:
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


def _insert_events_sql(rows: list[tuple[Any, ...]]) -> tuple[str, list[object]]:
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s::jsonb)"] * len(rows))
    return (
        "INSERT INTO routing_routingevent"  # noqa: S608 — placeholders only
        " (organisation_id, name, at, contact_id, agent_id, queue_id, data)"
        f" VALUES {values}",
        [v for row in rows for v in (*row[:6], json.dumps(row[6]))],
    )


def append_events(organisation_id: int, events: Iterable[core.Event]) -> None:
    """Append the core's domain events to the event log (one statement)."""
    rows = _event_rows(organisation_id, events)
    if not rows:
        return
    if not on_postgresql():
        RoutingEvent.objects.bulk_create(
            [
                RoutingEvent(
                    organisation_id=org,
                    name=name,
                    at=at,
                    contact_id=contact,
                    agent_id=agent,
                    queue_id=queue,
                    data=data,
                )
                for org, name, at, contact, agent, queue, data in rows
            ]
        )
        return
    _run(*_insert_events_sql(rows))


def insert_offers(
    organisation_id: int, offers: Sequence[core.Offer], events: Iterable[core.Event] = ()
) -> None:
    """Persist new open offers, mark their contacts offered and append ``events``: on
    PostgreSQL one statement (data-modifying ``WITH``)."""
    if not offers:
        append_events(organisation_id, events)
        return
    if not on_postgresql():
        Offer.objects.bulk_create(
            [
                Offer(
                    organisation_id=organisation_id,
                    contact_id=int(o.contact_id),
                    agent_id=int(o.agent_id),
                    queue_id=int(o.queue_id),
                    channel=str(o.channel),
                    offered_at=o.offered_at,
                    expires_at=o.expires_at,
                )
                for o in offers
            ]
        )
        Contact.objects.filter(pk__in=[int(o.contact_id) for o in offers]).update(
            status=ContactStatus.OFFERED
        )
        append_events(organisation_id, events)
        return
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(offers))
    sql = (
        "WITH o AS (INSERT INTO routing_offer"  # noqa: S608 — placeholders only
        " (organisation_id, contact_id, agent_id, queue_id, channel, status, offered_at,"
        f" expires_at) VALUES {values} RETURNING contact_id)"
    )
    params: list[object] = [
        v
        for o in offers
        for v in (
            organisation_id,
            int(o.contact_id),
            int(o.agent_id),
            int(o.queue_id),
            str(o.channel),
            str(OfferStatus.OPEN),
            o.offered_at,
            o.expires_at,
        )
    ]
    rows = _event_rows(organisation_id, events)
    if rows:
        event_sql, event_params = _insert_events_sql(rows)
        sql += f", e AS ({event_sql})"
        params += event_params
    sql += " UPDATE contacts_contact SET status = %s WHERE id IN (SELECT contact_id FROM o)"
    params.append(str(ContactStatus.OFFERED))
    _run(sql, params)


# -- reads -----------------------------------------------------------------------------


def _contact_column(name: str) -> str:
    if name == "pk":
        return "id"
    field = Contact._meta.get_field(name)
    column = str(field.column)  # type: ignore[union-attr]
    # Timestamps as text: Python's C ``fromisoformat`` reads them ~10× faster than the
    # driver's loader (which Django subclasses in Python for time zones).
    return f"{column}::text" if field.get_internal_type() == "DateTimeField" else column


_CONTACT_SQL_COLUMNS = ", ".join(_contact_column(name) for name in CONTACT_COLUMNS)
_JSON_COLUMNS = [
    i
    for i, name in enumerate(CONTACT_COLUMNS)
    if name != "pk" and Contact._meta.get_field(name).get_internal_type() == "JSONField"
]
_TIME_COLUMNS = [
    i
    for i, name in enumerate(CONTACT_COLUMNS)
    if name != "pk" and Contact._meta.get_field(name).get_internal_type() == "DateTimeField"
]
_EMPTY_JSON = {"{}": dict, "[]": list, "null": type(None)}


def _json_fast(value: object) -> Any:
    if isinstance(value, str):
        empty = _EMPTY_JSON.get(value)
        return empty() if empty is not None else json.loads(value)
    return value


def contact_from_row(row: Sequence[Any]) -> core.Contact:
    """A core contact from a plain-SQL row of ``CONTACT_COLUMNS`` as
    ``_CONTACT_SQL_COLUMNS`` reads them (JSON and timestamps as text; PostgreSQL
    writes timestamps in ISO form, in the session's time zone, UTC)."""
    values = list(row)
    for i in _JSON_COLUMNS:
        values[i] = _json_fast(values[i])
    for i in _TIME_COLUMNS:
        if values[i] is not None:
            values[i] = datetime.fromisoformat(values[i])
    return contact_from_values(tuple(values))


def waiting_contacts(
    organisation_id: int,
    *,
    ids: Iterable[int] = (),
    targeted_to: int | None = None,
) -> list[core.Contact]:
    """Waiting contacts of the organisation: those in ``ids``, or those transferred in
    person to ``targeted_to``."""
    wanted: list[int] = []
    if targeted_to is None:
        wanted = sorted(set(ids))
        if not wanted:
            return []
    if not on_postgresql():
        queryset = Contact.objects.filter(
            organisation_id=organisation_id, status=ContactStatus.WAITING
        )
        if targeted_to is None:
            queryset = queryset.filter(pk__in=wanted)
        else:
            queryset = queryset.filter(target_agent_id=targeted_to)
        return [contact_from_values(row) for row in queryset.values_list(*CONTACT_COLUMNS)]
    where, param = (
        ("id = ANY(%s::bigint[])", wanted)
        if targeted_to is None
        else ("target_agent_id = %s", targeted_to)
    )
    rows = _rows(
        f"SELECT {_CONTACT_SQL_COLUMNS} FROM contacts_contact"  # noqa: S608 — own columns
        f" WHERE organisation_id = %s AND status = %s AND {where}",
        [organisation_id, str(ContactStatus.WAITING), param],
    )
    return [contact_from_row(row) for row in rows]


def waiting_lines_sample(
    organisation_id: int, besides: Iterable[int], limit: int
) -> tuple[set[tuple[int, str]], int]:
    """The (queue id, channel) pairs of up to ``limit`` waiting contacts other than
    ``besides`` (one short read of the status index), and how many contacts that read
    saw."""
    if not on_postgresql():
        rows = list(
            Contact.objects.filter(organisation_id=organisation_id, status=ContactStatus.WAITING)
            .exclude(pk__in=list(besides))
            .values_list("queue_id", "channel")[:limit]
        )
        return set(rows), len(rows)
    rows = _rows(
        "SELECT queue_id, channel, count(*) FROM (SELECT queue_id, channel"
        " FROM contacts_contact WHERE organisation_id = %s AND status = %s"
        " AND NOT (id = ANY(%s::bigint[])) LIMIT %s) sample GROUP BY queue_id, channel",
        [organisation_id, str(ContactStatus.WAITING), sorted(set(besides)), limit],
    )
    return {(queue_id, channel) for queue_id, channel, _ in rows}, sum(n for *_, n in rows)


def reservations(
    organisation_id: int, now: datetime, agent_ids: Iterable[int] | None = None
) -> list[tuple[int, str, int]]:
    """Unexpired open offers counted by (agent, channel): the capacity they reserve.
    Only for the people in ``agent_ids`` when given."""
    if not on_postgresql():
        from django.db.models import Count

        queryset = Offer.objects.filter(
            organisation_id=organisation_id, status=OfferStatus.OPEN, expires_at__gt=now
        )
        if agent_ids is not None:
            queryset = queryset.filter(agent_id__in=list(agent_ids))
        return [
            (row["agent_id"], row["channel"], row["n"])
            for row in queryset.values("agent_id", "channel").annotate(n=Count("id"))
        ]
    sql = (
        "SELECT agent_id, channel, count(*) FROM routing_offer WHERE organisation_id = %s"
        " AND status = %s AND expires_at > %s"
    )
    params: list[object] = [organisation_id, str(OfferStatus.OPEN), now]
    if agent_ids is not None:
        sql += " AND agent_id = ANY(%s::bigint[])"
        params.append(sorted(set(agent_ids)))
    return _rows(sql + " GROUP BY agent_id, channel", params)


def agent_versions(
    organisation_id: int, *, person_ids: Iterable[int] | None, presences: Sequence[str]
) -> list[tuple[int, int]]:
    """``(AgentState pk, version)`` of the organisation's agents in ``presences``, or
    of the people in ``person_ids`` whatever their presence but offline."""
    if not on_postgresql():
        states = AgentState.objects.filter(organisation_id=organisation_id)
        if person_ids is None:
            states = states.filter(presence__in=presences)
        else:
            states = states.filter(person_id__in=list(person_ids)).exclude(presence="offline")
        return list(states.values_list("pk", "version"))
    if person_ids is None:
        return _rows(
            "SELECT id, version FROM routing_agentstate WHERE organisation_id = %s"
            " AND presence = ANY(%s::text[])",
            [organisation_id, [str(p) for p in presences]],
        )
    return _rows(
        "SELECT id, version FROM routing_agentstate WHERE organisation_id = %s"
        " AND person_id = ANY(%s::bigint[]) AND presence <> 'offline'",
        [organisation_id, sorted(set(person_ids))],
    )


_STATE_FIELDS = (
    "id",
    "organisation_id",
    "person_id",
    "presence",
    "break_reason",
    "site_id",
    "presence_changed_at",
    "last_contact_ended_at",
    "wrap_up_until",
    "consecutive_timeouts",
    "skills",
    "languages",
    "capacity",
    "version",
)
_STATE_JSON = ("skills", "languages", "capacity")


def _agent_select(
    where: str, params: list[object], extra: str = "", extra_params: Sequence[object] = ()
) -> list[tuple[Any, ...]]:
    """Agent state rows, each followed by its queue ids and its active contacts'
    channels (and ``extra`` columns)."""
    return _rows(
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
        values[name] = _json(values[name])
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


@dataclass
class FreedAgent:
    state: AgentState
    load: dict[str, int]
    queue_ids: list[int]
    #: The channels of the agent's unexpired open offers (one per offer).
    reserved: list[str]
    #: Waiting contacts transferred in person to this agent.
    targeted: list[int]


def freed_agents(
    organisation_id: int, person_ids: Iterable[int], now: datetime
) -> list[FreedAgent]:
    """Everything a targeted round needs of the agents that freed up, in one statement
    (PostgreSQL): their states (unless offline), loads, queues, open offers and the
    contacts transferred to them."""
    extra = (
        ", ARRAY(SELECT o.channel FROM routing_offer o WHERE o.agent_id = s.person_id"
        "        AND o.status = %s AND o.expires_at > %s),"
        " ARRAY(SELECT t.id FROM contacts_contact t WHERE t.target_agent_id = s.person_id"
        "       AND t.status = %s)"
    )
    rows = _agent_select(
        "s.organisation_id = %s AND s.person_id = ANY(%s::bigint[]) AND s.presence <> 'offline'",
        [organisation_id, sorted(set(person_ids))],
        extra,
        [str(OfferStatus.OPEN), now, str(ContactStatus.WAITING)],
    )
    freed = []
    for row in rows:
        state, load, queue_ids = _agent_state(row)
        freed.append(FreedAgent(state, load, queue_ids, list(row[-2]), list(row[-1])))
    return freed


#: The queue-line read, prepared once per database session (planning the statement
#: cost PostgreSQL ~2 ms per round, running it ~0.2 ms).
_LINES = "distans_queue_lines"
_LINES_SQL = (
    f"PREPARE {_LINES}(bigint[], text[], boolean[], text, int) AS"  # noqa: S608
    f" SELECT {', '.join('c.' + c for c in _CONTACT_SQL_COLUMNS.split(', '))}, l.n - 1"
    " FROM unnest($1, $2, $3) WITH ORDINALITY AS l(queue_id, channel, by_age, n)"
    " CROSS JOIN LATERAL ("
    "  (SELECT * FROM contacts_contact c WHERE NOT l.by_age AND c.queue_id = l.queue_id"
    "   AND c.status = $4 AND c.channel = l.channel"
    "   ORDER BY c.priority DESC, c.enqueued_at, c.id LIMIT $5)"
    "  UNION ALL"
    "  (SELECT * FROM contacts_contact c WHERE l.by_age AND c.queue_id = l.queue_id"
    "   AND c.status = $4 AND c.channel = l.channel ORDER BY c.enqueued_at, c.id LIMIT $5)"
    " ) c"
)
_prepared_in: dict[int, object] = {}  # id(raw connection) → the connection


def queue_lines(reads: Sequence[tuple[int, str, bool]], depth: int) -> list[tuple[Any, ...]]:
    """The first ``depth`` waiting contacts of each read ``(queue id, channel, by age)``
    — in service order (priority, then arrival) or, ``by age``, in arrival order —
    through the indexes ``contact_queue_line`` and ``contact_queue_age``: one prepared
    statement (PostgreSQL only). Each row is ``CONTACT_COLUMNS`` and the read's index."""
    raw = connection.connection
    if _prepared_in.get(id(raw)) is not raw:
        if not _rows("SELECT 1 FROM pg_prepared_statements WHERE name = %s", [_LINES]):
            _run(_LINES_SQL, [])
        if len(_prepared_in) > 64:  # forget closed connections now and then
            _prepared_in.clear()
        _prepared_in[id(raw)] = raw
    return _rows(
        f"EXECUTE {_LINES}(%s::bigint[], %s::text[], %s::boolean[], %s, %s)",
        [
            [int(queue_id) for queue_id, _, _ in reads],
            [str(channel) for _, channel, _ in reads],
            [by_age for _, _, by_age in reads],
            str(ContactStatus.WAITING),
            depth,
        ],
    )
