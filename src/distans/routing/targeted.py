"""Per-event routing: the decisions one event can cause, without a full round.

An event names contacts (arrived, declined, transferred back into line …) or agents
(finished a contact, back from a break, wrap-up over …). A targeted round reads only
what those can touch and asks the core's per-event functions, which apply the rules
of :func:`distans.core.routing.route` (core/routing/per_event.py):

- an agent that frees up: the first ``LINE_DEPTH`` waiting contacts of each of their
  queues in service order (two index range scans per queue: by priority then arrival,
  and by arrival alone, which together hold the best contact under priority aging with
  up to two priority levels), plus contacts transferred to them in person;
- a contact that arrives: the routable members of its queue (or the person it was
  transferred to) and their open offers.

Where it cannot be sure to decide as a full round would, it returns ``None`` and the
caller runs a full round instead (:mod:`distans.routing.rounds`): a queue with a
queue-length or no-agents overflow rule, a closed queue, a contact already past a time
rule, a truncated line in which nothing fitted, or a chosen agent who should first get
an older contact. Time rules (widening, overflow after a wait, the maximum wait) are
the full round's: it runs at their deadlines and from the sweeper.

Like a round, a targeted round holds the organisation's :class:`RoutingLock` row and
re-checks its offers under row locks before writing them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from distans.contacts.choices import ContactStatus
from distans.contacts.models import Contact
from distans.core import routing as core
from distans.core.routing.lifecycle import end_wrap_up
from distans.core.routing.rules import channel_is_free, waited_seconds
from distans.routing.choices import OfferStatus, Presence
from distans.routing.convert import CONTACT_COLUMNS, contact_from_values
from distans.routing.models import AgentState, Offer, Queue
from distans.routing.rounds import (
    RoundOutcome,
    _relax_commit_durability,
    agents_by_state,
    apply_result,
    lock_organisation,
    queues_of,
)

#: Waiting contacts read per queue (and per order) for an agent that frees up.
LINE_DEPTH = 25
ROUTABLE = (Presence.AVAILABLE, Presence.BUSY)


def _overflow_and_fallback_times(queue: core.Queue) -> list[float]:
    times = [float(r.after_seconds) for r in queue.overflow if r.after_seconds is not None]
    if queue.max_wait_seconds is not None:
        times.append(float(queue.max_wait_seconds))
    return times


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
    _relax_commit_durability()
    lock_organisation(organisation_id)
    now = now or timezone.now()
    try:
        return _Targeted(organisation_id, now).run(set(contact_ids), set(agent_ids))
    except NeedsFullRound:
        return None


class _Targeted:
    def __init__(self, organisation_id: int, now: datetime) -> None:
        self.org = organisation_id
        self.now = now
        self.queues = queues_of(organisation_id)
        self.offers: list[core.Offer] = []  # open offers read, plus this round's
        self.new_offers: list[core.Offer] = []
        self.decisions: list[core.Decision] = []
        self.events: list[core.Event] = []
        self.offered: set[str] = set()
        self.contacts: dict[str, core.Contact] = {}
        self.deadlines: list[datetime] = []
        self.wrap_ups: dict[int, datetime] = {}
        self._lines: dict[str, tuple[list[core.Contact], bool]] = {}
        self._offers_of: set[str] = set()

    # -- reading ---------------------------------------------------------------------

    def _read_offers(self, person_ids: Iterable[str]) -> None:
        wanted = [int(p) for p in person_ids if p not in self._offers_of]
        if not wanted:
            return
        self._offers_of.update(str(p) for p in wanted)
        for contact_id, agent_id, queue_id, channel, offered_at, expires_at in Offer.objects.filter(
            organisation_id=self.org,
            status=OfferStatus.OPEN,
            agent_id__in=wanted,
            expires_at__gt=self.now,
        ).values_list("contact_id", "agent_id", "queue_id", "channel", "offered_at", "expires_at"):
            self.offers.append(
                core.Offer(
                    str(contact_id),
                    str(agent_id),
                    str(queue_id),
                    core.Channel(channel),
                    offered_at,
                    expires_at,
                )
            )

    def _line(self, queue: core.Queue) -> tuple[list[core.Contact], bool]:
        """The first waiting contacts of ``queue`` and whether the line was cut short."""
        self._read_lines([queue])
        return self._lines[queue.id]

    def _read_lines(self, queues: list[core.Queue]) -> None:
        """Read the lines of ``queues`` not read yet: one statement where the database
        can combine sliced queries (PostgreSQL), else one per queue and order."""
        wanted = [q for q in queues if q.id not in self._lines]
        if not wanted:
            return
        parts = []
        for queue in wanted:
            base = Contact.objects.filter(queue_id=int(queue.id), status=ContactStatus.WAITING)
            parts.append(
                base.order_by("-priority", "enqueued_at", "id").values_list(*CONTACT_COLUMNS)[
                    :LINE_DEPTH
                ]
            )
            if queue.aging_per_minute:
                # With aging, a long-waiting contact of lower priority may come first.
                parts.append(
                    base.order_by("enqueued_at", "id").values_list(*CONTACT_COLUMNS)[:LINE_DEPTH]
                )
        if len(parts) > 1 and connection.features.supports_slicing_ordering_in_compound:
            rows = list(parts[0].union(*parts[1:], all=True))
        else:
            rows = [row for part in parts for row in part]
        by_queue: dict[str, dict[int, core.Contact]] = {q.id: {} for q in wanted}
        for row in rows:
            contact = contact_from_values(row)
            by_queue[contact.queue_id].setdefault(row[0], contact)
            self.contacts.setdefault(contact.id, contact)
        for queue in wanted:
            line = list(by_queue[queue.id].values())
            # Each read returns all waiting contacts when fewer than LINE_DEPTH wait,
            # so the line was cut short exactly when it holds LINE_DEPTH or more.
            self._lines[queue.id] = (line, len(line) >= LINE_DEPTH)

    def _targeted_to(self, person_id: str) -> list[core.Contact]:
        rows = Contact.objects.filter(
            organisation_id=self.org,
            target_agent_id=int(person_id),
            status=ContactStatus.WAITING,
        ).values_list(*CONTACT_COLUMNS)
        contacts = [contact_from_values(row) for row in rows]
        for contact in contacts:
            self.contacts.setdefault(contact.id, contact)
        return contacts

    # -- deciding --------------------------------------------------------------------

    def run(self, contact_ids: set[int], person_ids: set[int]) -> RoundOutcome:
        if person_ids:
            self._agents_free(person_ids)
        if contact_ids:
            self._contacts_arrived(contact_ids)
        return self._apply()

    def _agents_free(self, person_ids: set[int]) -> None:
        rows = list(
            AgentState.objects.filter(organisation_id=self.org, person_id__in=person_ids)
            .exclude(presence=Presence.OFFLINE)
            .values_list("pk", "version")
        )
        agents = agents_by_state(self.org, rows)
        self._read_offers(a.id for a in agents)
        for agent in sorted(agents, key=lambda a: (a.idle_ts, a.id)):
            agent = self._after_wrap_up(agent)
            if agent.presence not in core.ROUTABLE_PRESENCES or not self._has_room(agent):
                continue
            candidates: list[core.Contact] = []
            truncated = False
            self._read_lines([self.queues[q] for q in sorted(agent.queue_ids) if q in self.queues])
            for queue_id in sorted(agent.queue_ids):
                queue = self.queues.get(queue_id)
                if queue is None:
                    continue
                line, cut = self._line(queue)
                candidates += line
                truncated = truncated or cut
            candidates += self._targeted_to(agent.id)
            candidates = [c for c in candidates if c.id not in self.offered]
            offer = core.best_contact_for_agent(
                self.now, agent, self.queues, candidates, self.offers
            )
            if offer is None:
                if truncated:
                    raise NeedsFullRound
                continue
            self._offer(offer)

    def _has_room(self, agent: core.Agent) -> bool:
        load = dict(agent.load)
        for offer in self.offers:
            if offer.agent_id == agent.id:
                load[offer.channel] = load.get(offer.channel, 0) + 1
        return any(channel_is_free(c, agent.capacity, load) for c in agent.capacity)

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

    def _contacts_arrived(self, contact_ids: set[int]) -> None:
        rows = Contact.objects.filter(
            organisation_id=self.org, pk__in=contact_ids, status=ContactStatus.WAITING
        ).values_list(*CONTACT_COLUMNS)
        arrived = [contact_from_values(row) for row in rows]
        arrived = [c for c in arrived if c.id not in self.offered]
        if not arrived:
            return
        for contact in arrived:
            self.contacts.setdefault(contact.id, contact)
        queue_ids = {int(c.queue_id) for c in arrived}
        targets = {int(c.target_agent_id) for c in arrived if c.target_agent_id}
        states = AgentState.objects.filter(organisation_id=self.org, presence__in=ROUTABLE)
        rows = list(states.filter(queues__in=queue_ids).values_list("pk", "version").distinct())
        if targets:
            rows += list(states.filter(person_id__in=targets).values_list("pk", "version"))
        agents = agents_by_state(self.org, rows)
        by_queue: dict[str, list[core.Agent]] = {}
        for agent in agents:
            for queue_id in agent.queue_ids:
                by_queue.setdefault(queue_id, []).append(agent)
        by_id = {a.id: a for a in agents}
        self._read_offers(by_id)
        cursors = self._round_robin_cursors(arrived)
        others = self._queues_with_others_waiting(contact_ids)
        order = sorted(arrived, key=lambda c: core.contact_rank(c, self.queues[c.queue_id]))
        for contact in order:
            queue = self.queues[contact.queue_id]
            if contact.target_agent_id is not None:
                target = by_id.get(contact.target_agent_id)
                candidates = [target] if target is not None else []
            else:
                candidates = by_queue.get(contact.queue_id, [])
            offer = core.best_agent_for_contact(
                self.now, contact, queue, candidates, self.offers, cursors.get(queue.id)
            )
            if offer is None:
                self._left_waiting(contact, queue)
                continue
            agent = by_id[offer.agent_id]
            if others & agent.queue_ids:
                self._check_no_one_before(contact, agent, order)
            self._offer(offer)
            if queue.strategy is core.Strategy.ROUND_ROBIN:
                cursors[queue.id] = agent.id

    def _left_waiting(self, contact: core.Contact, queue: core.Queue) -> None:
        """No agent for ``contact`` now. A full round would then apply the rules that
        need the whole queue or the clock; the targeted round leaves those to it."""
        if not queue.is_open(self.now):
            if queue.closed_fallback is not None:
                raise NeedsFullRound
            return
        if any(r.when_longer_than is not None or r.when_no_agents for r in queue.overflow):
            raise NeedsFullRound
        waited = waited_seconds(contact, self.now)
        if any(threshold <= waited for threshold in _overflow_and_fallback_times(queue)):
            raise NeedsFullRound  # it may overflow or get the fallback now
        due = core.next_rule_change(contact, queue, self.now)
        if due is not None:
            self.deadlines.append(due)

    def _check_no_one_before(
        self, contact: core.Contact, agent: core.Agent, arrived: list[core.Contact]
    ) -> None:
        """A full round would give ``agent`` the best contact of their queues; if that is
        an older one (waiting while the agent was busy elsewhere), let it decide."""
        candidates = [c for c in arrived if c.id not in self.offered]
        for queue_id in sorted(agent.queue_ids):
            queue = self.queues.get(queue_id)
            if queue is not None:
                candidates += [c for c in self._line(queue)[0] if c.id not in self.offered]
        best = core.best_contact_for_agent(self.now, agent, self.queues, candidates, self.offers)
        if best is not None and best.contact_id != contact.id:
            raise NeedsFullRound

    def _round_robin_cursors(self, contacts: list[core.Contact]) -> dict[str, str | None]:
        wanted = {
            int(c.queue_id)
            for c in contacts
            if self.queues[c.queue_id].strategy is core.Strategy.ROUND_ROBIN
        }
        if not wanted:
            return {}
        return {
            str(pk): (after or None)
            for pk, after in Queue.objects.filter(pk__in=wanted).values_list(
                "pk", "round_robin_after"
            )
        }

    def _queues_with_others_waiting(self, contact_ids: set[int]) -> set[str]:
        waiting = Contact.objects.filter(
            queue_id=OuterRef("pk"), status=ContactStatus.WAITING
        ).exclude(pk__in=contact_ids)
        return {
            str(pk)
            for pk in Queue.objects.filter(organisation_id=self.org)
            .filter(Exists(waiting))
            .values_list("pk", flat=True)
        }

    def _offer(self, offer: core.Offer) -> None:
        self.new_offers.append(offer)
        self.offers.append(offer)
        self.offered.add(offer.contact_id)
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
