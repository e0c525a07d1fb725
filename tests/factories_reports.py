"""Factories for the reports and topics tests: contacts handled through routing's actions."""

from __future__ import annotations

from typing import Any

from distans.routing import actions
from distans.routing.models import Offer


def handle_contact(run: Any, queue: Any, agent: Any, topic: str, *, body: str = "",
                   end_wrap_up: bool = True) -> Any:  # fmt: skip
    """Queue a phone contact, let ``agent`` accept and complete it with ``topic``."""
    contact = run(actions.do_create_contact, queue, "phone", body=body)
    offer = Offer.objects.get(contact=contact, status="open")
    run(actions.do_accept_offer, agent, offer.pk)
    run(actions.do_complete_contact, agent, contact.pk, topic=topic)
    if end_wrap_up:
        run(actions.do_end_wrap_up, agent)
    return contact


def abandon_contact(run: Any, queue: Any) -> Any:
    contact = run(actions.do_create_contact, queue, "phone")
    return run(actions.do_abandon_contact, contact)
