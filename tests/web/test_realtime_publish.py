"""Publishing after commit: coalesced kinds, and routing's "queues" events under load."""

from __future__ import annotations

import threading
import time

import pytest
from tests.factories import make_organisation, make_queue
from tests.waiting import wait_for

from distans.realtime import publish as publishing
from distans.realtime.groups import supervisors_group
from distans.routing import actions


@pytest.fixture
def sent(monkeypatch):  # type: ignore[no-untyped-def]
    """Every event that actually leaves for the channel layer: (group, kind)."""
    events: list[tuple[str, str]] = []
    lock = threading.Lock()

    def record(group: str, kind: str, data: dict) -> None:  # type: ignore[type-arg]
        with lock:
            events.append((group, kind))

    monkeypatch.setattr(publishing, "_send_now", record)
    monkeypatch.setattr(publishing, "_quiet_until", {})
    monkeypatch.setattr(publishing, "_trailing", set())
    return events


def test_a_burst_of_a_coalesced_kind_sends_the_first_at_once_and_one_more_at_the_end(
    sent,  # type: ignore[no-untyped-def]
) -> None:
    for _ in range(25):
        publishing._send_coalesced("supervisors.1", "queues", {}, 0.2)
    assert sent == [("supervisors.1", "queues")]  # the first, at once; the rest folded
    assert wait_for(lambda: len(sent) == 2, 5.0)  # one trailing event carries the rest
    time.sleep(0.3)
    assert sent == [("supervisors.1", "queues")] * 2
    publishing._send_coalesced("supervisors.1", "agents", {}, 0.2)  # another kind: its own
    assert sent[-1] == ("supervisors.1", "agents")


@pytest.mark.django_db(transaction=True)
def test_many_arrivals_do_not_send_a_queues_event_each(sent, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(publishing, "QUEUES_COALESCE_SECONDS", 5.0)
    monkeypatch.setattr(actions, "QUEUES_COALESCE_SECONDS", 5.0)
    org = make_organisation()
    queue = make_queue(org)
    for _ in range(20):
        actions.do_create_contact(queue, "chat")
    queues_events = [e for e in sent if e == (supervisors_group(org.pk), "queues")]
    assert queues_events == [(supervisors_group(org.pk), "queues")]
