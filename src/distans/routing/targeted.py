"""Per-event routing: the decisions an event can cause, without a full round.

An event names contacts (arrived, declined, transferred, asked for a callback) or
agents (finished a contact, ended wrap-up, came back from a break, accepted one chat
and has room for more). A targeted round decides like a full round
(:func:`distans.core.routing.route`: contacts in global order of effective priority
then arrival, each offered to its queue strategy's best free agent, one offer per
agent per round), but over a small state:

- the agents: the freed agents; when contacts arrived, every routable agent of the
  organisation with room for another contact (from the per-process agent cache: one
  ``(pk, version)`` read, rebuilt only where the version moved);
- the contacts: the event's contacts plus the first ``LINE_DEPTH`` waiting contacts
  of every queue those agents serve, in service order (index ``contact_queue_line``;
  with priority aging also the longest-waiting, ``contact_queue_age``; on PostgreSQL
  all lines in one statement).

This module only reads (through the routing store) and writes; the decision is the
pure core's :func:`distans.core.routing.targeted.decide_targeted` over what was read.
Steady state makes a small read enough: a waiting contact further back could only be
offered if an agent that may take it were still free, so where a line was cut short
and such an agent is left untaken, the core asks for the lines deeper, then for a full
round. It also leaves to a full round what needs the whole queue or the clock for a
contact left waiting: a queue-length or no-agents overflow rule, a closed queue's
fallback, a contact past an overflow or maximum-wait time. Then this round writes
nothing and returns ``None``.

Like a full round it holds the organisation's :class:`RoutingLock` row and re-checks
its offers under row locks before writing them (:func:`rounds.apply_result`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from distans.contacts.choices import ContactStatus
from distans.contacts.models import Contact
from distans.core import routing as core
from distans.core.routing.strategy import IDLE_ORDER
from distans.core.routing.targeted import (
    FullRoundNeeded,
    LineRead,
    Part,
    Pattern,
    ReadDeeper,
    TargetedDecision,
    TargetedState,
    decide_targeted,
    end_due_wrap_ups,
    free_channels,
    line_parts,
    needs_length,
    needs_staffing,
)
from distans.routing import free_agents
from distans.routing.choices import Presence
from distans.routing.dispatcher import request_routing
from distans.routing.models import AgentState, Queue
from distans.routing.rounds import (
    RoundOutcome,
    agents_by_state,
    apply_result,
    queues_of,
    remember_agent,
)
from distans.routing.store import ArrivalReads, store

#: Waiting contacts read per queue, channel and order in a targeted round; where that
#: is not enough to be sure, the lines are read ``DEEPER`` times deeper once.
LINE_DEPTH = 25
DEEPER = 8
#: Up to this many waiting contacts, a targeted round first reads which lines have any.
WAITING_SAMPLE = 200
ROUTABLE = (Presence.AVAILABLE, Presence.BUSY)


def _line_key(contact: core.Contact) -> tuple[int, float, int]:
    return (-contact.priority, contact.enqueued_ts, int(contact.id))


def _age_key(contact: core.Contact) -> tuple[float, int]:
    return (contact.enqueued_ts, int(contact.id))


class NeedsFullRound(Exception):
    """The targeted round cannot decide like a full round would; run one instead."""


@transaction.atomic
def run_targeted(
    organisation_id: int,
    contact_ids: Iterable[int] = (),
    agent_ids: Iterable[int] = (),
    now: datetime | None = None,
) -> RoundOutcome | None:
    """Route what ``contact_ids`` (contacts) and ``agent_ids`` (people) can cause.

    Returns ``None`` when a full round must decide instead (nothing was written)."""
    contact_ids, agent_ids = set(contact_ids), set(agent_ids)
    prefetched = None
    routing_store = store()
    if contact_ids and routing_store.change_feed:  # the lock and the reads in one round trip
        table = free_agents.table(organisation_id)
        prefetched = routing_store.begin_arrival_round(
            organisation_id, contact_ids, table.since(), ROUTABLE, WAITING_SAMPLE, table.built
        )
    if prefetched is None:
        routing_store.begin_round(organisation_id)
    elif not prefetched.contacts and not agent_ids:
        return RoundOutcome()  # each arrival was offered already (by another round)
    now = now or timezone.now()
    try:
        return _Targeted(organisation_id, now, prefetched).run(contact_ids, agent_ids)
    except NeedsFullRound:
        return None


class _Targeted:
    def __init__(
        self, organisation_id: int, now: datetime, prefetched: ArrivalReads | None = None
    ) -> None:
        self.org = organisation_id
        self.now = now
        self.prefetched = prefetched
        self.store = store()
        self.queues = queues_of(organisation_id)
        #: Open offers per agent and channel: the capacity they reserve.
        self.reserved: dict[str, dict[core.Channel, int]] = {}
        #: Agents' loads with their open offers counted in (those that have any).
        self.loads: dict[str, Mapping[core.Channel, int]] = {}
        #: Wrap-ups ended by this round (before its offers).
        self.decisions: list[core.Decision] = []
        self.events: list[core.Event] = []
        self.contacts: dict[str, core.Contact] = {}
        self.wrap_ups: dict[int, datetime] = {}
        self.lines: dict[Part, LineRead] = {}
        #: The free agents grouped by (queues, free channels), each group longest idle
        #: first: set by ``run``.
        self.patterns: Mapping[Pattern, Sequence[core.Agent]] = {}
        self._cursors = self._round_robin_cursors()  # read once, even if lines are re-read

    # -- reading ---------------------------------------------------------------------

    def _read_offers(self, person_ids: set[int] | None) -> None:
        """The capacity the unexpired open offers reserve, by agent (only the people in
        ``person_ids`` when given)."""
        counted = self.store.reservations(self.org, self.now, person_ids)
        for agent_id, channel, count in counted:
            self._reserve(str(agent_id), channel, count)

    def _reserve(self, agent_id: str, channel: str, count: int = 1) -> None:
        own = self.reserved.setdefault(agent_id, {})
        own[core.Channel(channel)] = own.get(core.Channel(channel), 0) + count

    def _read_lines(self, parts: set[Part], depth: int) -> None:
        """Read the first ``depth`` waiting contacts of each (queue, channel) in service
        order (and, with priority aging, the ``depth`` longest-waiting): on PostgreSQL in
        one statement, else one query each."""
        reads: list[tuple[Part, bool]] = []
        for part in sorted(parts):
            reads.append((part, False))
            if self.queues[part[0]].aging_per_minute:
                # With aging, a long-waiting contact of lower priority may come first.
                reads.append((part, True))
        if not reads:
            return
        read = [(int(p[0]), str(p[1]), age) for p, age in reads]
        found: list[list[core.Contact]] = [[] for _ in reads]
        for contact, index in self.store.queue_lines(read, depth):
            found[index].append(self.contacts.setdefault(contact.id, contact))
        for (part, by_age), contacts in zip(reads, found, strict=True):
            line = self.lines.get(part, LineRead())
            last = max(contacts, key=_age_key if by_age else _line_key, default=None)
            if by_age:
                line = replace(line, cut_by_age=len(contacts) >= depth, last_by_age=last)
            else:
                aging = bool(self.queues[part[0]].aging_per_minute)
                cut_by_age = line.cut_by_age or not aging
                line = replace(line, cut=len(contacts) >= depth, last=last, cut_by_age=cut_by_age)
            self.lines[part] = line

    def _read_contacts(self, contact_ids: set[int]) -> list[core.Contact]:
        if self.prefetched is not None:
            contacts = self.prefetched.contacts
        else:
            contacts = self.store.waiting_contacts(self.org, ids=contact_ids)
        for contact in contacts:
            self.contacts[contact.id] = contact
        return contacts

    def _read_freed(self, person_ids: set[int]) -> list[core.Agent]:
        """The freed agents, the capacity their open offers reserve, and the contacts
        transferred to them in person (on PostgreSQL in one statement)."""
        agents = []
        targeted: list[int] = []
        for row in self.store.freed_agents(self.org, person_ids, self.now):
            agent = remember_agent(self.org, row.state, row.load, row.queue_ids)
            agents.append(agent)
            for channel in row.reserved:
                self._reserve(agent.id, channel)
            targeted += row.targeted
        for contact in self.store.waiting_contacts(self.org, ids=targeted):
            self.contacts.setdefault(contact.id, contact)
        return agents

    def _read_agents(self, person_ids: set[int] | None) -> list[core.Agent]:
        """The freed agents (``person_ids``), or every routable agent (``None``)."""
        rows = self.store.agent_versions(self.org, person_ids=person_ids, presences=ROUTABLE)
        return agents_by_state(self.org, rows)

    # -- deciding --------------------------------------------------------------------

    def run(self, contact_ids: set[int], person_ids: set[int]) -> RoundOutcome:
        arrived = self._read_contacts(contact_ids) if contact_ids else []
        if arrived and not person_ids:
            table = free_agents.table(self.org)
            with table.lock:  # the organisation's routing lock covers this on PostgreSQL
                free, room = self._from_table(table)
                outcome = self._decide(arrived, contact_ids, free, room)
                if outcome.agents_gone:
                    # A deleted agent leaves no row for a read of changes to find: read
                    # the table afresh, and route the contacts offered to them again.
                    table.clear()
                    request_routing(self.org, contacts=outcome.contacts_of_gone)
                return outcome
        if arrived:
            freed = self._read_agents(person_ids)
            freed = self._after_wrap_up(freed)
            for agent in freed:  # contacts transferred to them in person wait too
                self._read_targeted_to(agent.id)
            # Any free agent may be the one for an arrival.
            by_id = {a.id: a for a in self._read_agents(None)}
            by_id.update({a.id: a for a in freed})
            agents = list(by_id.values())
            self._read_offers(None)
        else:
            freed = self._read_freed(person_ids) if person_ids else []
            agents = self._after_wrap_up(freed)
        room = {a.id: self._free_channels(a) for a in agents}
        free = {a.id: a for a in agents if room[a.id]}
        groups: dict[Pattern, list[core.Agent]] = {}
        for agent in free.values():
            groups.setdefault((agent.queue_ids, room[agent.id]), []).append(agent)
        for group in groups.values():
            group.sort(key=IDLE_ORDER)
        self.patterns = groups
        return self._decide(arrived, contact_ids, free, room)

    def _decide(
        self,
        arrived: list[core.Contact],
        contact_ids: set[int],
        free: Mapping[str, core.Agent],
        room: Mapping[str, frozenset[core.Channel]],
    ) -> RoundOutcome:
        # The lines free agents could take from (each pattern expanded once).
        parts = line_parts(self.patterns, self.queues)
        # Which lines anyone waits in: worth a read where arrivals may find every line
        # empty, or on SQLite (a query per line); PostgreSQL reads an empty line of the
        # prepared statement with one index probe.
        sample = arrived or not self.store.lines_in_one_statement
        waiting = self._waiting_lines(contact_ids) if sample else None
        if waiting is not None:
            parts &= waiting  # lines with nobody waiting need no read
        # Each free agent takes at most one contact: a few per agent usually decide.
        depth = min(LINE_DEPTH, 2 * len(free) + 3)
        self._read_lines(parts, depth)
        staffed, waiting_counts = self._facts(arrived)
        events = frozenset(c.id for c in arrived)

        def state() -> TargetedState:
            return TargetedState(
                self.now, self.queues, self.contacts, free, room, self.loads, self.patterns,
                self.lines, self._cursors, events, staffed, waiting_counts,
            )  # fmt: skip

        decided = decide_targeted(state())
        if isinstance(decided, ReadDeeper):
            # Read those lines deeper once; if still unsure, a full round decides.
            self._read_lines(set(decided.parts), LINE_DEPTH * DEEPER)
            decided = decide_targeted(state())
        if isinstance(decided, ReadDeeper | FullRoundNeeded):
            raise NeedsFullRound
        return self._apply(decided)

    def _facts(self, arrived: list[core.Contact]) -> tuple[frozenset[str], dict[str, int]]:
        """What the core asks of the queues of arrivals it may leave waiting: whether
        anyone staffs a queue with a no-agents overflow rule, how many wait in one with
        a queue-length rule (only such queues are read)."""
        staffed: set[str] = set()
        counts: dict[str, int] = {}
        for queue_id in {c.queue_id for c in arrived}:
            queue = self.queues.get(queue_id)
            if queue is None:
                continue
            if needs_staffing(queue) and self._staffed(queue):
                staffed.add(queue_id)
            if needs_length(queue):
                counts[queue_id] = self._waiting_in(queue)
        return frozenset(staffed), counts

    def _from_table(
        self, agents: free_agents.FreeAgents
    ) -> tuple[Mapping[str, core.Agent], Mapping[str, frozenset[core.Channel]]]:
        """Arrivals only: every routable agent with room, from this process's table,
        brought up to what this round read under the lock (:mod:`free_agents`)."""
        try:
            changes = self.prefetched.changes if self.prefetched is not None else None
            if changes is not None and (changes.full or agents.watermark is not None):
                agents.apply(changes, self.now)
            else:  # read here, under the lock this round holds
                agents.refresh(self.now)
        except BaseException:
            agents.clear()  # half-updated: rebuilt by the next round (holding its lock)
            raise
        self.loads = dict(agents.loads)
        self.patterns = agents.groups
        return agents.free, agents.room

    def _waiting_lines(self, besides: set[int]) -> set[Part] | None:
        """The (queue, channel) lines where anyone other than ``besides`` waits, when
        few wait in the whole organisation (one short read of the status index);
        ``None`` when many do."""
        if self.prefetched is not None:  # read for the same contacts
            parts, seen = self.prefetched.waiting
        else:
            parts, seen = self.store.waiting_lines_sample(self.org, besides, WAITING_SAMPLE)
        if seen >= WAITING_SAMPLE:
            return None
        return {(str(queue_id), core.Channel(channel)) for queue_id, channel in parts}

    def _read_targeted_to(self, person_id: str) -> None:
        for contact in self.store.waiting_contacts(self.org, targeted_to=int(person_id)):
            self.contacts.setdefault(contact.id, contact)

    def _free_channels(self, agent: core.Agent) -> frozenset[core.Channel]:
        own = self.reserved.get(agent.id)
        free, load = free_channels(agent, own)
        if own:
            self.loads[agent.id] = load  # with its open offers, for the decisions
        return free

    def _after_wrap_up(self, agents: list[core.Agent]) -> list[core.Agent]:
        ends = end_due_wrap_ups(agents, self.now)
        self.decisions.extend(ends.decisions)
        self.events.extend(ends.events)
        self.wrap_ups.update({int(agent_id): end for agent_id, end in ends.running.items()})
        return list(ends.agents)

    def _staffed(self, queue: core.Queue) -> bool:
        return AgentState.objects.filter(
            organisation_id=self.org,
            queues=int(queue.id),
            presence__in=[str(p) for p in core.STAFFED_PRESENCES],
        ).exists()

    def _waiting_in(self, queue: core.Queue) -> int:
        # Contacts transferred to a person count too: a full round's position in line
        # does (the property test found the difference).
        return Contact.objects.filter(queue_id=int(queue.id), status=ContactStatus.WAITING).count()

    def _round_robin_cursors(self) -> dict[str, str | None]:
        wanted = [
            int(q.id) for q in self.queues.values() if q.strategy is core.Strategy.ROUND_ROBIN
        ]
        if not wanted:
            return {}
        rows = Queue.objects.filter(pk__in=wanted).values_list("pk", "round_robin_after")
        return {str(pk): (after or None) for pk, after in rows}

    # -- writing ---------------------------------------------------------------------

    def _apply(self, decided: TargetedDecision) -> RoundOutcome:
        cursors = dict(decided.round_robin_after)
        result = core.RoutingResult(
            (*self.decisions, *decided.offers), (*self.events, *decided.events), cursors
        )
        outcome = apply_result(self.org, result, [], self.now, self.contacts)
        for queue_id, agent_id in cursors.items():
            Queue.objects.filter(pk=int(queue_id)).update(round_robin_after=agent_id)
        outcome.next_deadline = min(decided.deadlines) if decided.deadlines else None
        outcome.wrap_ups = self.wrap_ups
        return outcome
