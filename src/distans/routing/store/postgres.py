"""The PostgreSQL store: routing's hot statements in plain SQL (see
docs/dev/routing-service.md, "The hot statements").

An arrival and a targeted round run about ten statements. Through the ORM each cost
0.5–1 ms of Python on this project's reference machine (building the query,
compiling it, converting the rows): more than PostgreSQL took to run them. Here they
are written once as SQL, split by concern:

- :mod:`pg_runner` — the statement runner (prepared statements, arrays as text);
- :mod:`pg_round` — a round's start (lock, and for arrivals the first reads at once);
- :mod:`pg_arrival` — the arrival insert;
- :mod:`pg_agents` — the agent change feed, agent rows, freed agents, reservations;
- :mod:`pg_lines` — contacts: arrivals, queue lines, a full round's, the sample;
- :mod:`pg_writes` — row locks, the event log, a round's offers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from distans.core import routing as core
from distans.routing.store import pg_agents, pg_arrival, pg_lines, pg_round, pg_writes


class PostgresStore:
    """:class:`~distans.routing.store.RoutingStore` on PostgreSQL."""

    name = "postgresql"
    #: The arrival insert is one statement: outside a transaction it commits on its own.
    arrival_is_one_statement = True
    #: Every line of a targeted round in one statement (an empty line is one probe).
    lines_in_one_statement = True
    #: Agent rows written since a watermark (``xmin``): the free-agent table's feed.
    change_feed = True

    begin_round = staticmethod(pg_round.begin_round)
    begin_arrival_round = staticmethod(pg_round.begin_arrival_round)
    agent_changes = staticmethod(pg_agents.agent_changes)
    lock_rows = staticmethod(pg_writes.lock_rows)
    append_events = staticmethod(pg_writes.append_events)
    insert_offers = staticmethod(pg_writes.insert_offers)
    insert_contact = staticmethod(pg_arrival.insert_contact)
    waiting_contacts = staticmethod(pg_lines.waiting_contacts)
    waiting_lines_sample = staticmethod(pg_lines.waiting_lines_sample)
    reservations = staticmethod(pg_agents.reservations)
    agent_versions = staticmethod(pg_agents.agent_versions)
    agent_rows = staticmethod(pg_agents.agent_rows)
    freed_agents = staticmethod(pg_agents.freed_agents)

    @staticmethod
    def queue_lines(
        reads: Sequence[tuple[int, str, bool]], depth: int
    ) -> list[tuple[core.Contact, int]]:
        return [
            (pg_lines.contact_from_row(row[:-1]), row[-1])
            for row in pg_lines.queue_lines(reads, depth)
        ]

    @staticmethod
    def round_contacts(
        organisation_id: int, queues: Mapping[str, core.Queue], limit: int
    ) -> list[core.Contact]:
        """The first ``limit`` waiting of every (queue, channel) line — a superset of the
        first ``limit`` of every queue — through the line indexes (with aging also by
        age), every offered contact, and everything in queues with overflow rules or a
        maximum wait."""
        all_of = [
            int(q.id) for q in queues.values() if q.overflow or q.max_wait_seconds is not None
        ]
        reads = [
            (int(queue.id), str(channel), by_age)
            for queue in queues.values()
            if int(queue.id) not in all_of
            for channel in core.Channel
            for by_age in ((False, True) if queue.aging_per_minute else (False,))
        ]
        return pg_lines.queued_contacts(organisation_id, all_of, reads, limit)
