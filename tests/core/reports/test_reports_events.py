"""Report facts derived from the routing core's own events (issue 3's event log)."""

from datetime import UTC, datetime, timedelta

import pytest

from distans.core.reports import Outcome
from distans.core.reports.events import contact_outcomes_from_events, logged_in_spans_from_events
from distans.core.routing import lifecycle
from distans.core.routing.decisions import Event
from distans.core.routing.model import Agent, Channel, Contact, Offer, Presence, Queue

T0 = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def working_day() -> list[Event]:
    """Agent anna (home) answers c1 after 30 s, talks 120 s, wraps up 20 s; c2 abandons."""
    queue = Queue("Skola", wrap_up_seconds=20)
    events: list[Event] = []
    anna = Agent("anna", queue_ids=frozenset({"Skola"}))
    step = lifecycle.set_location(anna, "home", at(-60))
    events += step.events
    anna = step.agent or anna
    step = lifecycle.set_presence(anna, Presence.AVAILABLE, at(-60))
    events += step.events
    anna = step.agent or anna
    c1 = Contact("c1", Channel.PHONE, "Skola", at(0))
    c2 = Contact("c2", Channel.CHAT, "Skola", at(10))
    events += lifecycle.enqueue(c1, at(0)).events
    events += lifecycle.enqueue(c2, at(10)).events
    offer = Offer("c1", "anna", "Skola", Channel.PHONE, at(25), at(45))
    step = lifecycle.accept(offer, anna, at(30))
    events += step.events
    anna = step.agent or anna
    events += lifecycle.abandon(c2, at(50)).events
    step = lifecycle.complete(anna, "c1", Channel.PHONE, queue, at(150))
    events += step.events
    anna = step.agent or anna
    step = lifecycle.end_wrap_up(anna, at(170))
    events += step.events
    anna = step.agent or anna
    events += lifecycle.set_presence(anna, Presence.OFFLINE, at(3600)).events
    return events


def test_outcomes_from_routing_events() -> None:
    outcomes = list(
        contact_outcomes_from_events(
            working_day(),
            topic_of=lambda contact_id: {"c1": "Skolplikt"}.get(contact_id, ""),
            team_of=lambda agent_id: "team-1",
        )
    )
    by_outcome = {o.outcome: o for o in outcomes}
    assert len(outcomes) == 2
    answered = by_outcome[Outcome.ANSWERED]
    assert (answered.queue, answered.channel, answered.agent, answered.location) == (
        "Skola",
        "phone",
        "anna",
        "home",
    )
    assert (answered.waited_seconds, answered.handled_seconds, answered.wrap_up_seconds) == (
        30,
        120,
        20,
    )
    assert (answered.topic, answered.team, answered.arrived_at) == ("Skolplikt", "team-1", at(0))
    abandoned = by_outcome[Outcome.ABANDONED]
    assert (abandoned.channel, abandoned.waited_seconds, abandoned.agent) == ("chat", 40, "")


def test_logged_in_spans_from_routing_events() -> None:
    (span,) = logged_in_spans_from_events(working_day(), until=at(7200))
    assert (span.agent, span.location, span.started_at, span.ended_at) == (
        "anna",
        "home",
        at(-60),
        at(3600),
    )


def test_location_change_splits_a_span_and_open_spans_close_at_until() -> None:
    anna = Agent("anna", site_id="home")
    events = list(lifecycle.set_presence(anna, Presence.AVAILABLE, at(0)).events)
    anna = Agent("anna", presence=Presence.AVAILABLE, site_id="home")
    events += lifecycle.set_location(anna, "office", at(600)).events
    spans = list(logged_in_spans_from_events(events, until=at(900)))
    assert [(s.location, s.started_at, s.ended_at) for s in spans] == [
        ("", at(0), at(600)),
        ("office", at(600), at(900)),
    ]


def test_wrap_up_still_running_at_the_end_is_counted_so_far() -> None:
    events = [
        e
        for e in working_day()
        if not (e.name == "agent_state_changed" and e.data.get("from") == "wrap_up")
    ]
    events = [e for e in events if e.data.get("to") != "offline"]
    (answered,) = [o for o in contact_outcomes_from_events(events) if o.outcome is Outcome.ANSWERED]
    assert answered.wrap_up_seconds == pytest.approx(0)  # no event after completion
