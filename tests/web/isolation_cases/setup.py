"""Settings pages of distans.setup: B's admin never sees or changes A's queues."""

from __future__ import annotations

from typing import Any

from tests.web.isolation import Probe, World, case, denied, must_not_show

from distans.routing.models import Queue


def _queue_a_unchanged(response: Any, world: World) -> None:
    denied(response, world)
    queue = Queue.objects.get(pk=world.extra["queue_a"].pk)
    assert queue.name == world.extra["queue_a"].name and queue.offer_timeout_seconds != 99


def _no_queue_in_a(response: Any, world: World) -> None:
    assert not Queue.objects.for_org(world.org_a).filter(code="kapad").exists()


@case("setup:queues")
def _queues(world: World) -> list[Probe]:
    return [Probe("get", "/settings/queues/", must_not_show(lambda w: w.extra["queue_a"].name))]


@case("setup:queue_edit")
def _queue_edit(world: World) -> list[Probe]:
    pk = world.extra["queue_a"].pk
    return [
        Probe("get", f"/settings/queues/{pk}/", denied),
        Probe("post", f"/settings/queues/{pk}/", _queue_a_unchanged, {"name": "Kapad", "code": "kapad", "offer_timeout_seconds": 99}),
    ]


@case("setup:queue_new")
def _queue_new(world: World) -> list[Probe]:
    # B's new queue lands in B's organisation, whatever is posted.
    return [Probe("post", "/settings/queues/new/", _no_queue_in_a, {"name": "Kapad", "code": "kapad", "organisation": world.org_a.pk})]
