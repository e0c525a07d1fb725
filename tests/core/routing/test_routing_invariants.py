"""Hypothesis property tests of route()'s invariants over random situations."""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from routing_factories import NOW, ago

from distans.core.calendar import OpeningCalendar
from distans.core.routing import (
    EXCLUSIVE_CHANNELS,
    ROUTABLE_PRESENCES,
    Agent,
    Channel,
    Contact,
    Fallback,
    Offer,
    Presence,
    Queue,
    Strategy,
    WideningStep,
    effective_priority,
    effective_requirements,
    route,
)
from distans.core.routing.rules import channel_is_free, meets

QUEUE_IDS = ("q1", "q2", "q3")
SKILLS = ("tech", "billing", "sales")
ALWAYS_CLOSED = OpeningCalendar(weekly={}, holiday_country=None)


@st.composite
def situations(draw: st.DrawFn) -> tuple[list[Queue], list[Contact], list[Agent], list[Offer]]:
    queues = [
        Queue(
            qid,
            strategy=draw(st.sampled_from(list(Strategy))),
            calendar=ALWAYS_CLOSED if draw(st.integers(0, 5)) == 0 else None,
            aging_per_minute=draw(st.sampled_from([0.0, 0.5, 2.0])),
            widening=draw(st.sampled_from([(), (WideningStep(60, 3), WideningStep(120, None))])),
        )
        for qid in QUEUE_IDS
    ]
    agents = []
    for i in range(draw(st.integers(0, 8))):
        channels = draw(st.sets(st.sampled_from(list(Channel)), min_size=1))
        capacity = {
            c: draw(st.integers(1, 3)) if c not in EXCLUSIVE_CHANNELS else 1 for c in channels
        }
        load = {c: draw(st.integers(0, capacity[c])) for c in channels}
        if any(load.get(c, 0) for c in EXCLUSIVE_CHANNELS):
            load = {
                c: (1 if c == next(x for x in EXCLUSIVE_CHANNELS if load.get(x)) else 0)
                for c in channels
            }
        agents.append(
            Agent(
                f"a{i}",
                presence=draw(st.sampled_from([Presence.AVAILABLE, Presence.AVAILABLE, *Presence])),
                queue_ids=frozenset(draw(st.sets(st.sampled_from(QUEUE_IDS), min_size=1))),
                skills=draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 9))),
                languages=draw(
                    st.sampled_from([frozenset(), frozenset({"sv"}), frozenset({"sv", "en"})])
                ),
                capacity=capacity,
                load=load,
                presence_changed_at=ago(draw(st.integers(0, 3600))),
                break_reason="lunch",
            )
        )
    contacts = []
    for i in range(draw(st.integers(0, 15))):
        contacts.append(
            Contact(
                f"c{i}",
                channel=draw(st.sampled_from(list(Channel))),
                queue_id=draw(st.sampled_from(QUEUE_IDS)),
                enqueued_at=ago(draw(st.integers(0, 400))),
                priority=draw(st.integers(0, 2)),
                required_skills=draw(
                    st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 9), max_size=2)
                ),
                language=draw(st.sampled_from([None, "sv", "en"])),
                excluded_agent_ids=frozenset(
                    draw(st.sets(st.sampled_from([a.id for a in agents] or ["x"]), max_size=1))
                ),
                target_agent_id=draw(st.sampled_from([None] * 6 + [a.id for a in agents[:2]])),
            )
        )
    offers = []
    offered_contacts = draw(
        st.sets(st.sampled_from([c.id for c in contacts] or ["none"]), max_size=3)
    )
    for contact in contacts:
        if contact.id in offered_contacts and agents:
            target = draw(st.sampled_from(agents))
            expires = NOW + timedelta(seconds=draw(st.sampled_from([-5, 5])))
            offers.append(
                Offer(contact.id, target.id, contact.queue_id, contact.channel, ago(15), expires)
            )
    return queues, contacts, agents, offers


def load_after(agent: Agent, offers: list[Offer]) -> dict[Channel, int]:
    load = dict(agent.load)
    for offer in offers:
        if offer.agent_id == agent.id:
            load[offer.channel] = load.get(offer.channel, 0) + 1
    return load


@settings(max_examples=150, deadline=None)
@given(situations())
def test_route_invariants(
    situation: tuple[list[Queue], list[Contact], list[Agent], list[Offer]],
) -> None:
    queues, contacts, agents, offers = situation
    by_queue = {q.id: q for q in queues}
    by_contact = {c.id: c for c in contacts}
    result = route(NOW, queues, contacts, agents, offers)
    new = result.offers
    still_open = [o for o in offers if o.expires_at > NOW]
    expired = {(o.contact_id, o.agent_id) for o in offers if o.expires_at <= NOW}
    away = {d.agent_id for d in result.decisions if type(d).__name__ == "SetAgentAway"}

    # One open offer per contact; nobody with an open offer is offered again.
    all_open = still_open + new
    assert len({o.contact_id for o in all_open}) == len(all_open)
    # At most one new offer per agent per round.
    assert len({o.agent_id for o in new}) == len(new)

    # Capacity: the new offer fits its channel; exclusive channels (phone) stand alone.
    for offer in new:
        agent = next(a for a in agents if a.id == offer.agent_id)
        assert agent.presence in ROUTABLE_PRESENCES and agent.id not in away
        before = load_after(agent, still_open)
        assert before.get(offer.channel, 0) + 1 <= agent.capacity.get(offer.channel, 0)
        assert not any(before.get(c, 0) for c in EXCLUSIVE_CHANNELS)
        if offer.channel in EXCLUSIVE_CHANNELS:
            assert sum(before.values()) == 0

    for offer in new:
        contact = by_contact[offer.contact_id]
        queue = by_queue[contact.queue_id]
        agent = next(a for a in agents if a.id == offer.agent_id)
        assert queue.is_open(NOW)
        if contact.target_agent_id is not None:
            assert agent.id == contact.target_agent_id  # person transfer: only them
            continue
        assert contact.queue_id in agent.queue_ids
        assert agent.id not in contact.excluded_agent_ids
        assert (contact.id, agent.id) not in expired
        required, language = effective_requirements(
            contact, queue, (NOW - contact.entered_at).total_seconds()
        )
        assert meets(agent.skills, agent.languages, required, language)

    # Closed queues: no offers, the closed fallback for every waiting contact.
    offered_ids = {o.contact_id for o in new}
    for contact in contacts:
        if not by_queue[contact.queue_id].is_open(NOW) and contact.id not in {
            o.contact_id for o in still_open
        }:
            assert contact.id not in offered_ids
            assert (
                Fallback(
                    contact.id,
                    contact.queue_id,
                    by_queue[contact.queue_id].closed_fallback,
                    "closed",
                )
                in result.decisions
            )  # type: ignore[arg-type]

    # Work conservation: a contact left waiting has no eligible agent that got nothing.
    taken = {o.agent_id for o in new}
    for contact in contacts:
        queue = by_queue[contact.queue_id]
        if (
            contact.id in offered_ids
            or contact.id in {o.contact_id for o in still_open}
            or not queue.is_open(NOW)
        ):
            continue
        required, language = effective_requirements(
            contact, queue, (NOW - contact.entered_at).total_seconds()
        )
        excluded = contact.excluded_agent_ids | {a for c, a in expired if c == contact.id}
        for agent in agents:
            if agent.id in taken or agent.id in away or agent.presence not in ROUTABLE_PRESENCES:
                continue
            if agent.id in excluded:
                continue
            if contact.target_agent_id is not None:
                if agent.id != contact.target_agent_id:
                    continue
            elif contact.queue_id not in agent.queue_ids or not meets(
                agent.skills, agent.languages, required, language
            ):
                continue
            assert not channel_is_free(
                contact.channel, agent.capacity, load_after(agent, still_open)
            )

    # Order: within a queue and channel, among interchangeable contacts, offered ones come first.
    plain = [
        c
        for c in contacts
        if not c.required_skills
        and c.language is None
        and not c.excluded_agent_ids
        and c.target_agent_id is None
    ]
    for winner in plain:
        if winner.id not in offered_ids:
            continue
        for loser in plain:
            if (
                loser.id in offered_ids
                or loser.queue_id != winner.queue_id
                or loser.channel != winner.channel
            ):
                continue
            if loser.id in {o.contact_id for o in still_open} or any(
                c == loser.id for c, _ in expired
            ):
                continue
            queue = by_queue[winner.queue_id]
            w = (-effective_priority(winner, queue, NOW), winner.enqueued_at, winner.id)
            l_key = (-effective_priority(loser, queue, NOW), loser.enqueued_at, loser.id)
            assert w < l_key
