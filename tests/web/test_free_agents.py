"""The per-process table of free agents (routing/free_agents.py) kept from round to
round equals one built from scratch, whatever happened in between."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone
from tests.factories import make_agent, make_organisation, make_queue

from distans.contacts.models import Contact
from distans.routing import actions, free_agents, rounds
from distans.routing.models import AgentState, Offer
from distans.routing.sql import agent_versions, reservations
from distans.routing.targeted import ROUTABLE
from distans.wallboard import actions as wallboard_actions

pytestmark = pytest.mark.django_db


def _view(table: free_agents.FreeAgents) -> tuple[object, ...]:
    return (
        table.agents,
        table.room,
        table.loads,
        {pattern: [agent.id for agent in group] for pattern, group in table.groups.items()},
    )


def _reads(org_id: int) -> tuple[list[tuple[int, int]], list[tuple[int, str, int]]]:
    versions = [tuple(row) for row in agent_versions(org_id, person_ids=None, presences=ROUTABLE)]
    offers = [tuple(row) for row in reservations(org_id, timezone.now(), None)]
    return versions, offers  # type: ignore[return-value]


@pytest.mark.parametrize("seed", range(6))
def test_the_kept_table_equals_a_fresh_one_after_every_change(
    seed: int, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
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
    seen_offers = seen_reserved_patterns = 0
    for _ in range(60):
        step = rng.random()
        with django_capture_on_commit_callbacks(execute=True):  # routing runs inline
            if step < 0.35:
                actions.do_create_contact(
                    rng.choice(queues), rng.choice(["chat", "email", "phone"])
                )
            elif step < 0.55 and (
                offer := Offer.objects.filter(status="open", expires_at__gt=timezone.now()).first()
            ):
                person = next(p for p in people if p.pk == offer.agent_id)
                if rng.random() < 0.7:
                    actions.do_accept_offer(person, offer.pk)
                else:
                    actions.do_decline_offer(person, offer.pk)
            elif step < 0.7 and (active := Contact.objects.filter(status="active").first()):
                person = next(p for p in people if p.pk == active.agent_id)
                actions.do_complete_contact(person, active.pk, topic="test")
            elif step < 0.78:  # a supervisor moves an agent to other queues
                wallboard_actions.do_set_agent_queues(
                    people[0], rng.choice(people), rng.sample(queues, rng.randint(1, 3))
                )
            elif step < 0.88:
                presence = rng.choice(["available", "busy", "break", "offline"])
                actions.do_set_presence(rng.choice(people), presence, reason="lunch")
            else:  # an offer runs out (its expiry in the past: no longer reserved)
                first_open = Offer.objects.filter(status="open").values("pk")[:1]
                Offer.objects.filter(pk__in=first_open).update(
                    expires_at=timezone.now() - timedelta(seconds=1)
                )
        versions, offers = _reads(org.pk)
        kept.update(versions, offers)
        fresh = free_agents.FreeAgents(org.pk)
        rounds.clear_caches()  # the fresh table's agents are read again, too
        fresh.update(versions, offers)
        assert _view(kept) == _view(fresh)
        seen_offers += bool(offers)
        seen_reserved_patterns += bool(kept.loads)
    # The walk went through states with open offers reserving room.
    assert seen_offers and seen_reserved_patterns
