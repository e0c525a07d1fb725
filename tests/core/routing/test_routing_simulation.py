"""Many rounds of arrivals, answers, timeouts and completions: invariants hold throughout.

Drives route() together with the lifecycle functions, applying a round's decisions as
the Django side does (``distans.routing.rounds``: an overflow clears the exclusions),
and checks after every step: no agent above capacity (phone alone), at most one
open offer per contact, accept never refused for lack of room, and no contact lost
(each is waiting, in progress or finished).
"""

import random
from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from routing_factories import NOW, agent, queue

from distans.core.routing import (
    EXCLUSIVE_CHANNELS,
    Agent,
    Channel,
    Contact,
    EndWrapUp,
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
from distans.core.routing.lifecycle import accept, complete, decline, set_presence

CHANNELS = [Channel.PHONE, Channel.CHAT, Channel.CHAT, Channel.EMAIL, Channel.CALLBACK]


def check_capacity(agents: dict[str, Agent], offers: dict[str, Offer]) -> None:
    for a in agents.values():
        load = dict(a.load)
        for offer in offers.values():
            if offer.agent_id == a.id:
                load[offer.channel] = load.get(offer.channel, 0) + 1
        for channel, count in load.items():
            assert count <= a.capacity.get(channel, 0), (a.id, load)
        if any(load.get(c, 0) for c in EXCLUSIVE_CHANNELS):
            assert sum(load.values()) == 1, (a.id, load)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10**6), st.sampled_from(list(Strategy)))
def test_invariants_hold_over_many_rounds(seed: int, strategy: Strategy) -> None:
    rng = random.Random(seed)
    queues = {
        "q1": queue(
            "q1",
            strategy=strategy,
            widening=(WideningStep(30, 3), WideningStep(60, None)),
            overflow=(OverflowRule("q2", after_seconds=90),),
            max_wait_seconds=200,
            fallback=FallbackKind.CALLBACK_OFFER,
            wrap_up_seconds=5,
        ),
        "q2": queue("q2", strategy=strategy, aging_per_minute=1.0, wrap_up_seconds=0),
    }
    agents = {
        f"a{i}": agent(
            f"a{i}",
            queues=tuple(rng.sample(["q1", "q2"], rng.randint(1, 2))),
            skills={"tech": rng.randint(1, 9)},
        )
        for i in range(rng.randint(1, 5))
    }
    waiting: dict[str, Contact] = {}
    offers: dict[str, Offer] = {}
    in_progress: dict[str, tuple[str, Channel, str]] = {}
    finished: set[str] = set()
    created: set[str] = set()
    cursor: dict[str, str] = {}
    now = NOW
    for step in range(60):
        now += timedelta(seconds=rng.randint(1, 12))
        for n in range(rng.randint(0, 2)):
            cid = f"c{step}_{n}"
            created.add(cid)
            waiting[cid] = Contact(
                cid,
                rng.choice(CHANNELS),
                rng.choice(["q1", "q2"]),
                now,
                priority=rng.randint(0, 1),
                required_skills={"tech": rng.randint(1, 9)} if rng.random() < 0.5 else {},
            )
        for cid, offer in list(offers.items()):
            if offer.expires_at <= now:
                continue  # the round expires it
            a = agents[offer.agent_id]
            roll = rng.random()
            if roll < 0.5 and a.presence in (Presence.AVAILABLE, Presence.BUSY):
                agents[a.id] = accept(offer, a, now).agent  # type: ignore[assignment]
                del offers[cid]
                contact = waiting.pop(cid)
                in_progress[cid] = (a.id, offer.channel, contact.queue_id)
            elif roll < 0.6:
                result = decline(offer, waiting[cid], a, now)
                waiting[cid] = result.contact  # type: ignore[assignment]
                agents[a.id] = result.agent  # type: ignore[assignment]
                del offers[cid]
        for cid, (aid, channel, qid) in list(in_progress.items()):
            if rng.random() < 0.3:
                agents[aid] = complete(agents[aid], cid, channel, queues[qid], now).agent  # type: ignore[assignment]
                del in_progress[cid]
                finished.add(cid)
        for aid, a in list(agents.items()):
            roll = rng.random()
            if roll < 0.05:
                agents[aid] = set_presence(a, Presence.BREAK, now, "coffee").agent  # type: ignore[assignment]
            elif roll < 0.15 and a.presence in (Presence.BREAK, Presence.AWAY):
                agents[aid] = set_presence(a, Presence.AVAILABLE, now).agent  # type: ignore[assignment]

        result = route(
            now,
            queues,
            list(waiting.values()),
            list(agents.values()),
            list(offers.values()),
            cursor,
        )
        cursor = dict(result.round_robin_after)
        for decision in result.decisions:
            if isinstance(decision, Offer):
                assert decision.contact_id not in offers
                offers[decision.contact_id] = decision
            elif isinstance(decision, ExpireOffer):
                expired = waiting[decision.contact_id]
                waiting[decision.contact_id] = replace(
                    expired, excluded_agent_ids=expired.excluded_agent_ids | {decision.agent_id}
                )
                timed_out = agents[decision.agent_id]
                agents[decision.agent_id] = replace(
                    timed_out, consecutive_timeouts=timed_out.consecutive_timeouts + 1
                )
                del offers[decision.contact_id]
            elif isinstance(decision, SetAgentAway):
                agents[decision.agent_id] = replace(
                    agents[decision.agent_id],
                    presence=Presence.AWAY,
                    presence_changed_at=now,
                    consecutive_timeouts=decision.consecutive_timeouts,
                )
            elif isinstance(decision, EndWrapUp):
                agents[decision.agent_id] = replace(
                    agents[decision.agent_id],
                    presence=decision.presence,
                    wrap_up_until=None,
                    presence_changed_at=now,
                )
            elif isinstance(decision, Overflow):
                moved = waiting[decision.contact_id]
                waiting[decision.contact_id] = replace(
                    moved,
                    queue_id=decision.to_queue_id,
                    queue_entered_at=now,
                    excluded_agent_ids=frozenset(),
                    visited_queue_ids=moved.visited_queue_ids | {decision.from_queue_id},
                )
            elif isinstance(decision, Fallback):
                assert decision.contact_id not in offers
                del waiting[decision.contact_id]
                finished.add(decision.contact_id)

        check_capacity(agents, offers)
        assert set(offers) <= set(waiting)
        assert set(waiting) | set(in_progress) | finished == created
        assert not (set(waiting) & set(in_progress)) and not (
            finished & (set(waiting) | set(in_progress))
        )
