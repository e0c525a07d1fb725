"""Factories for the Django side's tests (instead of scattered objects.create)."""

from __future__ import annotations

import itertools
from typing import Any

from distans.accounts.models import Organisation, Person, Site, Team

_counter = itertools.count(1)
PASSWORD = "correct-horse-battery"


def make_organisation(**fields: Any) -> Organisation:
    n = next(_counter)
    fields.setdefault("name", f"Organisation {n}")
    fields.setdefault("slug", f"org-{n}")
    return Organisation.objects.create(**fields)


def make_site(organisation: Organisation, **fields: Any) -> Site:
    fields.setdefault("name", f"Site {next(_counter)}")
    fields.setdefault("kind", "office")
    return Site.objects.create(organisation=organisation, **fields)


def make_team(organisation: Organisation, **fields: Any) -> Team:
    fields.setdefault("name", f"Team {next(_counter)}")
    return Team.objects.create(organisation=organisation, **fields)


def make_person(organisation: Organisation | None = None, **fields: Any) -> Person:
    n = next(_counter)
    organisation = organisation or make_organisation()
    fields.setdefault("full_name", f"Person {n}")
    email = fields.pop("email", f"person{n}@example.org")
    password = fields.pop("password", PASSWORD)
    return Person.objects.create_user(email, password, organisation=organisation, **fields)


def make_queue(organisation: Organisation, **fields: Any) -> Any:
    from distans.routing.models import Queue

    n = next(_counter)
    fields.setdefault("name", f"Queue {n}")
    fields.setdefault("code", f"q{n}")
    fields.setdefault("always_open", True)
    return Queue.objects.create(organisation=organisation, **fields)


def make_agent(
    organisation: Organisation, queues: list[Any], presence: str = "offline", **fields: Any
) -> Person:
    from distans.routing.models import AgentState

    skills = fields.pop("skills", {})
    person = make_person(organisation, **fields)
    state = AgentState.objects.create(
        organisation=organisation, person=person, presence=presence, skills=skills
    )
    state.queues.set(queues)
    return person
