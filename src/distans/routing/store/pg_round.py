"""The PostgreSQL store's start of a round: the organisation's routing lock with
``synchronous_commit = off``, and for arrivals the round's first reads in the same
round trip."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from distans.contacts.choices import ContactStatus
from distans.routing.models import RoutingLock
from distans.routing.store import pg_runner as db
from distans.routing.store.pg_agents import (
    _GONE,
    _SNAPSHOT_XMIN,
    _agent_changes,
    _agent_row,
    _watermark,
)
from distans.routing.store.pg_lines import _SAMPLE, _WAITING_CONTACTS, _sample, contact_from_row
from distans.routing.store.records import AgentChanges, ArrivalReads, BuiltAgents

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
    if db.rows(_BEGIN, [organisation_id]):
        return
    db.run("SET LOCAL synchronous_commit = off", [])  # the organisation's first round
    lock = RoutingLock.objects.select_for_update().filter(organisation_id=organisation_id).first()
    if lock is None:  # the organisation's first round
        RoutingLock.objects.get_or_create(organisation_id=organisation_id)
        RoutingLock.objects.select_for_update().get(organisation_id=organisation_id)


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
    locked, contacts, changed, sampled = db.execute_all(statements)
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
