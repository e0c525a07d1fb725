"""One routing round for one organisation: load state, ask the pure core, apply.

A round holds the organisation's :class:`RoutingLock` row (``SELECT … FOR UPDATE``),
so rounds never overlap whichever process runs them; the partial unique index
``one_open_offer_per_contact`` makes a double offer impossible even so.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from distans.accounts.models import Organisation
from distans.contacts.choices import QUEUED_STATUSES, ContactStatus
from distans.contacts.models import Contact
from distans.core import routing as core
from distans.core.routing.rules import channel_is_free
from distans.realtime.groups import person_group, supervisors_group
from distans.realtime.publish import QUEUES_COALESCE_SECONDS, LiveKind, publish
from distans.routing.choices import OfferStatus, Presence
from distans.routing.convert import (
    agent_to_core,
    offer_to_core,
    queue_to_core,
)
from distans.routing.models import AgentState, Offer, Queue
from distans.routing.process_state import STATE
from distans.routing.store import Locked, store


@dataclass
class RoundOutcome:
    offers: int = 0
    expired: int = 0
    overflows: int = 0
    fallbacks: int = 0
    next_deadline: datetime | None = None
    # Agents in wrap-up and when it ends (person id → end): each then frees up.
    wrap_ups: dict[int, datetime] = field(default_factory=dict)
    changed_contacts: set[int] = field(default_factory=set)
    #: Agents offered a contact whose state row was gone when locked (deleted), and
    #: those contacts (left waiting).
    agents_gone: set[int] = field(default_factory=set)
    contacts_of_gone: set[int] = field(default_factory=set)


logger = logging.getLogger(__name__)

# Routing's per-process caches (agents by version, queues, queue tokens, free-agent
# tables, last full round) all live in process_state.STATE: one owner, one clear().
_agent_cache = STATE.agents
_queue_cache = STATE.queues


def clear_caches() -> None:
    STATE.clear()


def forget_queues(organisation_id: int) -> None:
    STATE.forget_queues(organisation_id)


# Queue settings changed in another process: a token per organisation in the shared
# cache (Redis with several processes), replaced on every change of a queue. A process
# compares it with the token it loaded its queues under, at most every
# QUEUE_TOKEN_CHECK_SECONDS (targeted rounds stay free of a cache read per event).
QUEUE_TOKEN_CHECK_SECONDS = 0.5
_queue_tokens = STATE.queue_tokens  # org → (token, checked at)


def _queue_token_key(organisation_id: int) -> str:
    return f"distans:queues:{organisation_id}"


def announce_queue_change(organisation_id: int) -> None:
    """Tell every process that the organisation's queues changed (after commit)."""
    import uuid

    from django.core.cache import cache

    try:
        cache.set(_queue_token_key(organisation_id), uuid.uuid4().hex, None)
    except Exception:
        logger.warning("could not announce a queue change", exc_info=True)


def _queue_token(organisation_id: int) -> str | None:
    from django.core.cache import cache

    try:
        return cache.get(_queue_token_key(organisation_id))
    except Exception:
        return None


def _cached_queues_stale(organisation_id: int) -> bool:
    token, checked = _queue_tokens.get(organisation_id, (None, 0.0))
    now = time.monotonic()
    if now - checked < QUEUE_TOKEN_CHECK_SECONDS:
        return False
    current = _queue_token(organisation_id)
    _queue_tokens[organisation_id] = (token, now)
    return current != token


def queues_of(organisation_id: int) -> dict[str, core.Queue]:
    cached = _queue_cache.get(organisation_id)
    if cached is None or _cached_queues_stale(organisation_id):
        cached = load_queues(Organisation.objects.get(pk=organisation_id))[0]
    return cached


def load_agents(organisation_id: int) -> list[core.Agent]:
    rows = list(
        AgentState.objects.for_org(organisation_id)
        .exclude(presence=Presence.OFFLINE)
        .values_list("pk", "version")
    )
    agents = agents_by_state(organisation_id, rows)
    cache = _agent_cache[organisation_id]
    present = {pk for pk, _ in rows}
    for pk in [pk for pk in cache if pk not in present]:
        del cache[pk]
    return agents


def agents_by_state(organisation_id: int, rows: list[tuple[int, int]]) -> list[core.Agent]:
    """The core's agents for ``(AgentState pk, version)`` rows, rebuilt only where the
    version moved since this process last read them."""
    return list(agents_by_pk(organisation_id, rows).values())


def agents_by_pk(organisation_id: int, rows: list[tuple[int, int]]) -> dict[int, core.Agent]:
    """:func:`agents_by_state` keyed by state pk (rows whose state is gone are left out)."""
    cache = _agent_cache.setdefault(organisation_id, {})
    stale = [pk for pk, version in rows if cache.get(pk, (-1, None))[0] != version]
    if stale:
        _rebuild_agents(organisation_id, stale)
    return {pk: cache[pk][1] for pk, _ in rows if pk in cache}


def _rebuild_agents(organisation_id: int, state_ids: list[int]) -> None:
    for start in range(0, len(state_ids), 500):
        for state, load, queue_ids in store().agent_rows(state_ids[start : start + 500]):
            remember_agent(organisation_id, state, load, queue_ids)


def remember_agent(
    organisation_id: int, state: AgentState, load: Mapping[str, int], queue_ids: list[int]
) -> core.Agent:
    """The core's agent for a freshly read state, kept in the agent cache."""
    agent = agent_to_core(state, Counter(load), queue_ids)
    return remember(organisation_id, state.pk, state.version, agent)


def remember(organisation_id: int, state_pk: int, version: int, agent: core.Agent) -> core.Agent:
    """Keep ``agent`` (read at ``version``) in the agent cache."""
    _agent_cache.setdefault(organisation_id, {})[state_pk] = (version, agent)
    return agent


def load_queues(organisation: Organisation) -> tuple[dict[str, core.Queue], dict[str, str]]:
    _queue_tokens[organisation.pk] = (_queue_token(organisation.pk), time.monotonic())
    # Archived queues too (closed): a contact an offer gives back to one after its
    # plan ended must still be handled (its closed fallback), not be unknown.
    rows = list(Queue.all_objects.for_org(organisation))
    for row in rows:
        if row.archived_at is not None:
            row.always_open, row.weekly_hours, row.special_days, row.holiday_hours = (
                False, {}, {}, {},
            )  # fmt: skip
    code_to_id = {q.code: str(q.pk) for q in rows}
    queues = {str(q.pk): queue_to_core(q, organisation.time_zone, code_to_id) for q in rows}
    round_robin = {str(q.pk): q.round_robin_after for q in rows if q.round_robin_after}
    _queue_cache[organisation.pk] = queues
    return queues, round_robin


def _free_agents(agents: list[core.Agent]) -> int:
    """Routable agents with room for at least one more contact of some channel (a
    phone call blocks every other channel)."""
    free = 0
    for agent in agents:
        if agent.presence in core.ROUTABLE_PRESENCES and any(
            channel_is_free(channel, agent.capacity, agent.load) for channel in agent.capacity
        ):
            free += 1
    return free


def load_contacts(
    organisation_id: int, queues: dict[str, core.Queue], free_agents: int
) -> list[core.Contact]:
    """The queued contacts a round needs, not all of them.

    Every contact of a queue with overflow rules or a maximum wait (they may have to
    move, whatever their place). For other queues, at least the first ``2 × free agents
    + 100`` by priority then arrival: a round gives each agent at most one offer, so
    contacts further back cannot be reached this round. (With priority aging the core
    orders by effective priority; the read orders by base priority, which only matters
    when more than that many contacts of a queue would be passed over.)"""
    return store().round_contacts(organisation_id, queues, 2 * free_agents + 100)


@transaction.atomic
def run_round(organisation_id: int, now: datetime | None = None) -> RoundOutcome:
    store().begin_round(organisation_id)
    now = now or timezone.now()
    organisation = Organisation.objects.get(pk=organisation_id)
    queues, round_robin = load_queues(organisation)
    # Lock the offers this round may expire, so an accept that is in flight finishes
    # first (and the round then sees it accepted) instead of racing it. Offers are read
    # before agents' loads: an accept committing in between is counted twice (safe),
    # never zero times. Rows are locked in the order every writer uses — agent states,
    # then contacts, then offers — so that no two transactions wait on each other.
    expiring = list(
        Offer.objects.filter(
            organisation_id=organisation_id, status=OfferStatus.OPEN, expires_at__lte=now
        ).values_list("pk", "agent_id", "contact_id")
    )
    if expiring:
        store().lock_rows(
            agents=[agent for _, agent, _ in expiring],
            contacts=[contact for _, _, contact in expiring],
            offers=[pk for pk, _, _ in expiring],
        )
    open_offers = list(Offer.objects.for_org(organisation_id).filter(status=OfferStatus.OPEN))
    agents = load_agents(organisation_id)
    contacts = load_contacts(organisation_id, queues, _free_agents(agents))
    result = core.route(
        now,
        queues,
        contacts,
        agents,
        [offer_to_core(o) for o in open_offers],
        round_robin,
    )
    outcome = apply_result(organisation_id, result, open_offers, now, {c.id: c for c in contacts})
    for queue_id, agent_id in result.round_robin_after.items():
        if round_robin.get(queue_id) != agent_id:
            Queue.objects.filter(pk=int(queue_id)).update(round_robin_after=agent_id)
    deadlines = [o.expires_at for o in open_offers if o.expires_at > now]
    deadlines += [o.expires_at for o in result.offers]
    outcome.wrap_ups = {
        int(a.id): a.wrap_up_until
        for a in agents
        if a.presence is core.Presence.WRAP_UP and a.wrap_up_until and a.wrap_up_until > now
    }
    rule_change = _next_rule_change(queues, contacts, {o.contact_id for o in result.offers}, now)
    if rule_change is not None:
        deadlines.append(rule_change)
    outcome.next_deadline = min(deadlines) if deadlines else None
    _last_full_round[organisation_id] = time.monotonic()
    return outcome


# When this process last ran a full round per organisation (monotonic seconds).
_last_full_round = STATE.last_full_round


def seconds_since_full_round(organisation_id: int) -> float:
    last = _last_full_round.get(organisation_id)
    return float("inf") if last is None else time.monotonic() - last


def _next_rule_change(
    queues: dict[str, core.Queue],
    contacts: list[core.Contact],
    offered: set[str],
    now: datetime,
) -> datetime | None:
    """The earliest moment a time rule (widening, overflow, maximum wait) changes a
    contact left waiting: the next full round is due then."""
    timed = {qid for qid, q in queues.items() if q.widening or q.overflow or q.max_wait_seconds}
    earliest: datetime | None = None
    for contact in contacts:
        if contact.queue_id in timed and contact.id not in offered:
            due = core.next_rule_change(contact, queues[contact.queue_id], now)
            if due is not None and (earliest is None or due < earliest):
                earliest = due
    return earliest


def apply_result(
    organisation_id: int,
    result: core.RoutingResult,
    open_offers: list[Offer],
    now: datetime,
    contacts_by_id: dict[str, core.Contact] | None = None,
) -> RoundOutcome:
    outcome = RoundOutcome()
    offer_by_contact = {o.contact_id: o for o in open_offers}
    new_offers: list[core.Offer] = []
    touched_agents = [
        int(d.agent_id)
        for d in result.decisions
        if isinstance(d, core.Offer | core.ExpireOffer | core.SetAgentAway | core.EndWrapUp)
    ]
    touched_contacts = [
        int(d.contact_id)
        for d in result.decisions
        if isinstance(d, core.Offer | core.ExpireOffer | core.Overflow | core.Fallback)
    ]
    locked = store().lock_rows(agents=touched_agents, contacts=touched_contacts)
    for decision in result.decisions:
        if isinstance(decision, core.Offer):
            new_offers.append(decision)
        elif isinstance(decision, core.ExpireOffer):
            _expire(organisation_id, offer_by_contact, decision, now)
            outcome.expired += 1
        elif isinstance(decision, core.Overflow):
            contact = Contact.objects.get(pk=int(decision.contact_id))
            contact.visited_queue_ids = sorted(
                {*contact.visited_queue_ids, int(decision.from_queue_id)}
            )
            contact.queue_id = int(decision.to_queue_id)
            contact.queue_entered_at = now
            contact.excluded_agent_ids = []
            contact.save(
                update_fields=[
                    "visited_queue_ids",
                    "queue",
                    "queue_entered_at",
                    "excluded_agent_ids",
                ]
            )
            outcome.overflows += 1
        elif isinstance(decision, core.Fallback):
            Contact.objects.filter(pk=int(decision.contact_id), status__in=QUEUED_STATUSES).update(
                status=ContactStatus.FALLBACK, fallback_kind=str(decision.kind), ended_at=now
            )
            _mark(locked, int(decision.contact_id), ContactStatus.FALLBACK)
            outcome.fallbacks += 1
            publish_contact_change(organisation_id, int(decision.contact_id), "fallback")
        elif isinstance(decision, core.SetAgentAway):
            AgentState.objects.filter(person_id=int(decision.agent_id)).update(
                presence=Presence.AWAY, presence_changed_at=now
            )
            locked.presence[int(decision.agent_id)] = str(Presence.AWAY)
            publish(person_group(int(decision.agent_id)), "agent_state")
        elif isinstance(decision, core.EndWrapUp):
            AgentState.objects.filter(person_id=int(decision.agent_id)).update(
                presence=str(decision.presence),
                wrap_up_until=None,
                presence_changed_at=now,
            )
            locked.presence[int(decision.agent_id)] = str(decision.presence)
            publish(person_group(int(decision.agent_id)), "agent_state")
    valid = _still_valid(new_offers, locked, contacts_by_id or {})
    dropped = {o.contact_id for o in new_offers} - {o.contact_id for o in valid}
    to_gone = [o for o in new_offers if int(o.agent_id) not in locked.presence]
    outcome.agents_gone = {int(o.agent_id) for o in to_gone}
    outcome.contacts_of_gone = {int(o.contact_id) for o in to_gone}
    # The offers, their contacts' status and the round's events: one statement.
    store().insert_offers(
        organisation_id,
        valid,
        [
            e
            for e in result.events
            if not (e.name == core.EventName.OFFERED and e.contact_id in dropped)
        ],
    )
    for offer in valid:
        publish(person_group(int(offer.agent_id)), "offer", contact_id=int(offer.contact_id))
    outcome.offers = len(valid)
    if result.decisions:
        publish(
            supervisors_group(organisation_id), "queues", coalesce_seconds=QUEUES_COALESCE_SECONDS
        )
    return outcome


def _mark(locked: Locked, contact_id: int, status: str) -> None:
    if contact_id in locked.contacts:
        locked.contacts[contact_id] = (status, locked.contacts[contact_id][1])


def _still_valid(
    offers: list[core.Offer], locked: Locked, seen: dict[str, core.Contact]
) -> list[core.Offer]:
    """Re-check what the round read without locks against the locked rows (as this
    round's own writes left them): the contact is still queued on the same channel,
    and the agent still takes offers. Anything that changed meanwhile (abandoned,
    callback, break) is left to the next round."""
    valid = []
    for offer in offers:
        status, channel = locked.contacts.get(int(offer.contact_id), (None, None))
        seen_contact = seen.get(offer.contact_id)
        if (
            status in QUEUED_STATUSES
            and locked.presence.get(int(offer.agent_id)) in ROUTABLE
            and (seen_contact is None or str(seen_contact.channel) == channel)
        ):
            valid.append(offer)
    return valid


ROUTABLE = (str(Presence.AVAILABLE), str(Presence.BUSY))


def _expire(
    organisation_id: int, offers: dict[int, Offer], decision: core.ExpireOffer, now: datetime
) -> None:
    contact_id = int(decision.contact_id)
    agent_id = int(decision.agent_id)
    offer = offers.get(contact_id)
    if offer is not None:
        Offer.objects.filter(pk=offer.pk, status=OfferStatus.OPEN).update(
            status=OfferStatus.TIMED_OUT, closed_at=now
        )
    contact = Contact.objects.get(pk=contact_id)
    contact.excluded_agent_ids = sorted({*contact.excluded_agent_ids, agent_id})
    if contact.status == ContactStatus.OFFERED:
        contact.status = ContactStatus.WAITING
    contact.save(update_fields=["excluded_agent_ids", "status"])
    AgentState.objects.filter(
        person_id=agent_id, presence__in=[Presence.AVAILABLE, Presence.BUSY]
    ).update(consecutive_timeouts=F("consecutive_timeouts") + 1)
    publish(person_group(agent_id), "offer_closed", contact_id=contact_id)


def publish_contact_change(organisation_id: int, contact_id: int, kind: LiveKind) -> None:
    publish(f"contact.{contact_id}", kind, contact_id=contact_id)
