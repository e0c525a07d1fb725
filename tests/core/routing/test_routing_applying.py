"""Applying route()'s decisions gives the state the next round expects."""

from datetime import timedelta

import pytest
from routing_factories import NOW, agent, ago, contact, queue

from distans.core.errors import StateConflict
from distans.core.routing import (
    Channel,
    EndWrapUp,
    ExpireOffer,
    Offer,
    Overflow,
    OverflowRule,
    Presence,
    SetAgentAway,
    route,
)
from distans.core.routing.applying import (
    apply_end_wrap_up,
    apply_expire_offer,
    apply_overflow,
    apply_set_agent_away,
)


def test_applied_expiry_keeps_the_agent_excluded_in_the_next_round() -> None:
    stale = Offer("c", "a1", "q", Channel.PHONE, ago(25), ago(5))
    waiting, sleepy = contact("c"), agent("a1", consecutive_timeouts=0)
    first = route(NOW, [queue()], [waiting], [sleepy], [stale])
    (expiry,) = [d for d in first.decisions if isinstance(d, ExpireOffer)]
    applied = apply_expire_offer(expiry, waiting, sleepy)
    assert applied.contact is not None and applied.agent is not None
    assert applied.agent.consecutive_timeouts == 1
    assert applied.events == ()
    again = route(NOW, [queue()], [applied.contact], [applied.agent])
    assert again.offers == []


def test_applied_overflow_moves_and_stops_loops() -> None:
    queues = [
        queue("a", overflow=(OverflowRule("b", after_seconds=30),)),
        queue("b", overflow=(OverflowRule("a", after_seconds=30),)),
    ]
    waiting = contact("c", queue="a", waited_seconds=60)
    (move,) = route(NOW, queues, [waiting], []).decisions
    assert isinstance(move, Overflow)
    later = NOW + timedelta(seconds=60)
    moved = apply_overflow(move, waiting, NOW).contact
    assert moved is not None and moved.queue_id == "b"
    assert moved.enqueued_at == waiting.enqueued_at
    assert route(later, queues, [moved], []).decisions == ()  # no way back to "a"
    with pytest.raises(StateConflict):
        apply_overflow(move, moved, NOW)


def test_applied_away_and_wrap_up_end() -> None:
    away = apply_set_agent_away(SetAgentAway("a1", 3), agent("a1"), NOW).agent
    assert away is not None and away.presence is Presence.AWAY
    wrapped = agent("a1", presence=Presence.WRAP_UP, wrap_up_until=ago(1))
    free = apply_end_wrap_up(EndWrapUp("a1", Presence.AVAILABLE), wrapped, NOW).agent
    assert free is not None and free.presence is Presence.AVAILABLE and free.wrap_up_until is None
    with pytest.raises(StateConflict):
        apply_end_wrap_up(EndWrapUp("a2", Presence.AVAILABLE), wrapped, NOW)
