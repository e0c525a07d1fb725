"""The demo's loaders run in INSTALLED_APPS order, whatever imported their modules
first (`distans demo` once imported the e-mail demo's address helper before loading,
which made the mailbox loader run before routing had made its queues: no mailbox)."""

from __future__ import annotations

from distans.channels_email.demo import load_email_demo
from distans.demo import data
from distans.routing.demo import load_routing_demo


def test_loaders_run_in_app_order_whatever_was_imported_first() -> None:
    shuffled = [load_email_demo, load_routing_demo]
    ordered = data._in_app_order(shuffled)
    assert ordered.index(load_routing_demo) < ordered.index(load_email_demo)
