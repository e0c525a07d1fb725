"""Per-event routing: one decision for one event, without a full round.

- :func:`best_agent_for_contact` — "a contact arrived (or its offer ended)": the
  agent the queue's strategy picks among the given candidates.

It applies exactly the rules of :func:`distans.core.routing.route` (eligibility,
widening, capacity incl. open offers, exclusions, person transfers, opening hours)
and cost O(candidates). The caller keeps the candidate lists short: e.g. SQL
``WHERE queue AND presence IN (available, busy)`` for agents, and the first K contacts
per queue ``ORDER BY rank`` (:func:`contact_rank`) for contacts.
"""

from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from distans.core.routing.decisions import Event, EventName
from distans.core.routing.model import (
    ROUTABLE_PRESENCES,
    Agent,
    Channel,
    Contact,
    Offer,
    Queue,
    Strategy,
)
from distans.core.routing.rules import (
    channel_is_free,
    effective_requirements,
    meets,
    occupancy,
    waited_seconds,
)
from distans.core.routing.strategy import IDLE_ORDER, strategy_key


def _load_with_offers(agent: Agent, offers: Sequence[Offer]) -> Mapping[Channel, int]:
    """The agent's load plus one per open offer in ``offers`` (already the agent's own)."""
    if not offers:
        return agent.load
    load = dict(agent.load)
    for offer in offers:
        load[offer.channel] = load.get(offer.channel, 0) + 1
    return load


def _open_offers_by_agent(offers: Iterable[Offer], now: datetime) -> dict[str, list[Offer]]:
    by_agent: dict[str, list[Offer]] = {}
    for offer in offers:
        if offer.expires_at > now:
            by_agent.setdefault(offer.agent_id, []).append(offer)
    return by_agent


def _make_offer(contact: Contact, agent: Agent, queue: Queue, now: datetime) -> Offer:
    expires_at = now + timedelta(seconds=queue.offer_timeout_seconds)
    return Offer(contact.id, agent.id, queue.id, contact.channel, now, expires_at)


def offer_event(offer: Offer) -> Event:
    """The ``offered`` event of ``offer``, exactly as a round logs it."""
    data = {"channel": str(offer.channel), "expires_at": offer.expires_at.isoformat()}
    return Event(
        EventName.OFFERED, offer.offered_at, offer.contact_id, offer.agent_id, offer.queue_id, data
    )


def best_agent_for_contact(
    now: datetime,
    contact: Contact,
    queue: Queue,
    agents: Iterable[Agent],
    offers: Iterable[Offer] = (),
    round_robin_after: str | None = None,
    *,
    offers_by_agent: Mapping[str, Sequence[Offer]] | None = None,
    loads: Mapping[str, Mapping[Channel, int]] | None = None,
) -> Offer | None:
    """Return the offer the queue's strategy makes for ``contact``, or ``None``.

    ``agents``: candidates (any order; non-routable or non-members are skipped).
    ``offers``: the open offers of these agents (they reserve capacity) and of the
    contact (if it has one, ``None`` is returned). ``round_robin_after``: the queue's
    cursor (the agent it offered last). ``offers_by_agent``: instead of ``offers``, the
    unexpired open offers already grouped by agent (for a caller deciding many
    contacts in a row; it then also vouches that ``contact`` has no open offer).
    ``loads``: instead of either, each agent's load with its open offers already
    counted in, by agent id (agents not in it: their own ``load``); the same vouching.
    """
    by_agent: Mapping[str, Sequence[Offer]]
    if loads is not None:
        by_agent = {}
    elif offers_by_agent is None:
        by_agent = _open_offers_by_agent(offers, now)
        if any(o.contact_id == contact.id for os in by_agent.values() for o in os):
            return None
    else:
        by_agent = offers_by_agent
    if not queue.is_open(now):
        return None
    required, language = effective_requirements(contact, queue, waited_seconds(contact, now))
    channel, queue_id, target = contact.channel, contact.queue_id, contact.target_agent_id
    excluded = contact.excluded_agent_ids
    eligible: list[tuple[Agent, Mapping[Channel, int]]] = []
    for agent in agents:
        if agent.presence not in ROUTABLE_PRESENCES:
            continue
        if target is not None:
            if agent.id != target:
                continue
        elif queue_id not in agent.queue_ids:
            continue
        if excluded and agent.id in excluded:
            continue
        if loads is not None:
            load = loads.get(agent.id, agent.load)
        else:
            own = by_agent.get(agent.id)
            load = _load_with_offers(agent, own) if own else agent.load
        if not channel_is_free(channel, agent.capacity, load):
            continue
        if target is None and (required or language):
            if not meets(agent.skills, agent.languages, required, language):
                continue
        eligible.append((agent, load))
    if not eligible:
        return None
    chosen = min(eligible, key=_pair_key(queue.strategy, contact, round_robin_after))[0]
    return _make_offer(contact, chosen, queue, now)


def best_of_eligible(
    now: datetime,
    contact: Contact,
    queue: Queue,
    candidates: Sequence[Agent],
    loads: Mapping[str, Mapping[Channel, int]],
    round_robin_after: str | None = None,
) -> Offer | None:
    """:func:`best_agent_for_contact` for candidates the caller has already checked to
    be routable members of ``contact``'s queue with room for its channel (given
    ``loads``, as there) — the check a caller deciding many contacts over the same
    agents does once per agent instead of once per agent and contact. Not for contacts
    transferred to a person."""
    if contact.target_agent_id is not None or not queue.is_open(now):
        return None
    required, language = effective_requirements(contact, queue, waited_seconds(contact, now))
    excluded = contact.excluded_agent_ids
    if excluded or required or language:
        candidates = [
            agent
            for agent in candidates
            if agent.id not in excluded
            and (
                not (required or language)
                or meets(agent.skills, agent.languages, required, language)
            )
        ]
    if not candidates:
        return None
    if queue.strategy is Strategy.LONGEST_IDLE:  # the default: no loads needed
        chosen = min(candidates, key=IDLE_ORDER)
    else:
        pairs = [(agent, loads.get(agent.id, agent.load)) for agent in candidates]
        chosen = min(pairs, key=_pair_key(queue.strategy, contact, round_robin_after))[0]
    return _make_offer(contact, chosen, queue, now)


def longest_idle_of_ordered(
    now: datetime,
    contact: Contact,
    queue: Queue,
    ordered: Iterable[Sequence[Agent]],
    skip: Container[str] = frozenset(),
) -> Offer | None:
    """:func:`best_of_eligible` for a longest-idle queue whose candidates come as
    groups, each already sorted by :data:`IDLE_ORDER` (and checked as there), leaving
    out the agents in ``skip``: only each group's first eligible agent is looked at,
    so a pick costs the number of groups, not of agents."""
    if contact.target_agent_id is not None or not queue.is_open(now):
        return None
    required, language = effective_requirements(contact, queue, waited_seconds(contact, now))
    excluded = contact.excluded_agent_ids
    check = bool(required or language)
    best: Agent | None = None
    for group in ordered:
        for agent in group:
            if agent.id in skip or agent.id in excluded:
                continue
            if check and not meets(agent.skills, agent.languages, required, language):
                continue
            if best is None or IDLE_ORDER(agent) < IDLE_ORDER(best):
                best = agent
            break  # the group's first eligible is its longest idle
    return _make_offer(contact, best, queue, now) if best is not None else None


def _pair_key(
    strategy: Strategy, contact: Contact, round_robin_after: str | None
) -> Callable[[tuple[Agent, Mapping[Channel, int]]], tuple[object, ...]]:
    """:func:`strategy_key` over (agent, load with open offers) pairs."""
    names = tuple(name for name, _ in contact.requirement_key)
    key = strategy_key(strategy, names, round_robin_after)
    if strategy is Strategy.LEAST_OCCUPIED:
        return lambda pair: key(pair[0], occupancy(pair[0].capacity, pair[1]))
    return lambda pair: key(pair[0], 0.0)
