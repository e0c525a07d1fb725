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

Steady state makes this enough: a waiting contact further back could only be offered
if an agent that may take it were still free, so where a line was cut short and such
an agent is left untaken, the targeted round does not decide. It also leaves to a
full round what needs the whole queue or the clock for a contact left waiting: a
queue-length or no-agents overflow rule, a closed queue's fallback, a contact past an
overflow or maximum-wait time. Then it writes nothing and returns ``None``.

Like a full round it holds the organisation's :class:`RoutingLock` row and re-checks
its offers under row locks before writing them (:func:`rounds.apply_result`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from distans.contacts.choices import ContactStatus
from distans.contacts.models import Contact
from distans.core import routing as core
from distans.core.routing.lifecycle import end_wrap_up
from distans.core.routing.per_event import longest_idle_of_ordered
from distans.core.routing.rules import (
    effective_priority,
    leave_thresholds,
    waited_seconds,
)
from distans.core.routing.strategy import IDLE_ORDER
from distans.routing import free_agents
from distans.routing.choices import Presence
from distans.routing.convert import CONTACT_COLUMNS, contact_from_values
from distans.routing.dispatcher import request_routing
from distans.routing.free_agents import Pattern, free_channels
from distans.routing.models import AgentState, Queue
from distans.routing.rounds import (
    RoundOutcome,
    agents_by_state,
    apply_result,
    queues_of,
    remember_agent,
)
from distans.routing.sql import (
    ArrivalReads,
    agent_versions,
    begin_arrival_round,
    begin_round,
    contact_from_row,
    freed_agents,
    on_postgresql,
    queue_lines,
    reservations,
    waiting_contacts,
    waiting_lines_sample,
)

#: Waiting contacts read per queue, channel and order in a targeted round; where that
#: is not enough to be sure, the lines are read ``DEEPER`` times deeper once.
LINE_DEPTH = 25
DEEPER = 8
#: Up to this many waiting contacts, a targeted round first reads which lines have any.
WAITING_SAMPLE = 200
ROUTABLE = (Presence.AVAILABLE, Presence.BUSY)

#: A line: the waiting contacts of one queue on one channel.
Part = tuple[str, core.Channel]


@dataclass
class Line:
    """What a targeted round read of one line: whether each read was cut short (more
    contacts wait beyond it) and its last contact."""

    cut: bool = False
    last: core.Contact | None = None
    cut_by_age: bool = False
    last_by_age: core.Contact | None = None

    @property
    def is_cut(self) -> bool:
        return self.cut and self.cut_by_age


_LINE_ORDER = ("-priority", "enqueued_at", "id")
_AGE_ORDER = ("enqueued_at", "id")


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
    if contact_ids and on_postgresql():  # the lock and the reads in one round trip
        table = free_agents.table(organisation_id)
        prefetched = begin_arrival_round(
            organisation_id, contact_ids, table.since(), ROUTABLE, WAITING_SAMPLE, table.built
        )
    if prefetched is None:
        begin_round(organisation_id)
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
        self.queues = queues_of(organisation_id)
        #: Open offers per agent and channel: the capacity they reserve.
        self.reserved: dict[str, dict[core.Channel, int]] = {}
        #: Agents' loads with their open offers counted in (those that have any).
        self.loads: dict[str, dict[core.Channel, int]] = {}
        self.new_offers: list[core.Offer] = []
        self.decisions: list[core.Decision] = []
        self.events: list[core.Event] = []
        self.contacts: dict[str, core.Contact] = {}
        self.deadlines: list[datetime] = []
        self.wrap_ups: dict[int, datetime] = {}
        self.lines: dict[Part, Line] = {}
        #: The free agents grouped by (queues, free channels), each group longest idle
        #: first: set by ``run``.
        self.patterns: Mapping[Pattern, Sequence[core.Agent]] = {}
        self._cursors = self._round_robin_cursors()  # read once, even if lines are re-read

    # -- reading ---------------------------------------------------------------------

    def _read_offers(self, person_ids: set[int] | None) -> None:
        """The capacity the unexpired open offers reserve, by agent (only the people in
        ``person_ids`` when given)."""
        counted = reservations(self.org, self.now, person_ids)
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
        if connection.vendor == "postgresql":
            rows = queue_lines([(int(p[0]), str(p[1]), age) for p, age in reads], depth)
        else:
            rows = [
                (*row, index)
                for index, (part, by_age) in enumerate(reads)
                for row in Contact.objects.filter(
                    queue_id=int(part[0]), status=ContactStatus.WAITING, channel=str(part[1])
                )
                .order_by(*(_AGE_ORDER if by_age else _LINE_ORDER))
                .values_list(*CONTACT_COLUMNS)[:depth]
            ]
        found: list[list[core.Contact]] = [[] for _ in reads]
        convert = contact_from_row if connection.vendor == "postgresql" else contact_from_values
        for row in rows:
            contact = convert(row[:-1])
            found[row[-1]].append(self.contacts.setdefault(contact.id, contact))
        for (part, by_age), contacts in zip(reads, found, strict=True):
            line = self.lines.setdefault(part, Line())
            last = max(contacts, key=_age_key if by_age else _line_key, default=None)
            if by_age:
                line.cut_by_age, line.last_by_age = len(contacts) >= depth, last
            else:
                line.cut, line.last = len(contacts) >= depth, last
                line.cut_by_age = line.cut_by_age or not self.queues[part[0]].aging_per_minute

    def _read_contacts(self, contact_ids: set[int]) -> list[core.Contact]:
        if self.prefetched is not None:
            contacts = self.prefetched.contacts
        else:
            contacts = waiting_contacts(self.org, ids=contact_ids)
        for contact in contacts:
            self.contacts[contact.id] = contact
        return contacts

    def _read_freed(self, person_ids: set[int]) -> list[core.Agent]:
        """The freed agents, the capacity their open offers reserve, and the contacts
        transferred to them in person (on PostgreSQL in one statement)."""
        if not on_postgresql():
            agents = self._read_agents(person_ids)
            for agent in agents:
                self._read_targeted_to(agent.id)
            self._read_offers(person_ids)
            return agents
        agents = []
        targeted: list[int] = []
        for row in freed_agents(self.org, person_ids, self.now):
            agent = remember_agent(self.org, row.state, row.load, row.queue_ids)
            agents.append(agent)
            for channel in row.reserved:
                self._reserve(agent.id, channel)
            targeted += row.targeted
        for contact in waiting_contacts(self.org, ids=targeted):
            self.contacts.setdefault(contact.id, contact)
        return agents

    def _read_agents(self, person_ids: set[int] | None) -> list[core.Agent]:
        """The freed agents (``person_ids``), or every routable agent (``None``)."""
        rows = agent_versions(self.org, person_ids=person_ids, presences=ROUTABLE)
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
            freed = [self._after_wrap_up(agent) for agent in freed]
            for agent in freed:  # contacts transferred to them in person wait too
                self._read_targeted_to(agent.id)
            # Any free agent may be the one for an arrival.
            by_id = {a.id: a for a in self._read_agents(None)}
            by_id.update({a.id: a for a in freed})
            agents = list(by_id.values())
            self._read_offers(None)
        else:
            freed = self._read_freed(person_ids) if person_ids else []
            agents = [self._after_wrap_up(agent) for agent in freed]
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
        # The lines free agents could take from: agents share a few patterns of
        # (queues, free channels), so each pattern is expanded once.
        parts = {
            (queue_id, channel)
            for queue_ids, channels in self.patterns
            for queue_id in queue_ids
            if queue_id in self.queues
            for channel in channels
        }
        # Which lines anyone waits in: worth a read where arrivals may find every line
        # empty, or on SQLite (a query per line); PostgreSQL reads an empty line of the
        # prepared statement with one index probe.
        waiting = self._waiting_lines(contact_ids) if arrived or not on_postgresql() else None
        if waiting is not None:
            parts &= waiting  # lines with nobody waiting need no read
        # Each free agent takes at most one contact: a few per agent usually decide.
        depth = min(LINE_DEPTH, 2 * len(free) + 3)
        self._read_lines(parts, depth)
        offers = self._offer_in_order(free, room)
        unsure = self._unsure(free, room, offers)
        if unsure:
            # Read those lines deeper once; if still unsure, a full round decides.
            self._read_lines(unsure, LINE_DEPTH * DEEPER)
            offers = self._offer_in_order(free, room)
            if self._unsure(free, room, offers):
                raise NeedsFullRound
        for contact in arrived:
            if contact.id not in {o.contact_id for o in offers}:
                self._left_waiting(contact, self.queues.get(contact.queue_id))
        for offer in offers:
            self._offer(offer)
        return self._apply()

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
            parts, seen = waiting_lines_sample(self.org, besides, WAITING_SAMPLE)
        if seen >= WAITING_SAMPLE:
            return None
        return {(str(queue_id), core.Channel(channel)) for queue_id, channel in parts}

    def _unsure(
        self,
        free: Mapping[str, core.Agent],
        room: Mapping[str, frozenset[core.Channel]],
        offers: list[core.Offer],
    ) -> set[Part]:
        """The cut-short lines whose unread contacts could change the decisions: one of
        their agents (with room on their channel) got a contact that may rank behind
        an unread one, or got nothing at all."""
        cut = {part: line for part, line in self.lines.items() if line.is_cut}
        if not cut:
            return set()
        given = {o.agent_id: self.contacts[o.contact_id] for o in offers}
        unsure: set[Part] = set()
        for agent in free.values():
            contact = given.get(agent.id)
            urgency = None
            if contact is not None:
                urgency = self._urgency(contact)
            for queue_id in agent.queue_ids:
                for channel in room[agent.id]:
                    line = cut.get((queue_id, channel))
                    if line is None:
                        continue
                    if urgency is None or not self._before_unread(contact, urgency, line, queue_id):
                        unsure.add((queue_id, channel))
        return unsure

    def _urgency(self, contact: core.Contact) -> float:
        return effective_priority(contact, self.queues[contact.queue_id], self.now)

    def _before_unread(
        self, contact: core.Contact, urgency: float, line: Line, queue_id: str
    ) -> bool:
        """Whether ``contact`` (of urgency ``urgency``) ranks strictly before every
        contact of ``line`` that was not read.

        Unread contacts have a priority no higher than the last one read in service
        order, and (with aging) arrived no earlier than the last one read by age, which
        bounds their effective priority."""
        assert line.last is not None
        queue = self.queues[queue_id]
        if not queue.aging_per_minute:
            bound = float(line.last.priority)
            return urgency > bound or (
                urgency == bound and contact.enqueued_ts < line.last.enqueued_ts
            )
        assert line.last_by_age is not None
        waited_minutes = (self.now.timestamp() - line.last_by_age.enqueued_ts) / 60.0
        return urgency > line.last.priority + queue.aging_per_minute * waited_minutes

    def _read_targeted_to(self, person_id: str) -> None:
        for contact in waiting_contacts(self.org, targeted_to=int(person_id)):
            self.contacts.setdefault(contact.id, contact)

    def _free_channels(self, agent: core.Agent) -> frozenset[core.Channel]:
        own = self.reserved.get(agent.id)
        free, load = free_channels(agent, own)
        if own:
            self.loads[agent.id] = load  # with its open offers, for the decisions
        return free

    def _after_wrap_up(self, agent: core.Agent) -> core.Agent:
        if agent.presence is not core.Presence.WRAP_UP or agent.wrap_up_until is None:
            return agent
        if agent.wrap_up_until > self.now:
            self.wrap_ups[int(agent.id)] = agent.wrap_up_until
            return agent
        transition = end_wrap_up(agent, self.now)
        assert transition.agent is not None
        self.decisions.append(core.EndWrapUp(agent.id, transition.agent.presence))
        self.events.extend(transition.events)
        return transition.agent

    def _offer_in_order(
        self, free: Mapping[str, core.Agent], room: Mapping[str, frozenset[core.Channel]]
    ) -> list[core.Offer]:
        """As a round does: contacts in global (effective priority, arrival, id) order,
        each to its queue strategy's best agent among those not yet offered one."""
        needed: dict[str, set[core.Channel]] = {}  # the lines the contacts wait in
        for c in self.contacts.values():
            needed.setdefault(c.queue_id, set()).add(c.channel)
        # Who has room on a line's channel: the groups of routable members with room
        # (each agent checked once, not per contact). A longest-idle pick looks at each
        # group's first eligible agents (the groups are in that order); other
        # strategies rank all of the line's members (core.best_of_eligible).
        groups: dict[Part, list[Sequence[core.Agent]]] = {}
        for (queue_ids, has_room), agents in self.patterns.items():
            for queue_id in queue_ids:
                channels = needed.get(queue_id)
                if channels:
                    for channel in channels & has_room:
                        groups.setdefault((queue_id, channel), []).append(agents)
        members: dict[Part, list[core.Agent]] = {}

        def members_of(part: Part) -> list[core.Agent]:
            found = members.get(part)
            if found is None:
                found = members[part] = [a for group in groups.get(part, ()) for a in group]
            return found

        by_id = free
        cursors = self._cursors
        taken: set[str] = set()
        offers: list[core.Offer] = []
        loads: dict[str, Mapping[core.Channel, int]] = dict(self.loads)

        def key(contact: core.Contact) -> tuple[float, float, str]:
            queue = self.queues[contact.queue_id]
            return (-effective_priority(contact, queue, self.now), contact.enqueued_ts, contact.id)

        for contact in sorted(
            (c for c in self.contacts.values() if c.queue_id in self.queues), key=key
        ):
            queue = self.queues[contact.queue_id]
            offer = None
            if contact.target_agent_id is not None:
                target = by_id.get(contact.target_agent_id)
                if target is not None and target.id not in taken:
                    offer = core.best_agent_for_contact(
                        self.now, contact, queue, [target], loads=loads
                    )
            elif queue.strategy is core.Strategy.LONGEST_IDLE:
                line = groups.get((contact.queue_id, contact.channel), ())
                offer = longest_idle_of_ordered(self.now, contact, queue, line, taken)
            else:
                part = (contact.queue_id, contact.channel)
                candidates = [a for a in members_of(part) if a.id not in taken]
                if candidates:
                    offer = core.best_of_eligible(
                        self.now, contact, queue, candidates, loads, cursors.get(queue.id)
                    )
            if offer is None:
                continue
            taken.add(offer.agent_id)
            offers.append(offer)
            load = dict(loads.get(offer.agent_id, by_id[offer.agent_id].load))
            load[offer.channel] = load.get(offer.channel, 0) + 1
            loads[offer.agent_id] = load
            # A round-robin turn order is fixed for the round, from the cursor it
            # started with (as the full round's pre-sorted pools); the cursor saved at
            # the end is the last agent offered (``_apply``).
        return offers

    def _left_waiting(self, contact: core.Contact, queue: core.Queue | None) -> None:
        """No agent for an event's contact now. A full round would then apply the rules
        that need the whole queue or the clock; the targeted round leaves those to it."""
        if queue is None:
            raise NeedsFullRound
        if not queue.is_open(self.now):
            if queue.closed_fallback is not None:
                raise NeedsFullRound
            return
        if any(r.when_no_agents for r in queue.overflow) and not self._staffed(queue):
            raise NeedsFullRound
        longest = [r.when_longer_than for r in queue.overflow if r.when_longer_than is not None]
        if longest and self._waiting_in(queue) > min(longest):
            raise NeedsFullRound
        waited = waited_seconds(contact, self.now)
        if any(threshold <= waited for threshold in leave_thresholds(queue)):
            raise NeedsFullRound  # it may overflow or get the fallback now
        due = core.next_rule_change(contact, queue, self.now)
        if due is not None:
            self.deadlines.append(due)

    def _staffed(self, queue: core.Queue) -> bool:
        return AgentState.objects.filter(
            organisation_id=self.org,
            queues=int(queue.id),
            presence__in=[str(p) for p in core.STAFFED_PRESENCES],
        ).exists()

    def _waiting_in(self, queue: core.Queue) -> int:
        return Contact.objects.filter(
            queue_id=int(queue.id), status=ContactStatus.WAITING, target_agent__isnull=True
        ).count()

    def _round_robin_cursors(self) -> dict[str, str | None]:
        wanted = [
            int(q.id) for q in self.queues.values() if q.strategy is core.Strategy.ROUND_ROBIN
        ]
        if not wanted:
            return {}
        rows = Queue.objects.filter(pk__in=wanted).values_list("pk", "round_robin_after")
        return {str(pk): (after or None) for pk, after in rows}

    def _offer(self, offer: core.Offer) -> None:
        self.new_offers.append(offer)
        self.decisions.append(offer)
        self.events.append(core.offer_event(offer))
        self.deadlines.append(offer.expires_at)

    # -- writing ---------------------------------------------------------------------

    def _apply(self) -> RoundOutcome:
        cursors = {
            o.queue_id: o.agent_id
            for o in self.new_offers
            if self.queues[o.queue_id].strategy is core.Strategy.ROUND_ROBIN
        }
        result = core.RoutingResult(tuple(self.decisions), tuple(self.events), cursors)
        outcome = apply_result(self.org, result, [], self.now, self.contacts)
        for queue_id, agent_id in cursors.items():
            Queue.objects.filter(pk=int(queue_id)).update(round_robin_after=agent_id)
        outcome.next_deadline = min(self.deadlines) if self.deadlines else None
        outcome.wrap_ups = self.wrap_ups
        return outcome
