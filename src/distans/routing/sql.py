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

import contextlib
import functools
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections

from distans.contacts.choices import ContactStatus
from distans.contacts.models import Contact
from distans.core import routing as core
from distans.routing.agent_columns import (
    AGENT_COLUMNS,
    AGENT_FIELDS,
    AGENT_JSON_FIELDS,
    core_agent,
    parse_json,
    values_from_sql,
)
from distans.routing.choices import OfferStatus
from distans.routing.convert import CONTACT_COLUMNS, contact_from_values
from distans.routing.models import AgentState, Offer, Queue, RoutingEvent, RoutingLock
from distans.routing.process_state import STATE


def on_postgresql() -> bool:
    vendor = STATE.on_postgresql
    if vendor is None:  # a process's default database does not change: asked once
        vendor = STATE.on_postgresql = connection.vendor == "postgresql"  # (per-thread proxy)
    return vendor


def _rows(sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _run(sql: str, params: Sequence[object]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


_json = parse_json  # Django's PostgreSQL backend hands JSON columns over as text


# -- a round's start -------------------------------------------------------------------


#: The oldest transaction still running, as of this statement's snapshot (xid8).
_SNAPSHOT_XMIN = "pg_snapshot_xmin(pg_current_snapshot())::text"
#: Lock, ``synchronous_commit = off`` for the transaction, and the watermark for a read
#: of changed agents (``begin_arrival_round``; ``begin_round`` ignores it).
_BEGIN = (
    f"SELECT set_config('synchronous_commit', 'off', true), {_SNAPSHOT_XMIN}"  # noqa: S608
    " FROM routing_routinglock WHERE organisation_id = %s FOR UPDATE"
)


def begin_round(organisation_id: int) -> None:
    """Hold the organisation's :class:`RoutingLock` row for this transaction, and on
    PostgreSQL commit it without waiting for the WAL flush (``synchronous_commit =
    off`` for this transaction only: a crash can lose the last rounds, but only whole;
    their contacts are still waiting, or recovered by the sweeper, and are routed
    again. Arrivals and agents' answers stay fully durable). One statement."""
    if on_postgresql():
        found = _rows(_BEGIN, [organisation_id])
        if found:
            return
        _run("SET LOCAL synchronous_commit = off", [])
    lock = RoutingLock.objects.select_for_update().filter(organisation_id=organisation_id).first()
    if lock is None:  # the organisation's first round
        RoutingLock.objects.get_or_create(organisation_id=organisation_id)
        RoutingLock.objects.select_for_update().get(organisation_id=organisation_id)


# -- row locks -------------------------------------------------------------------------


#: Agent states, then contacts, each in primary-key order: the outer UNION ALL reads the
#: agents' CTE to its end before the contacts' one, so rows are locked in the one order.
_LOCK_ROWS = (
    "WITH a AS MATERIALIZED (SELECT person_id, presence FROM routing_agentstate"
    "  WHERE person_id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE),"
    " c AS MATERIALIZED (SELECT id, status, channel FROM contacts_contact"
    "  WHERE id = ANY($2::bigint[]) ORDER BY id FOR NO KEY UPDATE)"
    " SELECT 'a', person_id, presence, NULL FROM a"
    " UNION ALL SELECT 'c', id, status, channel FROM c"
)


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
        if agent_ids or contact_ids:
            for kind, pk, first, channel in _execute(_LOCK_ROWS, [agent_ids, contact_ids]):
                if kind == "a":
                    locked.presence[pk] = first
                else:
                    locked.contacts[pk] = (first, channel)
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


_EVENTS_INSERT = (
    "INSERT INTO routing_routingevent"
    " (organisation_id, name, at, contact_id, agent_id, queue_id, data)"
    " SELECT $1, v.name, v.at, v.contact_id, v.agent_id, v.queue_id, v.data::jsonb"
    " FROM unnest($2::text[], $3::timestamptz[], $4::bigint[], $5::bigint[], $6::bigint[],"
    "  $7::text[]) WITH ORDINALITY AS v(name, at, contact_id, agent_id, queue_id, data, n)"
    " ORDER BY v.n"  # ids in the events' order
)


def _event_arrays(rows: list[tuple[Any, ...]]) -> list[object]:
    return [
        [row[1] for row in rows],
        [row[2] for row in rows],
        [row[3] for row in rows],
        [row[4] for row in rows],
        [row[5] for row in rows],
        [json.dumps(row[6]) for row in rows],
    ]


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
    _execute(
        _EVENTS_INSERT,
        [organisation_id, *_event_arrays(rows)],
    )


def insert_offers(
    organisation_id: int, offers: Sequence[core.Offer], events: Iterable[core.Event] = ()
) -> None:
    """Persist new open offers, mark their contacts offered, move their agents'
    versions and append ``events``: on PostgreSQL one statement (data-modifying
    ``WITH``)."""
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
        AgentState.objects.filter(person_id__in={int(o.agent_id) for o in offers}).mark_changed()
        append_events(organisation_id, events)
        return
    rows = _event_rows(organisation_id, events)
    _execute(
        _OFFERS_WRITE,
        [
            organisation_id,
            *_event_arrays(rows),
            [int(o.contact_id) for o in offers],
            [int(o.agent_id) for o in offers],
            [int(o.queue_id) for o in offers],
            [str(o.channel) for o in offers],
            [o.offered_at for o in offers],
            [o.expires_at for o in offers],
            str(OfferStatus.OPEN),
            str(ContactStatus.OFFERED),
        ],
    )


_OFFERS_WRITE = (
    "WITH o AS (INSERT INTO routing_offer"  # noqa: S608 — constants only
    " (organisation_id, contact_id, agent_id, queue_id, channel, status, offered_at, expires_at)"
    " SELECT $1, u.contact_id, u.agent_id, u.queue_id, u.channel, $14, u.offered_at,"
    " u.expires_at FROM unnest($8::bigint[], $9::bigint[], $10::bigint[], $11::text[],"
    "  $12::timestamptz[], $13::timestamptz[])"
    "  AS u(contact_id, agent_id, queue_id, channel, offered_at, expires_at)"
    " RETURNING contact_id, agent_id),"
    f" e AS ({_EVENTS_INSERT}),"
    # An agent's open offers are part of their state: the version moves (free_agents).
    " a AS (UPDATE routing_agentstate SET version = version + 1"
    "  WHERE person_id IN (SELECT agent_id FROM o))"
    " UPDATE contacts_contact SET status = $15 WHERE id IN (SELECT contact_id FROM o)"
)


def unsaved_contact(queue: Queue, **values: Any) -> Contact:
    """``Contact(queue=queue, **values)`` (``values`` by attribute name, e.g.
    ``organisation_id``), built as Django builds a row it read: every concrete field by
    position, those not given their default. Django's keyword path costs several
    times more, and arrivals are most of what a busy centre writes."""
    values["queue_id"] = queue.pk
    contact = Contact(
        *[values[name] if name in values else default() for name, default in _contact_defaults()]
    )
    _QUEUE_FIELD.set_cached_value(contact, queue)  # as ``queue=queue`` leaves it
    return contact


@functools.cache
def _contact_defaults() -> tuple[tuple[str, Callable[[], Any]], ...]:
    return tuple((f.attname, f.get_default) for f in Contact._meta.concrete_fields)


_QUEUE_FIELD = Contact._meta.get_field("queue")


def insert_contact(contact: Contact, events: Sequence[core.Event] = ()) -> None:
    """Insert a new, unsaved contact and set its ``pk`` (what ``save()`` does, minus the
    ORM's query building), with ``events`` about it appended to the event log, their
    ``contact_id`` set to the new contact's (whatever they carry: it has none yet).
    Every concrete field is written as the model holds it (contacts have no save
    signals and no field that changes its value on save). On PostgreSQL one prepared
    statement: atomic on its own, so outside a transaction the arrival is one round
    trip (autocommit) instead of four (``BEGIN``, two inserts, ``COMMIT``)."""
    if not on_postgresql():
        contact.save(force_insert=True)
        own = [e._replace(contact_id=str(contact.pk)) for e in events]
        append_events(int(contact.organisation_id), own)
        return
    values = [
        getattr(contact, name) if prep is None else prep(getattr(contact, name))
        for name, prep in _insert_preps()
    ]
    # The events as scalars (psycopg dumps arrays far slower); their contact is ``c.id``.
    for _, name, at, _, agent, queue, data in _event_rows(int(contact.organisation_id), events):
        values += [name, at, agent, queue, json.dumps(data)]
    ((pk,),) = _execute(_arrival_statement(len(events)), values)
    contact.pk = pk
    contact._state.adding = False
    contact._state.db = DEFAULT_DB_ALIAS


def _contact_insert_fields() -> list[Any]:
    return [f for f in Contact._meta.concrete_fields if not f.primary_key]


def _text(value: object) -> object:
    return value if value is None or type(value) is str else str(value)


def _json_text(value: object) -> str:
    if not value and isinstance(value, dict | list):
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(value)


@functools.cache
def _insert_preps() -> tuple[tuple[str, Callable[[Any], Any] | None], ...]:
    """How each inserted column's value is sent, by attribute: JSON as its text (cast by
    the column), text as ``str`` (choices are ``str`` enums), the rest as it is (what
    Django's ``get_db_prep_save`` amounts to for these fields on PostgreSQL)."""
    preps: list[tuple[str, Callable[[Any], Any] | None]] = []
    for f in _contact_insert_fields():
        kind = f.get_internal_type()
        if kind == "JSONField":
            preps.append((f.attname, _json_text))
        elif kind in ("CharField", "TextField", "EmailField"):
            preps.append((f.attname, _text))
        elif kind in ("ForeignKey", "IntegerField", "DateTimeField"):
            preps.append((f.attname, None))
        else:  # a field added later: Django's own preparation
            preps.append((f.attname, functools.partial(_django_prep, f)))
    return tuple(preps)


def _django_prep(field: Any, value: object) -> object:
    return field.get_db_prep_value(value, connections[DEFAULT_DB_ALIAS], prepared=False)


@functools.cache
def _arrival_statement(events: int) -> str:
    """``INSERT`` of a contact (every concrete column) and of its ``events`` (each as
    five values: name, at, agent, queue, data), one statement."""
    fields = _contact_insert_fields()
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    n = len(fields)
    org = fields.index(Contact._meta.get_field("organisation")) + 1
    rows = ", ".join(
        f"(${i}::text, ${i + 1}::timestamptz, ${i + 2}::bigint, ${i + 3}::bigint,"
        f" ${i + 4}::jsonb, {k})"
        for k, i in enumerate(range(n + 1, n + 1 + 5 * events, 5))
    )
    statement = (
        f"WITH c AS (INSERT INTO contacts_contact ({columns})"  # noqa: S608 — model's columns
        f" VALUES ({', '.join(f'${i}' for i in range(1, n + 1))}) RETURNING id)"
    )
    if events:
        statement += (
            ", e AS (INSERT INTO routing_routingevent"  # noqa: S608 — placeholders only
            " (organisation_id, name, at, contact_id, agent_id, queue_id, data)"
            f" SELECT ${org}::bigint, v.name, v.at, c.id, v.agent_id, v.queue_id, v.data"
            f" FROM c, (VALUES {rows}) AS v(name, at, agent_id, queue_id, data, ord)"
            " ORDER BY v.ord)"
        )
    return f"{statement} SELECT id FROM c"  # noqa: S608 — as above


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


def contact_from_row(row: Sequence[Any]) -> core.Contact:
    """A core contact from a plain-SQL row of ``CONTACT_COLUMNS`` as
    ``_CONTACT_SQL_COLUMNS`` reads them (JSON and timestamps as text; PostgreSQL
    writes timestamps in ISO form, in the session's time zone, UTC)."""
    values = list(row)
    for i in _JSON_COLUMNS:
        values[i] = _json(values[i])
    for i in _TIME_COLUMNS:
        if values[i] is not None:
            values[i] = datetime.fromisoformat(values[i])
    return contact_from_values(tuple(values))


_WAITING_CONTACTS = (
    f"SELECT {_CONTACT_SQL_COLUMNS} FROM contacts_contact"  # noqa: S608 — own columns
    " WHERE organisation_id = %s AND status = %s"
)
_SAMPLE = (
    "SELECT queue_id, channel, count(*) FROM (SELECT queue_id, channel"
    " FROM contacts_contact WHERE organisation_id = %s AND status = %s"
    " AND NOT (id = ANY(%s::bigint[])) LIMIT %s) sample GROUP BY queue_id, channel"
)
#: Open offers counted by (agent, channel), unexpired as of ``{until}``.
_RESERVATIONS = (
    "SELECT agent_id, channel, count(*) FROM routing_offer WHERE organisation_id = %s"
    " AND status = %s AND expires_at > {until}"
)
_VERSIONS = (
    "SELECT id, version FROM routing_agentstate WHERE organisation_id = %s"
    " AND presence = ANY(%s::text[])"
)


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
        f"{_WAITING_CONTACTS} AND {where}", [organisation_id, str(ContactStatus.WAITING), param]
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
        _SAMPLE, [organisation_id, str(ContactStatus.WAITING), sorted(set(besides)), limit]
    )
    return _sample(rows)


def _sample(rows: list[tuple[Any, ...]]) -> tuple[set[tuple[int, str]], int]:
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
    sql = _RESERVATIONS.format(until="%s")
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
        return _rows(_VERSIONS, [organisation_id, [str(p) for p in presences]])
    return _rows(
        "SELECT id, version FROM routing_agentstate WHERE organisation_id = %s"
        " AND person_id = ANY(%s::bigint[]) AND presence <> 'offline'",
        [organisation_id, sorted(set(person_ids))],
    )


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


def begin_arrival_round(
    organisation_id: int,
    contact_ids: Iterable[int],
    since: str | None,
    presences: Sequence[str],
    sample: int,
    built: BuiltAgents,
) -> ArrivalReads | None:
    """PostgreSQL: :func:`begin_round` and an arrival round's three reads — the
    arrived contacts still waiting, the agents changed since the watermark ``since``
    (every routable agent in ``presences`` when ``None``) and the who-waits sample — in
    one round trip, as prepared statements (the statements run in order, the reads
    under the lock). ``None`` when the organisation has no lock row yet: then call
    :func:`begin_round` and read one by one."""
    wanted = sorted(set(contact_ids))
    waiting = str(ContactStatus.WAITING)
    # The agents are read for arrivals that still wait: a round in another process
    # often offered them already (it reads the same lines), and then this round has
    # nothing to do. Each statement has its own snapshot, so the agents' read says
    # whether its guard held (a row of its own when it did not): an arrival abandoned
    # between two statements must not pass for "no agent changed".
    waits = (
        "EXISTS (SELECT FROM contacts_contact w WHERE w.id = ANY(%s::bigint[]) AND w.status = %s)"
    )
    changes, params = _agent_changes(organisation_id, since, presences)
    statements: list[tuple[str, Sequence[object]]] = [
        (_BEGIN, [organisation_id]),
        (f"{_WAITING_CONTACTS} AND id = ANY(%s::bigint[])", [organisation_id, waiting, wanted]),
        (
            f"{changes} AND {waits} UNION ALL SELECT {_GONE} WHERE NOT {waits}",
            [*params, wanted, waiting, wanted, waiting],
        ),
        (_SAMPLE, [organisation_id, waiting, wanted, sample]),
    ]
    locked, contacts, changed, sampled = _execute_all(statements)
    if not locked:
        return None
    if changed and changed[0][0] == -1:  # none of the arrivals waits any more
        return ArrivalReads([], None, _sample(sampled))
    return ArrivalReads(
        [contact_from_row(row) for row in contacts],
        AgentChanges(
            [_agent_row(row, built) for row in changed], _watermark(locked[0][1]), since is None
        ),
        _sample(sampled),
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
    mark, changed = _execute_all(
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


@dataclass
class AgentRow:
    """One agent as routing reads it: ``agent`` with their load and queues (``None``
    when not routable) and their open offers (channel and expiry time, each)."""

    pk: int
    version: int
    person_id: int
    agent: core.Agent | None
    offers: list[tuple[str, datetime]]


#: Presences routed to (as stored): an agent row in any other is not in the table.
ROUTABLE = frozenset(str(p) for p in core.ROUTABLE_PRESENCES)


#: Core agents already built, by agent state pk: the columns they were built from (all
#: but the version and the open offers) and the agent (see :func:`_agent_row`).
BuiltAgents = dict[int, tuple[tuple[Any, ...], core.Agent]]


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
    rows = _execute(
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


# -- prepared statements ---------------------------------------------------------------
#
# PostgreSQL plans a statement each time it is sent; for routing's hot statements the
# planning cost more than the running (the queue-line read: ~2 ms against ~0.2 ms; the
# freed agents' read: ~1–3 ms against ~0.3 ms). These are prepared once per database
# connection (psycopg's ``prepare=True``; a prepared statement outlives transactions
# and rollbacks) and then executed by name, each with a fixed shape: lists go in as
# arrays.


def _execute(body: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
    """Run ``body`` (placeholders ``$1``…, each cast where its type matters) with
    ``params`` as a prepared statement with server-side binding: psycopg prepares it on
    the connection at first use and then only sends its name and the values, in binary
    (Django's cursors bind on the client: every list rendered into the text in Python,
    every statement planned again). Errors come out as Django's database errors, as
    through its cursors."""
    query, order = _psycopg_query(body)
    return _execute_all([(query, [params[i] for i in order])])[0]


def _execute_all(
    statements: Sequence[tuple[str, Sequence[object]]],
) -> list[list[Any]]:
    """Run ``statements`` (psycopg placeholders) in order as prepared statements, more
    than one in one round trip (psycopg's pipeline mode): the rows of each."""
    connection.ensure_connection()
    with connection.wrap_database_errors, contextlib.ExitStack() as stack:
        conn = connection.connection
        cursors = [stack.enter_context(psycopg.Cursor(conn)) for _ in statements]
        with conn.pipeline() if len(statements) > 1 else contextlib.nullcontext():
            for cursor, (body, params) in zip(cursors, statements, strict=True):
                cursor.execute(body, _with_array_literals(params), prepare=True)
        return [cursor.fetchall() if cursor.description else [] for cursor in cursors]


def _with_array_literals(params: Sequence[object]) -> list[object]:
    """``params`` with each list as the text of a PostgreSQL array (every statement
    casts its array parameters, ``$1::bigint[]``): psycopg dumps a list element by
    element in Python, a string at once in C; the text is built by ``join``."""
    return [_array_literal(v) if isinstance(v, list) else v for v in params]


def _array_literal(values: list[Any]) -> str:
    return "{" + ",".join(map(_array_element, values)) + "}"


def _array_element(value: object) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return f'"{value.isoformat()}"'
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


_PLACEHOLDER = re.compile(r"\$(\d+)")


@functools.lru_cache(maxsize=256)
def _psycopg_query(body: str) -> tuple[str, tuple[int, ...]]:
    """``body`` with each ``$N`` as psycopg's positional placeholder ``%s``, and the
    parameter (0-based) each placeholder takes: a parameter used twice is sent twice.
    (Positional parameters cost psycopg less than named ones, per execution.)"""
    order = tuple(int(n) - 1 for n in _PLACEHOLDER.findall(body))
    return _PLACEHOLDER.sub("%s", body), order


_LINES_BODY = (  # the model's own column names, no values
    f"SELECT {', '.join('c.' + c for c in _CONTACT_SQL_COLUMNS.split(', '))}, l.n - 1"  # noqa: S608
    " FROM unnest($1::bigint[], $2::text[], $3::boolean[])"
    "  WITH ORDINALITY AS l(queue_id, channel, by_age, n)"
    " CROSS JOIN LATERAL ("
    "  (SELECT * FROM contacts_contact c WHERE NOT l.by_age AND c.queue_id = l.queue_id"
    "   AND c.status = $4 AND c.channel = l.channel"
    "   ORDER BY c.priority DESC, c.enqueued_at, c.id LIMIT $5)"
    "  UNION ALL"
    "  (SELECT * FROM contacts_contact c WHERE l.by_age AND c.queue_id = l.queue_id"
    "   AND c.status = $4 AND c.channel = l.channel ORDER BY c.enqueued_at, c.id LIMIT $5)"
    " ) c"
)


def queue_lines(reads: Sequence[tuple[int, str, bool]], depth: int) -> list[tuple[Any, ...]]:
    """The first ``depth`` waiting contacts of each read ``(queue id, channel, by age)``
    — in service order (priority, then arrival) or, ``by age``, in arrival order —
    through the indexes ``contact_queue_line`` and ``contact_queue_age``: one prepared
    statement (PostgreSQL only). Each row is ``CONTACT_COLUMNS`` and the read's index."""
    return _execute(
        _LINES_BODY,
        [
            [int(queue_id) for queue_id, _, _ in reads],
            [str(channel) for _, channel, _ in reads],
            [by_age for _, _, by_age in reads],
            str(ContactStatus.WAITING),
            depth,
        ],
    )


def queued_contacts(
    organisation_id: int,
    whole_queues: Sequence[int],
    reads: Sequence[tuple[int, str, bool]],
    depth: int,
) -> list[core.Contact]:
    """A full round's contacts (PostgreSQL): every queued contact of ``whole_queues``,
    every offered contact, and the first ``depth`` waiting of each line in ``reads``
    (see :func:`queue_lines`); each contact once."""
    found: dict[int, core.Contact] = {}
    rows = _rows(
        f"{_QUEUED} AND (queue_id = ANY(%s::bigint[]) OR status = %s)",
        [
            organisation_id,
            [str(s) for s in (ContactStatus.WAITING, ContactStatus.OFFERED)],
            list(whole_queues),
            str(ContactStatus.OFFERED),
        ],
    )
    if reads:
        rows += [row[:-1] for row in queue_lines(reads, depth)]
    for row in rows:
        if row[0] not in found:
            found[row[0]] = contact_from_row(row)
    return list(found.values())


_QUEUED = (
    f"SELECT {_CONTACT_SQL_COLUMNS} FROM contacts_contact"  # noqa: S608 — own columns
    " WHERE organisation_id = %s AND status = ANY(%s::text[])"
)
