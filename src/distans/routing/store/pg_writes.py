"""The PostgreSQL store's writes: row locks in the one lock order, the event log, and a
round's offers (offers, contacts' status, agents' versions and events in one
data-modifying ``WITH``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from distans.contacts.choices import ContactStatus
from distans.core import routing as core
from distans.routing.choices import OfferStatus
from distans.routing.store import pg_runner as db
from distans.routing.store.records import Locked, event_rows

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
    if agent_ids or contact_ids:
        for kind, pk, first, channel in db.execute(_LOCK_ROWS, [agent_ids, contact_ids]):
            if kind == "a":
                locked.presence[pk] = first
            else:
                locked.contacts[pk] = (first, channel)
    if offer_ids:
        db.rows(
            "SELECT id FROM routing_offer WHERE id = ANY(%s::bigint[])"
            " ORDER BY id FOR NO KEY UPDATE",
            [offer_ids],
        )
    return locked


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
    rows = event_rows(organisation_id, events)
    if not rows:
        return
    db.execute(
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
    rows = event_rows(organisation_id, events)
    db.execute(
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
