"""A process that hammers routing, for the concurrency and kill tests.

    python tests/concurrency/routing_worker.py seed AGENTS QUEUES
    python tests/concurrency/routing_worker.py arrivals COUNT SEED
    python tests/concurrency/routing_worker.py agents SECONDS SEED
    python tests/concurrency/routing_worker.py sweep

DATABASE_URL names the (PostgreSQL) database. Routing runs in "thread" mode as in a
real server process, plus explicit rounds, so rounds from several processes compete.
"""

from __future__ import annotations

import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distans.config.settings")
os.environ.setdefault("DISTANS_ROUTING_MODE", "inline")
import django

django.setup()

from django.db import OperationalError, transaction  # noqa: E402

from distans.accounts.models import Organisation, Person  # noqa: E402
from distans.contacts.models import Contact  # noqa: E402
from distans.core.errors import CoreError  # noqa: E402
from distans.routing import actions  # noqa: E402
from distans.routing.models import AgentState, Offer, Queue  # noqa: E402
from distans.routing.rounds import run_round  # noqa: E402
from distans.routing.tasks import sweep_routing  # noqa: E402

CHANNELS = ["phone", "chat", "chat", "email", "email", "form"]


def seed(agents: int, queues: int) -> None:
    org = Organisation.objects.create(name="Load", slug="load")
    qs = [
        Queue.objects.create(
            organisation=org, name=f"Q{i}", code=f"q{i}", always_open=True,
            offer_timeout_seconds=2, wrap_up_seconds=0, max_consecutive_timeouts=50,
        )
        for i in range(queues)
    ]
    for i in range(agents):
        person = Person.objects.create_user(
            f"agent{i}@load.example", "x-password-123", full_name=f"Agent {i}", organisation=org
        )
        state = AgentState.objects.create(organisation=org, person=person, presence="available")
        state.queues.set(random.Random(i).sample(qs, k=min(2, len(qs))))
    print(org.pk)


def arrivals(count: int, rng: random.Random) -> None:
    # The seeded queues q0, q1, …: a temporary queue a continuity plan makes (and may
    # remove again) is not one contacts arrive in here — a real entry point resolves its
    # queue per arrival, whereas this list is read once, and a queue read while a plan was
    # in force would be a stale, deleted row for the rest of the run.
    queues = list(Queue.objects.filter(code__regex=r"^q[0-9]+$").order_by("code"))
    for _ in range(count):
        try:
            actions.do_create_contact(rng.choice(queues), rng.choice(CHANNELS))
        except OperationalError as error:
            print(f"arrival failed: {error!r}", file=sys.stderr, flush=True)
            time.sleep(0.01)
        if rng.random() < 0.2:
            run_round(queues[0].organisation_id)


def agents(seconds: float, rng: random.Random) -> None:
    """Agents answer their offers: mostly accept, sometimes decline or ignore; finish."""
    deadline = time.monotonic() + seconds
    people = list(Person.objects.filter(agent_state__isnull=False))
    org_id = people[0].organisation_id
    while time.monotonic() < deadline:
        person = rng.choice(people)
        try:
            offer = Offer.objects.filter(agent=person, status="open").first()
            if offer is not None:
                roll = rng.random()
                if roll < 0.8:
                    actions.do_accept_offer(person, offer.pk)
                elif roll < 0.9:
                    actions.do_decline_offer(person, offer.pk)
            active = Contact.objects.filter(agent=person, status="active").first()
            if active is not None and rng.random() < 0.5:
                actions.do_complete_contact(person, active.pk, topic="load")
            if rng.random() < 0.02:
                actions.do_set_presence(person, "break", "lunch")
                actions.do_set_presence(person, "available")
            if rng.random() < 0.1:
                run_round(org_id)
        except CoreError:
            pass  # lost a race (offer taken, expired, …): exactly what the core refuses
        except OperationalError as error:  # a deadlock victim: nothing applied
            print(f"agent step failed: {error!r}", file=sys.stderr, flush=True)


def main() -> None:
    role = sys.argv[1]
    if role == "seed":
        seed(int(sys.argv[2]), int(sys.argv[3]))
    elif role == "arrivals":
        arrivals(int(sys.argv[2]), random.Random(int(sys.argv[3])))
    elif role == "agents":
        agents(float(sys.argv[2]), random.Random(int(sys.argv[3])))
    elif role == "sweep":
        with transaction.atomic():
            sweep_routing()
        for org_id in Organisation.objects.values_list("pk", flat=True):
            run_round(org_id)
    else:
        raise SystemExit(f"unknown role {role}")


if __name__ == "__main__":
    main()
