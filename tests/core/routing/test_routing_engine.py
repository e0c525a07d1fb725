"""route(): one round's decisions for hand-made situations."""

from datetime import timedelta

import pytest
from routing_factories import NOW, agent, ago, contact, queue

from distans.core.calendar import OpeningCalendar
from distans.core.errors import InvalidInput, StateConflict
from distans.core.routing import (
    Channel,
    EndWrapUp,
    EventName,
    ExpireOffer,
    Fallback,
    FallbackKind,
    Offer,
    Overflow,
    OverflowRule,
    Presence,
    SetAgentAway,
    Strategy,
    WideningStep,
    route,
)


def offered(result: object) -> dict[str, str]:
    return {o.contact_id: o.agent_id for o in result.offers}  # type: ignore[attr-defined]


def test_longest_idle_agent_gets_the_contact_with_offer_timeout() -> None:
    result = route(
        NOW,
        [queue()],
        [contact("c1")],
        [agent("a1", idle_seconds=30), agent("a2", idle_seconds=90)],
    )
    (offer,) = result.offers
    assert offer.agent_id == "a2"
    assert offer.expires_at == NOW + timedelta(seconds=20)
    assert [e.name for e in result.events] == [EventName.OFFERED]


def test_priority_then_arrival_order() -> None:
    contacts = [
        contact("old", waited_seconds=100),
        contact("older", waited_seconds=200),
        contact("vip", waited_seconds=5, priority=1),
    ]
    assert offered(route(NOW, [queue()], contacts, [agent("a1")])) == {"vip": "a1"}
    assert offered(route(NOW, [queue()], contacts[:2], [agent("a1")])) == {"older": "a1"}


def test_priority_aging_lets_a_long_waiter_overtake() -> None:
    aging = queue(aging_per_minute=1.0)
    contacts = [
        contact("patient", waited_seconds=180),
        contact("vip", waited_seconds=0, priority=2),
    ]
    # patient: 0 + 3 min × 1 = 3 > vip: 2 + 0 = 2
    assert offered(route(NOW, [aging], contacts, [agent("a1")])) == {"patient": "a1"}
    assert offered(route(NOW, [queue()], contacts, [agent("a1")])) == {"vip": "a1"}


def test_skill_widening_only_after_the_configured_waits() -> None:
    widening = queue(widening=(WideningStep(60, 3), WideningStep(120, None)))
    junior = agent("junior", skills={"tech": 4})
    nobody = agent("nobody")
    for waited, expected in [(30, {}), (61, {"c": "junior"})]:
        hard = contact("c", waited_seconds=waited, required_skills={"tech": 7})
        assert offered(route(NOW, [widening], [hard], [junior])) == expected
    assert (
        offered(
            route(
                NOW,
                [widening],
                [contact("c", waited_seconds=100, required_skills={"tech": 7})],
                [nobody],
            )
        )
        == {}
    )
    assert offered(
        route(
            NOW,
            [widening],
            [contact("c", waited_seconds=121, required_skills={"tech": 7})],
            [nobody],
        )
    ) == {"c": "nobody"}


def test_language_must_match_unless_agent_takes_any() -> None:
    finnish = contact("c", language="fi")
    assert (
        offered(route(NOW, [queue()], [finnish], [agent("sv", languages=frozenset({"sv"}))])) == {}
    )
    assert offered(route(NOW, [queue()], [finnish], [agent("any")])) == {"c": "any"}


def test_phone_call_excludes_other_channels_and_capacity_holds() -> None:
    chatting = agent("a1", load={Channel.CHAT: 1})
    assert offered(route(NOW, [queue()], [contact("call")], [chatting])) == {}
    assert offered(route(NOW, [queue()], [contact("chat", channel=Channel.CHAT)], [chatting])) == {
        "chat": "a1"
    }
    full = agent("a1", load={Channel.CHAT: 3})
    assert offered(route(NOW, [queue()], [contact("chat", channel=Channel.CHAT)], [full])) == {}
    ringing = Offer("call", "a1", "q", Channel.PHONE, NOW, NOW + timedelta(seconds=10))
    result = route(
        NOW,
        [queue()],
        [contact("call"), contact("chat", channel=Channel.CHAT)],
        [agent("a1")],
        [ringing],
    )
    assert result.offers == []


def test_each_agent_gets_at_most_one_new_offer_per_round() -> None:
    chats = [contact(f"c{i}", channel=Channel.CHAT, waited_seconds=i) for i in range(3)]
    assert len(route(NOW, [queue()], chats, [agent("a1")]).offers) == 1


def test_an_agent_taken_for_one_channel_is_not_offered_another_in_the_same_round() -> None:
    agents = [agent("both", idle_seconds=999), agent("email_only", capacity={Channel.EMAIL: 5})]
    contacts = [contact("call", waited_seconds=50), contact("chat", channel=Channel.CHAT)]
    assert offered(route(NOW, [queue()], contacts, agents)) == {"call": "both"}


def test_closed_queue_gives_closed_fallback_and_no_offers() -> None:
    closed = queue(calendar=OpeningCalendar(weekly={}, holiday_country=None))
    result = route(NOW, [closed], [contact("c")], [agent("a1")])
    assert result.offers == []
    assert result.decisions == (Fallback("c", "q", FallbackKind.CLOSED_MESSAGE, "closed"),)
    waiting = queue(calendar=OpeningCalendar(weekly={}, holiday_country=None), closed_fallback=None)
    assert (
        route(NOW, [waiting], [contact("mail", channel=Channel.EMAIL)], [agent("a1")]).decisions
        == ()
    )


def test_overflow_rules() -> None:
    target = queue("backup")
    after_wait = queue(overflow=(OverflowRule("backup", after_seconds=60),))
    result = route(NOW, [after_wait, target], [contact("c", waited_seconds=61)], [])
    assert result.decisions == (Overflow("c", "q", "backup", "waited"),)
    assert route(NOW, [after_wait, target], [contact("c", waited_seconds=59)], []).decisions == ()

    no_agents = queue(overflow=(OverflowRule("backup", when_no_agents=True),))
    assert route(
        NOW,
        [no_agents, target],
        [contact("c")],
        [agent("a", presence=Presence.BREAK, break_reason="lunch")],
    ).decisions == (Overflow("c", "q", "backup", "no_agents"),)
    assert (
        route(
            NOW, [no_agents, target], [contact("c")], [agent("a", presence=Presence.WRAP_UP)]
        ).decisions
        == ()
    )

    short = queue(overflow=(OverflowRule("backup", when_longer_than=2),))
    contacts = [contact(f"c{i}", waited_seconds=10 - i) for i in range(4)]
    moved = [d.contact_id for d in route(NOW, [short, target], contacts, []).decisions]
    assert moved == ["c2", "c3"]

    visited = contact("c", waited_seconds=61, visited_queue_ids=frozenset({"backup"}))
    assert route(NOW, [after_wait, target], [visited], []).decisions == ()


def test_unknown_overflow_target_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown queue"):
        route(NOW, [queue(overflow=(OverflowRule("nowhere", after_seconds=1),))], [], [])


def test_max_wait_gives_the_queue_fallback_but_no_callback_offer_to_callbacks() -> None:
    capped = queue(max_wait_seconds=300, fallback=FallbackKind.CALLBACK_OFFER)
    result = route(
        NOW,
        [capped],
        [
            contact("c", waited_seconds=301),
            contact("cb", channel=Channel.CALLBACK, waited_seconds=400),
        ],
        [],
    )
    assert result.decisions == (Fallback("c", "q", FallbackKind.CALLBACK_OFFER, "max_wait"),)


def test_expired_offer_goes_to_another_agent_and_repeated_timeouts_set_away() -> None:
    stale = Offer("c", "a1", "q", Channel.PHONE, ago(25), ago(5))
    sleepy = agent("a1", idle_seconds=500, consecutive_timeouts=2)
    result = route(NOW, [queue()], [contact("c")], [sleepy, agent("a2")], [stale])
    assert result.decisions[:2] == (ExpireOffer("c", "a1", "q", NOW), SetAgentAway("a1", 3))
    assert offered(result) == {"c": "a2"}
    alone = route(NOW, [queue()], [contact("c")], [agent("a1", idle_seconds=500)], [stale])
    assert alone.offers == []  # the agent who let it time out is not offered it again


def test_two_open_offers_for_one_contact_is_a_conflict() -> None:
    offers = [
        Offer("c", a, "q", Channel.CHAT, NOW, NOW + timedelta(seconds=5)) for a in ("a1", "a2")
    ]
    with pytest.raises(StateConflict):
        route(NOW, [queue()], [contact("c")], [], offers)


def test_wrap_up_end_frees_the_agent_in_the_same_round() -> None:
    wrapping = agent("a1", presence=Presence.WRAP_UP, wrap_up_until=ago(1))
    result = route(NOW, [queue()], [contact("c")], [wrapping])
    assert result.decisions[0] == EndWrapUp("a1", Presence.AVAILABLE)
    assert offered(result) == {"c": "a1"}
    still = agent("a1", presence=Presence.WRAP_UP, wrap_up_until=NOW + timedelta(seconds=5))
    assert route(NOW, [queue()], [contact("c")], [still]).decisions == ()


def test_person_transfer_goes_only_to_the_target() -> None:
    personal = contact("c", target_agent_id="a2")
    agents = [agent("a1", idle_seconds=999), agent("a2", queues=("other",))]
    assert offered(route(NOW, [queue()], [personal], agents)) == {"c": "a2"}


def test_least_occupied_prefers_the_agent_with_fewer_chats() -> None:
    q = queue(strategy=Strategy.LEAST_OCCUPIED)
    agents = [
        agent("busy", load={Channel.CHAT: 2}, idle_seconds=999),
        agent("light", load={Channel.CHAT: 1}),
    ]
    assert offered(route(NOW, [q], [contact("c", channel=Channel.CHAT)], agents)) == {"c": "light"}


def test_best_skill_prefers_the_highest_level() -> None:
    q = queue(strategy=Strategy.BEST_SKILL)
    agents = [
        agent("ok", skills={"tech": 5}, idle_seconds=999),
        agent("expert", skills={"tech": 9}),
    ]
    assert offered(route(NOW, [q], [contact("c", required_skills={"tech": 3})], agents)) == {
        "c": "expert"
    }


def test_round_robin_continues_after_the_cursor() -> None:
    q = queue(strategy=Strategy.ROUND_ROBIN)
    agents = [agent(a) for a in ("a1", "a2", "a3")]
    result = route(NOW, [q], [contact("c")], agents, round_robin_after={"q": "a1"})
    assert offered(result) == {"c": "a2"}
    assert result.round_robin_after == {"q": "a2"}
    wrapped = route(NOW, [q], [contact("c")], agents, round_robin_after={"q": "a3"})
    assert offered(wrapped) == {"c": "a1"}


def test_offline_break_and_away_agents_get_nothing() -> None:
    agents = [
        agent("off", presence=Presence.OFFLINE),
        agent("brk", presence=Presence.BREAK, break_reason="lunch"),
        agent("away", presence=Presence.AWAY),
    ]
    assert route(NOW, [queue()], [contact("c")], agents).offers == []


def test_contact_in_unknown_queue_is_refused() -> None:
    with pytest.raises(InvalidInput, match="unknown queue"):
        route(NOW, [queue()], [contact("c", queue="nope")], [])


def test_widening_steps_must_only_lower_the_level() -> None:
    with pytest.raises(InvalidInput, match="widening"):
        queue(widening=(WideningStep(60, 3), WideningStep(120, 5)))
    with pytest.raises(InvalidInput, match="widening"):
        queue(widening=(WideningStep(60, None), WideningStep(120, 2)))
