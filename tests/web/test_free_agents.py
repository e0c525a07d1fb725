"""The per-process table of free agents (routing/free_agents.py) kept from round to
round equals one built from scratch, whatever happened in between: on PostgreSQL
brought up to date from the agent rows written since its watermark alone, on SQLite
from every agent's version and the open offers."""

from __future__ import annotations

import random
from datetime import timedelta

import psycopg
import pytest
from django.db import connection
from django.utils import timezone
from tests.factories import make_agent, make_organisation, make_queue

from distans.contacts.models import Contact
from distans.routing import actions, free_agents, rounds
from distans.routing.models import AgentState, Offer
from distans.wallboard import actions as wallboard_actions

# Committed step by step (routing runs inline after each commit): on PostgreSQL the
# kept table then reads only the rows written since its watermark, as a server's does
# (inside one test transaction every row would count as written since).
pytestmark = pytest.mark.django_db(transaction=True)


def _view(table: free_agents.FreeAgents) -> tuple[object, ...]:
    return (
        table.agents,
        table.room,
        table.loads,
        {pattern: [agent.id for agent in group] for pattern, group in table.groups.items()},
    )


@pytest.mark.parametrize("seed", range(6))
def test_the_kept_table_equals_a_fresh_one_after_every_change(seed: int, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    clock = [timezone.now()]  # time passes only when the walk says so
    monkeypatch.setattr(timezone, "now", lambda: clock[0])
    org = make_organisation()
    queues = [make_queue(org, wrap_up_seconds=0) for _ in range(3)]
    people = [
        make_agent(
            org,
            rng.sample(queues, rng.randint(1, 3)),
            presence=rng.choice(["available", "available", "busy", "away", "offline"]),
        )
        for _ in range(8)
    ]
    for person in people:  # capacities differ, so free channels and patterns do
        AgentState.objects.filter(person=person).update(
            capacity={"phone": 1, "chat": rng.randint(1, 3), "email": rng.randint(0, 5)}
        )
    kept = free_agents.FreeAgents(org.pk)
    seen_offers = seen_reserved_patterns = expired = withdrawn = 0
    for _ in range(60):
        step = rng.random()
        if step < 0.3:
            actions.do_create_contact(rng.choice(queues), rng.choice(["chat", "email", "phone"]))
        elif step < 0.48 and (
            offer := Offer.objects.filter(status="open", expires_at__gt=timezone.now()).first()
        ):
            person = next(p for p in people if p.pk == offer.agent_id)
            if rng.random() < 0.7:
                actions.do_accept_offer(person, offer.pk)
            else:
                actions.do_decline_offer(person, offer.pk)
        elif step < 0.6 and (active := Contact.objects.filter(status="active").first()):
            person = next(p for p in people if p.pk == active.agent_id)
            actions.do_complete_contact(person, active.pk, topic="test")
        elif step < 0.67:  # a supervisor moves an agent to other queues
            wallboard_actions.do_set_agent_queues(
                people[0], rng.choice(people), rng.sample(queues, rng.randint(1, 3))
            )
        elif step < 0.77:
            presence = rng.choice(["available", "busy", "break", "offline"])
            actions.do_set_presence(rng.choice(people), presence, reason="lunch")
        elif step < 0.87 and (offered := Contact.objects.filter(status="offered").first()):
            # The customer hangs up, or asks to be called back: the offer is withdrawn.
            if rng.random() < 0.6 or offered.channel == "callback":
                actions.do_abandon_contact(offered)
            else:
                actions.do_request_callback(offered, "+46701234567")
            withdrawn += 1
        else:  # time passes: offers run out (no longer reserved), nothing is written
            clock[0] += timedelta(seconds=rng.randint(5, 30))
            expired += Offer.objects.filter(status="open", expires_at__lte=clock[0]).exists()
        kept.refresh(clock[0])
        fresh = free_agents.FreeAgents(org.pk)
        rounds.clear_caches()  # the fresh table's agents are read again, too
        fresh.refresh(clock[0])
        assert _view(kept) == _view(fresh)
        seen_offers += Offer.objects.filter(status="open", expires_at__gt=clock[0]).exists()
        seen_reserved_patterns += bool(kept.loads)
    # The walk went through states with open offers reserving room, with open offers
    # past their expiry, and offers withdrawn by their contacts.
    assert seen_offers and seen_reserved_patterns and expired and withdrawn


def test_a_change_the_read_could_not_see_is_read_the_next_time() -> None:
    """A transaction that wrote an agent row before a read and committed after it: the
    read could not see the change, and the watermark it leaves (the oldest transaction
    still running when it began) makes the next read find it."""
    if connection.vendor != "postgresql":
        pytest.skip("read of changes: runs in the suite's second pass (see Makefile)")
    org = make_organisation()
    queue = make_queue(org)
    people = [make_agent(org, [queue], presence="available") for _ in range(3)]
    table = free_agents.FreeAgents(org.pk)
    table.refresh(timezone.now())
    assert set(table.free) == {str(p.pk) for p in people}
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
    ) as other:
        other.execute(
            "UPDATE routing_agentstate SET presence = 'away', version = version + 1"
            " WHERE person_id = %s",
            [people[0].pk],
        )
        table.refresh(timezone.now())  # cannot see the uncommitted change
        assert str(people[0].pk) in table.free
        make_agent(org, [queue], presence="available")  # others commit meanwhile
        table.refresh(timezone.now())
        other.commit()
    table.refresh(timezone.now())
    assert str(people[0].pk) not in table.free
    assert len(table.free) == 3


def test_queue_membership_changed_from_the_queues_side_reaches_the_table() -> None:
    org = make_organisation()
    first, second = make_queue(org), make_queue(org)
    person = make_agent(org, [first], presence="available")
    state = AgentState.objects.get(person=person)
    table = free_agents.FreeAgents(org.pk)
    table.refresh(timezone.now())
    second.agents.add(state)
    table.refresh(timezone.now())
    assert table.agents[str(person.pk)].queue_ids == {str(first.pk), str(second.pk)}
    first.agents.clear()
    table.refresh(timezone.now())
    assert table.agents[str(person.pk)].queue_ids == {str(second.pk)}
