"""RoutingIndex gives the same picks as the per-event functions, through updates."""

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from routing_factories import NOW, agent, contact, queue

from distans.core.errors import InvalidInput
from distans.core.routing import Channel, Offer, Presence, Strategy, WideningStep
from distans.core.routing.index import RoutingIndex
from distans.core.routing.per_event import best_agent_for_contact, best_contact_for_agent

SKILLS = ("tech", "billing")
QUEUE_IDS = ("q1", "q2")

agents_strategy = st.lists(
    st.builds(
        lambda i, queues, skills, idle, chats, presence: agent(
            f"a{i}",
            queues=tuple(queues),
            skills=skills,
            idle_seconds=idle,
            load={Channel.CHAT: chats},
            presence=presence,
        ),
        st.integers(0, 30),
        st.sets(st.sampled_from(QUEUE_IDS), min_size=1),
        st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 9)),
        st.integers(0, 1000),
        st.integers(0, 3),
        st.sampled_from([Presence.AVAILABLE, Presence.BUSY, Presence.AWAY]),
    ),
    max_size=8,
    unique_by=lambda a: a.id,
)
contacts_strategy = st.lists(
    st.builds(
        lambda i, q, channel, waited, priority, skills, target, excluded: contact(
            f"c{i}",
            queue=q,
            channel=channel,
            waited_seconds=waited,
            priority=priority,
            required_skills=skills,
            target_agent_id=target,
            excluded_agent_ids=frozenset(excluded),
        ),
        st.integers(0, 40),
        st.sampled_from(QUEUE_IDS),
        st.sampled_from([Channel.CHAT, Channel.PHONE, Channel.EMAIL]),
        st.integers(0, 200),
        st.integers(0, 2),
        st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 9), max_size=1),
        st.sampled_from([None, None, None, "a1", "a2"]),
        st.sets(st.sampled_from(["a1", "a2", "a3"]), max_size=1),
    ),
    max_size=12,
    unique_by=lambda c: c.id,
)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(list(Strategy)),
    st.sampled_from([0.0, 0.7]),
    contacts_strategy,
    agents_strategy,
    st.data(),
)
def test_index_matches_per_event_functions(
    strategy: Strategy, aging: float, contacts: list, agents: list, data: st.DataObject
) -> None:
    queues = {
        q: queue(q, strategy=strategy, aging_per_minute=aging, widening=(WideningStep(60, 3),))
        for q in QUEUE_IDS
    }
    index = RoutingIndex(queues)
    for a in agents:
        index.put_agent(a)
    for c in contacts:
        index.put_contact(c)
    offers: list[Offer] = []
    if agents and contacts:
        for c in data.draw(
            st.lists(st.sampled_from(contacts), max_size=3, unique_by=lambda c: c.id)
        ):
            a = data.draw(st.sampled_from(agents))
            offer = Offer(c.id, a.id, c.queue_id, c.channel, NOW, NOW + timedelta(seconds=10))
            offers.append(offer)
            index.put_offer(offer)
        if offers and data.draw(st.booleans()):
            ended = offers.pop()
            index.remove_offer(ended.contact_id)
    for c in contacts:
        cursor = index.round_robin_after.get(c.queue_id)
        expected = best_agent_for_contact(NOW, c, queues[c.queue_id], agents, offers, cursor)
        assert index.best_agent_for(c, NOW) == expected
    for a in agents:
        expected = best_contact_for_agent(NOW, a, queues, contacts, offers)
        assert index.best_contact_for(a, NOW) == expected


def test_removed_contacts_and_agents_are_not_picked() -> None:
    index = RoutingIndex({"q": queue()})
    index.put_agent(agent("a1"))
    index.put_contact(contact("c1"))
    assert index.best_contact_for(agent("a1"), NOW) is not None
    index.remove_contact("c1")
    assert index.best_contact_for(agent("a1"), NOW) is None
    index.remove_agent("a1")
    assert index.best_agent_for(contact("c2"), NOW) is None


def test_unknown_queue_is_refused() -> None:
    with pytest.raises(InvalidInput):
        RoutingIndex({"q": queue()}).put_contact(contact("c", queue="nope"))


def test_round_robin_continues_after_the_last_offered_agent() -> None:
    index = RoutingIndex({"q": queue(strategy=Strategy.ROUND_ROBIN)})
    for name in ("a1", "a2", "a3"):
        index.put_agent(agent(name, load={Channel.CHAT: 0}))
    first = index.best_agent_for(contact("c1", channel=Channel.CHAT), NOW)
    assert first is not None and first.agent_id == "a1"
    index.put_contact(contact("c1", channel=Channel.CHAT))
    index.put_offer(first)
    second = index.best_agent_for(contact("c2", channel=Channel.CHAT), NOW)
    assert second is not None and second.agent_id == "a2"
    index.round_robin_after["q"] = "a3"
    third = index.best_agent_for(contact("c3", channel=Channel.CHAT), NOW)
    assert third is not None and third.agent_id == "a1"
