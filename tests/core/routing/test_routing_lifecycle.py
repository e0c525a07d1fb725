"""Offer and agent lifecycle transitions."""

from datetime import timedelta

import pytest
from routing_factories import NOW, agent, ago, contact, queue

from distans.core.errors import InvalidInput, StateConflict
from distans.core.routing import Channel, EventName, Offer, Presence
from distans.core.routing.lifecycle import (
    abandon,
    accept,
    complete,
    decline,
    end_wrap_up,
    enqueue,
    not_answered,
    request_callback,
    set_location,
    set_presence,
    time_out,
    transfer,
)

OFFER = Offer("c", "a1", "q", Channel.PHONE, ago(5), NOW + timedelta(seconds=15))


def test_accept_takes_capacity_and_resets_timeouts() -> None:
    result = accept(OFFER, agent("a1", consecutive_timeouts=2), NOW)
    assert result.agent is not None
    assert result.agent.load == {Channel.PHONE: 1}
    assert result.agent.presence is Presence.BUSY
    assert result.agent.consecutive_timeouts == 0
    assert [e.name for e in result.events] == [EventName.ACCEPTED, EventName.AGENT_STATE_CHANGED]
    assert result.events[0].data["answered_seconds"] == 5.0


def test_accept_refuses_expired_foreign_or_over_capacity_offers() -> None:
    with pytest.raises(StateConflict, match="expired"):
        accept(OFFER, agent("a1"), NOW + timedelta(seconds=15))
    with pytest.raises(StateConflict, match="not for agent"):
        accept(OFFER, agent("a2"), NOW)
    with pytest.raises(StateConflict, match="capacity"):
        accept(OFFER, agent("a1", load={Channel.CHAT: 1}), NOW)
    with pytest.raises(StateConflict):
        accept(OFFER, agent("a1", presence=Presence.AWAY), NOW)


def test_decline_excludes_the_agent_from_this_contact() -> None:
    result = decline(OFFER, contact("c"), agent("a1", consecutive_timeouts=1), NOW)
    assert result.contact is not None and result.contact.excluded_agent_ids == {"a1"}
    assert result.agent is not None and result.agent.consecutive_timeouts == 0
    assert result.events[0].name is EventName.DECLINED


def test_repeated_timeouts_set_the_agent_away() -> None:
    later = NOW + timedelta(seconds=15)
    with pytest.raises(StateConflict, match="not expired"):
        time_out(OFFER, contact("c"), agent("a1"), queue(), NOW)
    first = time_out(OFFER, contact("c"), agent("a1", consecutive_timeouts=1), queue(), later)
    assert first.agent is not None and first.agent.presence is Presence.AVAILABLE
    third = time_out(OFFER, contact("c"), agent("a1", consecutive_timeouts=2), queue(), later)
    assert third.agent is not None and third.agent.presence is Presence.AWAY
    assert [e.name for e in third.events] == [
        EventName.OFFER_TIMED_OUT,
        EventName.AGENT_STATE_CHANGED,
    ]


def test_a_phone_not_answered_sends_the_contact_back_and_the_agent_away() -> None:
    waiting = contact("c", channel=Channel.PHONE)
    busy = agent("a1", presence=Presence.BUSY, load={Channel.PHONE: 1})
    result = not_answered(waiting, busy, NOW)
    assert result.contact is not None and result.contact.excluded_agent_ids == {"a1"}
    assert result.contact.enqueued_at == waiting.enqueued_at  # keeps its place in line
    assert result.agent is not None and result.agent.presence is Presence.AWAY
    assert result.agent.load == {Channel.PHONE: 0}
    assert [e.name for e in result.events] == [
        EventName.OFFER_TIMED_OUT,
        EventName.AGENT_STATE_CHANGED,
    ]
    assert result.events[0].data["reason"] == "not_answered"
    with pytest.raises(StateConflict):  # no call in progress with this agent
        not_answered(waiting, agent("a1"), NOW)


def test_complete_starts_wrap_up_which_ends_on_time() -> None:
    busy = agent("a1", presence=Presence.BUSY, load={Channel.PHONE: 1})
    done = complete(busy, "c", Channel.PHONE, queue(wrap_up_seconds=30), NOW)
    assert done.agent is not None
    assert done.agent.presence is Presence.WRAP_UP
    assert done.agent.wrap_up_until == NOW + timedelta(seconds=30)
    assert done.agent.last_contact_ended_at == NOW
    assert done.agent.load == {Channel.PHONE: 0}
    with pytest.raises(StateConflict, match="not over"):
        end_wrap_up(done.agent, NOW + timedelta(seconds=10))
    free = end_wrap_up(done.agent, NOW + timedelta(seconds=30))
    assert free.agent is not None and free.agent.presence is Presence.AVAILABLE
    with pytest.raises(StateConflict, match="no phone contact"):
        complete(free.agent, "c", Channel.PHONE, queue(), NOW)


def test_complete_without_wrap_up_keeps_busy_while_other_chats_run() -> None:
    chatting = agent("a1", presence=Presence.BUSY, load={Channel.CHAT: 2})
    done = complete(chatting, "c", Channel.CHAT, queue(wrap_up_seconds=0), NOW)
    assert done.agent is not None and done.agent.presence is Presence.BUSY


def test_transfer_to_queue_keeps_place_in_line_and_releases_the_agent() -> None:
    original = contact("c", waited_seconds=120, excluded_agent_ids=frozenset({"a9"}))
    busy = agent("a1", presence=Presence.BUSY, load={Channel.PHONE: 1})
    result = transfer(original, NOW, to_queue_id="second_line", from_agent=busy)
    assert result.contact is not None
    assert result.contact.queue_id == "second_line"
    assert result.contact.enqueued_at == original.enqueued_at
    assert result.contact.entered_at == NOW
    assert result.contact.excluded_agent_ids == frozenset()
    assert result.agent is not None and result.agent.load == {Channel.PHONE: 0}
    assert result.agent.presence is Presence.AVAILABLE
    assert result.events[0].name is EventName.TRANSFERRED


def test_transfer_to_person_targets_them() -> None:
    result = transfer(contact("c"), NOW, to_agent_id="a7")
    assert result.contact is not None and result.contact.target_agent_id == "a7"
    with pytest.raises(InvalidInput):
        transfer(contact("c"), NOW, to_agent_id="a7", to_queue_id="q2")


def test_callback_keeps_place_in_line() -> None:
    caller = contact("c", waited_seconds=300)
    result = request_callback(caller, NOW, "+46701234567")
    assert result.contact is not None
    assert result.contact.channel is Channel.CALLBACK
    assert result.contact.enqueued_at == caller.enqueued_at
    assert result.contact.attributes["callback_number"] == "+46701234567"
    with pytest.raises(StateConflict):
        request_callback(result.contact, NOW)


def test_presence_location_queue_and_abandon_events() -> None:
    with pytest.raises(InvalidInput, match="reason"):
        set_presence(agent("a1"), Presence.BREAK, NOW)
    on_break = set_presence(agent("a1"), Presence.BREAK, NOW, "lunch")
    assert on_break.agent is not None and on_break.agent.break_reason == "lunch"
    back = set_presence(
        agent("a1", consecutive_timeouts=3, presence=Presence.AWAY), Presence.AVAILABLE, NOW
    )
    assert back.agent is not None and back.agent.consecutive_timeouts == 0
    moved = set_location(agent("a1", site_id="home"), "office-sthlm", NOW)
    assert moved.agent is not None and moved.agent.site_id == "office-sthlm"
    assert moved.events[0].name is EventName.AGENT_LOCATION_CHANGED
    assert moved.events[0].data == {"from": "home", "to": "office-sthlm"}
    assert enqueue(contact("c"), NOW).events[0].name is EventName.CONTACT_QUEUED
    gone = abandon(contact("c", waited_seconds=42), NOW)
    assert gone.events[0].data["waited_seconds"] == 42.0


def test_events_serialise_to_plain_json() -> None:
    import json

    from distans.core.routing import event_to_dict

    moved = set_location(agent("a1", site_id="home"), "office", NOW).events[0]
    assert json.loads(json.dumps(event_to_dict(moved))) == {
        "name": "agent_location_changed",
        "at": "2026-11-23T10:00:00+00:00",
        "contact_id": None,
        "agent_id": "a1",
        "queue_id": None,
        "data": {"from": "home", "to": "office"},
    }
    assert event_to_dict(enqueue(contact("c"), NOW).events[0])["data"] == {
        "channel": "phone",
        "priority": 0,
    }
