"""Routing's store: every read and write routing makes, behind one interface.

:class:`RoutingStore` is what rounds, targeted rounds, the free-agent table and the
actions call. Two implementations, chosen once per process by the default database
(:func:`store`):

- :class:`~distans.routing.store.postgres.PostgresStore` — plain SQL, prepared
  statements, a change feed of agent rows, the arrival as one statement (split by
  concern: ``pg_runner``, ``pg_round``, ``pg_arrival``, ``pg_agents``, ``pg_lines``,
  ``pg_writes``);
- :class:`~distans.routing.store.portable.PortableStore` — the ORM, for SQLite (the
  embedded default) or any other database Django supports.

Where the two differ in what they can do, the store says so with a capability
(``arrival_is_one_statement``, ``lines_in_one_statement``, ``change_feed``), never
with a vendor check at the call site. ``tests/web`` runs on both databases.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.db import connection

from distans.routing.process_state import STATE
from distans.routing.store.arrival import unsaved_contact
from distans.routing.store.records import (
    ROUTABLE,
    AgentChanges,
    AgentRow,
    ArrivalReads,
    BuiltAgents,
    FreedAgent,
    Locked,
)

if TYPE_CHECKING:
    from distans.contacts.models import Contact
    from distans.core import routing as core
    from distans.routing.models import AgentState

__all__ = [
    "ROUTABLE",
    "AgentChanges",
    "AgentRow",
    "ArrivalReads",
    "BuiltAgents",
    "FreedAgent",
    "Locked",
    "RoutingStore",
    "store",
    "unsaved_contact",
]


class RoutingStore(Protocol):
    """Routing's reads and writes. Each method runs in the caller's transaction."""

    name: str
    #: ``insert_contact`` is one atomic statement (outside a transaction: autocommit).
    arrival_is_one_statement: bool
    #: ``queue_lines`` reads every line in one statement (else: a query per line).
    lines_in_one_statement: bool
    #: ``agent_changes`` and ``begin_arrival_round``'s agents exist (else: compare every
    #: routable agent's ``(pk, version)`` and the open offers).
    change_feed: bool

    # a round's start
    def begin_round(self, organisation_id: int) -> None:
        """Hold the organisation's ``RoutingLock`` row for this transaction."""

    def begin_arrival_round(
        self,
        organisation_id: int,
        contact_ids: Iterable[int],
        since: str | None,
        presences: Sequence[str],
        sample: int,
        built: BuiltAgents,
    ) -> ArrivalReads | None:
        """Begin a round and make an arrival round's first reads at once, or ``None``
        (nothing done: call :meth:`begin_round` and read one by one)."""

    def agent_changes(
        self, organisation_id: int, since: str | None, presences: Sequence[str], built: BuiltAgents
    ) -> AgentChanges:
        """The agents changed since the watermark ``since`` (``change_feed`` only)."""

    # row locks and writes
    def lock_rows(
        self,
        *,
        agents: Iterable[int] = (),
        contacts: Iterable[int] = (),
        offers: Iterable[int] = (),
    ) -> Locked:
        """Lock agent states (by person), contacts, offers, each in pk order: the one
        lock order of routing's writers; what the agent and contact rows hold."""

    def append_events(self, organisation_id: int, events: Iterable[core.Event]) -> None:
        """Append the core's domain events to the event log."""

    def insert_offers(
        self,
        organisation_id: int,
        offers: Sequence[core.Offer],
        events: Iterable[core.Event] = (),
    ) -> None:
        """Persist new open offers, mark their contacts offered, move their agents'
        versions and append ``events``."""

    def insert_contact(self, contact: Contact, events: Sequence[core.Event] = ()) -> None:
        """Insert a new contact (set its pk) and ``events`` about it."""

    # contacts
    def waiting_contacts(
        self, organisation_id: int, *, ids: Iterable[int] = (), targeted_to: int | None = None
    ) -> list[core.Contact]:
        """Waiting contacts: those in ``ids``, or those transferred to ``targeted_to``."""

    def waiting_lines_sample(
        self, organisation_id: int, besides: Iterable[int], limit: int
    ) -> tuple[set[tuple[int, str]], int]:
        """(queue, channel) of up to ``limit`` waiting contacts but ``besides``, and how
        many that read saw."""

    def queue_lines(
        self, reads: Sequence[tuple[int, str, bool]], depth: int
    ) -> list[tuple[core.Contact, int]]:
        """The first ``depth`` waiting contacts of each read ``(queue, channel, by
        age)``, in service order (or by arrival), each with its read's index."""

    def round_contacts(
        self, organisation_id: int, queues: Mapping[str, core.Queue], limit: int
    ) -> list[core.Contact]:
        """A full round's contacts: everything in queues with overflow rules or a
        maximum wait, every offered contact, and at least the first ``limit`` waiting
        of every other queue."""

    # agents
    def reservations(
        self, organisation_id: int, now: datetime, agent_ids: Iterable[int] | None = None
    ) -> list[tuple[int, str, int]]:
        """Unexpired open offers counted by (agent, channel)."""

    def agent_versions(
        self,
        organisation_id: int,
        *,
        person_ids: Iterable[int] | None,
        presences: Sequence[str],
    ) -> list[tuple[int, int]]:
        """``(AgentState pk, version)`` of agents in ``presences``, or of the people in
        ``person_ids`` unless offline."""

    def agent_rows(
        self, state_ids: Sequence[int]
    ) -> list[tuple[AgentState, dict[str, int], list[int]]]:
        """Agent states with their load (active contacts by channel) and queue ids."""

    def freed_agents(
        self, organisation_id: int, person_ids: Iterable[int], now: datetime
    ) -> list[FreedAgent]:
        """The freed agents (unless offline): state, load, queues, open offers'
        channels and the contacts transferred to them."""


def store() -> RoutingStore:
    """This process's store, chosen once by the default database's vendor (a process's
    default database does not change)."""
    chosen = STATE.store
    if chosen is not None:
        return chosen
    if connection.vendor == "postgresql":  # the one vendor check of routing
        from distans.routing.store.postgres import PostgresStore

        made: RoutingStore = PostgresStore()
    else:
        from distans.routing.store.portable import PortableStore

        made = PortableStore()
    STATE.store = made
    return made
