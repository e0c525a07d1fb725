"""The routing side end to end through the actions (inline rounds after commit)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.factories import make_agent, make_organisation, make_queue

from distans.contacts.models import Contact
from distans.core.errors import InvalidInput, StateConflict
from distans.routing import actions
from distans.routing.models import AgentState, Offer, RoutingEvent
from distans.routing.rounds import run_round

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_commits(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """Run an action and execute what it scheduled after commit (routing, publishing)."""

    def run(function, *args, **kwargs):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def event_names(org) -> list[str]:  # type: ignore[no-untyped-def]
    return list(RoutingEvent.objects.for_org(org).values_list("name", flat=True))


def test_a_contact_is_offered_to_the_available_agent_and_handled(run_commits) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org, wrap_up_seconds=30)
    agent = make_agent(org, [queue])
    run_commits(actions.do_set_presence, agent, "available")
    contact = run_commits(actions.do_create_contact, queue, "phone", customer_phone="+4670123")

    offer = Offer.objects.get(contact=contact)
    assert offer.agent_id == agent.pk and offer.status == "open"
    contact.refresh_from_db()
    assert contact.status == "offered"

    run_commits(actions.do_accept_offer, agent, offer.pk)
    contact.refresh_from_db()
    assert contact.status == "active" and contact.agent_id == agent.pk
    assert AgentState.objects.get(person=agent).presence == "busy"

    with pytest.raises(InvalidInput):
        actions.do_complete_contact(agent, contact.pk, topic="  ")
    run_commits(actions.do_complete_contact, agent, contact.pk, topic="Skolplikt", notes="ok")
    state = AgentState.objects.get(person=agent)
    assert state.presence == "wrap_up"
    assert state.wrap_up_until is not None
    contact.refresh_from_db()
    assert contact.status == "completed" and contact.topic == "Skolplikt"
    assert event_names(org) == [
        "agent_state_changed",
        "contact_queued",
        "offered",
        "accepted",
        "agent_state_changed",  # available → busy
        "completed",
        "agent_state_changed",
    ]


def test_wrap_up_ends_in_a_round_after_its_time(run_commits) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org, wrap_up_seconds=10)
    agent = make_agent(org, [queue])
    run_commits(actions.do_set_presence, agent, "available")
    contact = run_commits(actions.do_create_contact, queue, "chat")
    run_commits(actions.do_accept_offer, agent, Offer.objects.get(contact=contact).pk)
    run_commits(actions.do_complete_contact, agent, contact.pk, topic="Bygglov")
    run_round(org.pk, now=timezone.now() + timedelta(seconds=5))
    assert AgentState.objects.get(person=agent).presence == "wrap_up"
    run_round(org.pk, now=timezone.now() + timedelta(seconds=11))
    assert AgentState.objects.get(person=agent).presence == "available"


def test_decline_moves_the_offer_to_the_next_agent(run_commits) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org)
    first = make_agent(org, [queue])
    second = make_agent(org, [queue])
    run_commits(actions.do_set_presence, first, "available")
    contact = run_commits(actions.do_create_contact, queue, "email")
    run_commits(actions.do_set_presence, second, "available")
    offer = Offer.objects.get(contact=contact, status="open")
    assert offer.agent_id == first.pk
    run_commits(actions.do_decline_offer, first, offer.pk)
    again = Offer.objects.get(contact=contact, status="open")
    assert again.agent_id == second.pk
    assert "declined" in event_names(org)


def test_an_offer_that_times_out_goes_to_the_next_agent_and_repeated_timeouts_set_away(run_commits) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org, offer_timeout_seconds=20, max_consecutive_timeouts=1)
    sleepy = make_agent(org, [queue])
    run_commits(actions.do_set_presence, sleepy, "available")
    contact = run_commits(actions.do_create_contact, queue, "phone")
    awake = make_agent(org, [queue])
    run_commits(actions.do_set_presence, awake, "available")
    assert Offer.objects.get(contact=contact, status="open").agent_id == sleepy.pk
    run_round(org.pk, now=timezone.now() + timedelta(seconds=21))
    assert Offer.objects.filter(contact=contact, status="timed_out", agent=sleepy).exists()
    assert Offer.objects.get(contact=contact, status="open").agent_id == awake.pk
    assert AgentState.objects.get(person=sleepy).presence == "away"
    assert "offer_timed_out" in event_names(org)


def test_going_on_break_withdraws_open_offers(run_commits) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org)
    agent = make_agent(org, [queue])
    run_commits(actions.do_set_presence, agent, "available")
    contact = run_commits(actions.do_create_contact, queue, "phone")
    with pytest.raises(InvalidInput):
        actions.do_set_presence(agent, "break")  # a break needs a reason
    run_commits(actions.do_set_presence, agent, "break", "lunch")
    contact.refresh_from_db()
    assert contact.status == "waiting"
    assert not Offer.objects.filter(contact=contact, status="open").exists()


def test_a_phone_call_excludes_everything_else(run_commits) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org)
    agent = make_agent(org, [queue])
    run_commits(actions.do_set_presence, agent, "available")
    call = run_commits(actions.do_create_contact, queue, "phone")
    run_commits(actions.do_accept_offer, agent, Offer.objects.get(contact=call).pk)
    chat = run_commits(actions.do_create_contact, queue, "chat")
    assert not Offer.objects.filter(contact=chat).exists()
    chat.refresh_from_db()
    assert chat.status == "waiting"


def test_transfer_to_a_colleague_only_offers_to_that_colleague(run_commits) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org)
    me = make_agent(org, [queue])
    colleague = make_agent(org, [queue])
    bystander = make_agent(org, [queue])
    run_commits(actions.do_set_presence, me, "available")
    contact = run_commits(actions.do_create_contact, queue, "email")
    run_commits(actions.do_accept_offer, me, Offer.objects.get(contact=contact).pk)
    run_commits(actions.do_set_presence, bystander, "available")
    run_commits(actions.do_transfer_contact, me, contact.pk, to_person=colleague)
    assert not Offer.objects.filter(contact=contact, status="open").exists()
    run_commits(actions.do_set_presence, colleague, "available")
    assert Offer.objects.get(contact=contact, status="open").agent_id == colleague.pk
    assert "transferred" in event_names(org)


def test_callback_keeps_the_place_in_line(run_commits) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org)
    early = run_commits(actions.do_create_contact, queue, "phone")
    late = run_commits(actions.do_create_contact, queue, "phone")
    run_commits(actions.do_request_callback, early, "+46701234567")
    early.refresh_from_db()
    assert early.channel == "callback"
    agent = make_agent(org, [queue])
    run_commits(actions.do_set_presence, agent, "available")
    assert Offer.objects.get(status="open").contact_id == early.pk
    assert Contact.objects.get(pk=late.pk).status == "waiting"


def test_overflow_when_nobody_is_logged_in(run_commits) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    general = make_queue(org, code="allmant")
    corona = make_queue(org, code="corona", overflow=[{"to": "allmant", "when_no_agents": True}])
    agent = make_agent(org, [general])
    run_commits(actions.do_set_presence, agent, "available")
    contact = run_commits(actions.do_create_contact, corona, "chat")
    contact.refresh_from_db()
    # The first round overflows it; the next round (requested by the sweeper or the
    # next event) offers it in the new queue.
    run_round(org.pk)
    contact.refresh_from_db()
    assert contact.queue_id == general.pk
    assert Offer.objects.get(contact=contact, status="open").agent_id == agent.pk
    assert "overflowed" in event_names(org)


def test_closed_queue_gives_the_closed_fallback(run_commits) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org, always_open=False, weekly_hours={}, holiday_country="")
    contact = run_commits(actions.do_create_contact, queue, "phone")
    contact.refresh_from_db()
    assert contact.status == "fallback" and contact.fallback_kind == "closed_message"


def test_accepting_an_offer_twice_is_a_clear_conflict(run_commits) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org)
    agent = make_agent(org, [queue])
    run_commits(actions.do_set_presence, agent, "available")
    contact = run_commits(actions.do_create_contact, queue, "phone")
    offer = Offer.objects.get(contact=contact)
    run_commits(actions.do_accept_offer, agent, offer.pk)
    with pytest.raises(StateConflict):
        actions.do_accept_offer(agent, offer.pk)


def test_event_log_is_append_only(run_commits) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org)
    run_commits(actions.do_create_contact, queue, "form")
    event = RoutingEvent.objects.for_org(org).first()
    assert event is not None
    event.name = "tampered"
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


def test_a_round_reads_only_the_reachable_contacts_but_keeps_the_order(run_commits) -> None:  # type: ignore[no-untyped-def]
    from distans.routing.rounds import load_agents, load_contacts, load_queues

    org = make_organisation()
    queue = make_queue(org)
    for _ in range(120):
        actions.do_create_contact(queue, "email")
    urgent = actions.do_create_contact(queue, "email", priority=5)  # last to arrive
    agent = make_agent(org, [queue])
    AgentState.objects.filter(person=agent).update(presence="available")
    queues, _ = load_queues(org)
    read = load_contacts(org.pk, queues, free_agents=len(load_agents(org.pk)))
    assert len(read) == 2 * 1 + 100  # not all 121
    assert str(urgent.pk) in {c.id for c in read}
    run_round(org.pk)
    assert Offer.objects.get(status="open").contact_id == urgent.pk


def test_entering_wrap_up_withdraws_open_offers_instead_of_letting_them_time_out(run_commits) -> None:  # type: ignore[no-untyped-def]
    """Issue 14 point 3/8: an offer made while the agent was busy (a second chat) stayed
    open through wrap-up, could not be accepted there, expired and counted as a timeout;
    three of those set the agent away (the demo's colleagues ended up "away")."""
    org = make_organisation()
    queue = make_queue(org, wrap_up_seconds=30, max_consecutive_timeouts=1)
    agent = make_agent(org, [queue])
    run_commits(actions.do_set_presence, agent, "available")
    first = run_commits(actions.do_create_contact, queue, "chat")
    run_commits(actions.do_accept_offer, agent, Offer.objects.get(contact=first).pk)
    second = run_commits(actions.do_create_contact, queue, "chat")
    assert Offer.objects.get(contact=second, status="open").agent_id == agent.pk

    run_commits(actions.do_complete_contact, agent, first.pk, topic="Bygglov")
    state = AgentState.objects.get(person=agent)
    assert state.presence == "wrap_up"
    assert not Offer.objects.filter(agent=agent, status="open").exists()
    second.refresh_from_db()
    assert second.status == "waiting"
    assert RoutingEvent.objects.for_org(org).filter(
        name="offer_cancelled", contact_id=second.pk, data__reason="agent_in_wrap_up"
    ).exists()
    # Long after the offer would have expired: no timeout, not away, and after the
    # wrap-up the contact is offered again.
    run_round(org.pk, now=timezone.now() + timedelta(seconds=31))
    state.refresh_from_db()
    assert state.presence == "available" and state.consecutive_timeouts == 0
    assert Offer.objects.get(contact=second, status="open").agent_id == agent.pk
