"""Per-event picks agree with a full round restricted to the same event."""

from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from routing_factories import NOW, agent, contact, queue

from distans.core.routing import (
    Channel,
    Contact,
    Offer,
    OverflowRule,
    Presence,
    Queue,
    Strategy,
    WideningStep,
    contact_rank,
    next_rule_change,
    offer_event,
    route,
)
from distans.core.routing.per_event import (
    best_agent_for_contact,
    best_of_eligible,
    longest_idle_of_ordered,
)
from distans.core.routing.rules import channel_is_free
from distans.core.routing.strategy import IDLE_ORDER

SKILLS = ("tech", "billing")

agents_strategy = st.lists(
    st.builds(
        lambda i, skills, idle, chats, presence: agent(
            f"a{i}", skills=skills, idle_seconds=idle, load={Channel.CHAT: chats}, presence=presence
        ),
        st.integers(0, 50),
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
        lambda i, channel, waited, priority, skills: contact(
            f"c{i}",
            channel=channel,
            waited_seconds=waited,
            priority=priority,
            required_skills=skills,
        ),
        st.integers(0, 50),
        st.sampled_from([Channel.CHAT, Channel.PHONE, Channel.EMAIL]),
        st.integers(0, 200),
        st.integers(0, 2),
        st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 9), max_size=1),
    ),
    max_size=10,
    unique_by=lambda c: c.id,
)
queue_strategy = st.builds(
    lambda strategy, aging: queue(
        strategy=strategy, aging_per_minute=aging, widening=(WideningStep(60, 3),)
    ),
    st.sampled_from(list(Strategy)),
    st.sampled_from([0.0, 1.0]),
)


@settings(max_examples=150, deadline=None)
@given(queue_strategy, contacts_strategy, agents_strategy, st.sampled_from([None, "a10", "a30"]))
def test_best_agent_for_contact_matches_route(
    q: Queue, contacts: list, agents: list, cursor: str | None
) -> None:
    for c in contacts[:1]:
        picked = best_agent_for_contact(NOW, c, q, agents, round_robin_after=cursor)
        rr = {} if cursor is None else {q.id: cursor}
        expected = route(NOW, [q], [c], agents, round_robin_after=rr).offers
        assert [picked] == expected if expected else picked is None


def test_open_offers_reserve_capacity_in_per_event_picks() -> None:
    ringing = Offer("other", "a1", "q", Channel.PHONE, NOW, NOW + timedelta(seconds=10))
    assert (
        best_agent_for_contact(
            NOW, contact("c", channel=Channel.CHAT), queue(), [agent("a1")], [ringing]
        )
        is None
    )


@settings(max_examples=100, deadline=None)
@given(queue_strategy, contacts_strategy, agents_strategy, st.data())
def test_loads_with_offers_counted_in_pick_as_the_offers_do(
    q: Queue, contacts: list, agents: list, data: st.DataObject
) -> None:
    """``loads`` (open offers already counted into each agent's load) is the same
    answer as handing over the offers themselves."""
    offers = [
        Offer(
            f"o{i}",
            a.id,
            q.id,
            data.draw(st.sampled_from(list(Channel))),
            NOW,
            NOW + timedelta(seconds=30),
        )
        for i, a in enumerate(agents)
        if data.draw(st.booleans())
    ]
    loads: dict[str, dict[Channel, int]] = {}
    for offer in offers:
        owner = next(a for a in agents if a.id == offer.agent_id)
        load = loads.setdefault(owner.id, dict(owner.load))
        load[offer.channel] = load.get(offer.channel, 0) + 1
    for c in contacts[:1]:
        by_offers = best_agent_for_contact(NOW, c, q, agents, offers)
        assert best_agent_for_contact(NOW, c, q, agents, loads=loads) == by_offers
        if offers:  # the offers do change something for someone: loads must see it
            assert best_agent_for_contact(NOW, c, q, agents, loads={}) == best_agent_for_contact(
                NOW, c, q, agents
            )


def _with_exclusions(c: Contact, data: st.DataObject) -> Contact:
    excluded = data.draw(st.sets(st.sampled_from(["a1", "a2", "a3"])))
    return replace(c, excluded_agent_ids=frozenset(excluded))


def _checked_once(agents: list, q: Queue, c: Contact, loads: dict) -> list:
    """The candidates a caller checks once per round: routable members of ``q`` with
    room for ``c``'s channel."""
    return [
        a
        for a in agents
        if a.presence in (Presence.AVAILABLE, Presence.BUSY)
        and q.id in a.queue_ids
        and channel_is_free(c.channel, a.capacity, loads.get(a.id, a.load))
    ]


@settings(max_examples=150, deadline=None)
@given(
    queue_strategy,
    contacts_strategy,
    agents_strategy,
    st.sampled_from([None, "a10", "a30"]),
    st.data(),
)
def test_best_of_eligible_picks_as_best_agent_for_contact(
    q: Queue, contacts: list, agents: list, cursor: str | None, data: st.DataObject
) -> None:
    """Over candidates already checked once (routable, in the queue, room for the
    channel), the short path picks exactly what the full per-agent check picks."""
    loads = {
        a.id: {**a.load, Channel.CHAT: a.load.get(Channel.CHAT, 0) + 1}
        for a in agents
        if data.draw(st.booleans())
    }
    for c in contacts[:2]:
        c = _with_exclusions(c, data)
        checked = _checked_once(agents, q, c, loads)
        expected = best_agent_for_contact(NOW, c, q, agents, round_robin_after=cursor, loads=loads)
        assert best_of_eligible(NOW, c, q, checked, loads, cursor) == expected


@settings(max_examples=150, deadline=None)
@given(queue_strategy, contacts_strategy, agents_strategy, st.data())
def test_longest_idle_of_ordered_groups_picks_as_best_of_eligible(
    q: Queue, contacts: list, agents: list, data: st.DataObject
) -> None:
    """Candidates split into groups, each sorted longest idle first, with some agents
    skipped (already offered one this round): the same pick as over all of them."""
    q = replace(q, strategy=Strategy.LONGEST_IDLE)
    ids = [a.id for a in agents]
    for c in contacts[:2]:
        c = _with_exclusions(c, data)
        checked = _checked_once(agents, q, c, {})
        skip = data.draw(st.sets(st.sampled_from(ids))) if ids else set()
        groups: dict[int, list] = {}
        for a in checked:
            groups.setdefault(data.draw(st.integers(0, 3)), []).append(a)
        ordered = [sorted(group, key=IDLE_ORDER) for group in groups.values()]
        expected = best_of_eligible(NOW, c, q, [a for a in checked if a.id not in skip], {})
        assert longest_idle_of_ordered(NOW, c, q, ordered, skip) == expected


def test_contact_rank_orders_like_effective_priority() -> None:
    q = queue(aging_per_minute=1.0)
    patient = contact("patient", waited_seconds=180)
    vip = contact("vip", waited_seconds=0, priority=2)
    assert contact_rank(patient, q) < contact_rank(vip, q)
    assert contact_rank(vip, queue()) < contact_rank(patient, queue())


def test_offer_event_is_the_event_a_round_logs() -> None:
    q = queue(offer_timeout_seconds=15.0)
    result = route(NOW, [q], [contact("c")], [agent("a1")])
    (offer,) = result.offers
    logged = [e for e in result.events if e.name == "offered"]
    assert [offer_event(offer)] == logged


def test_next_rule_change_walks_the_queue_time_rules() -> None:
    q = queue(
        widening=(WideningStep(60, 3), WideningStep(120, None)),
        overflow=(OverflowRule("q2", after_seconds=90),),
        max_wait_seconds=300,
    )
    assert next_rule_change(contact("c", waited_seconds=10), q, NOW) == NOW + timedelta(seconds=50)
    assert next_rule_change(contact("c", waited_seconds=60), q, NOW) == NOW + timedelta(seconds=30)
    assert next_rule_change(contact("c", waited_seconds=100), q, NOW) == NOW + timedelta(seconds=20)
    assert next_rule_change(contact("c", waited_seconds=200), q, NOW) == NOW + timedelta(
        seconds=100
    )
    assert next_rule_change(contact("c", waited_seconds=300), q, NOW) is None
    assert next_rule_change(contact("c"), queue(), NOW) is None


def test_next_rule_change_counts_from_entering_the_current_queue() -> None:
    q = queue(max_wait_seconds=60)
    moved = contact("c", waited_seconds=500, queue_entered_at=NOW - timedelta(seconds=20))
    assert next_rule_change(moved, q, NOW) == NOW + timedelta(seconds=40)
