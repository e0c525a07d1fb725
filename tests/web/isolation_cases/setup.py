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


def _open_form_closed(response: Any, world: World) -> None:
    # B is logged in (and people exist): no second organisation can be created here.
    assert response.status_code == 302
    assert not Queue.objects.filter(name="Kapad").exists()
    from distans.accounts.models import Organisation

    assert not Organisation.objects.filter(name="Kapad").exists()


@case("setup:first_run")
def _first_run(world: World) -> list[Probe]:
    return [
        Probe("post", "/settings/first-run/", _open_form_closed, {"organisation": "Kapad", "full_name": "X", "email": "x@example.org", "password": "ett-langt-losenord-77", "password_again": "ett-langt-losenord-77"}),
    ]


def _a_unchanged(response: Any, world: World) -> None:
    world.org_a.refresh_from_db()
    assert world.org_a.name == "Alfa kommun"
    assert not Queue.objects.for_org(world.org_a).filter(code="kapad").exists()


@case("setup:first_run_step")
def _first_run_step(world: World) -> list[Probe]:
    names = must_not_show(lambda w: w.extra["queue_a"].name, lambda w: w.extra["team_a"].name, lambda w: w.org_a.name)
    return [
        Probe("get", "/settings/first-run/queue/", names),
        Probe("get", "/settings/first-run/team/", names),
        Probe("get", "/settings/first-run/channel/", names),
        Probe("post", "/settings/first-run/organisation/", _a_unchanged, {"name": "Kapad", "time_zone": "Europe/Oslo", "country": "NO"}),
        Probe("post", "/settings/first-run/queue/", _a_unchanged, {"name": "Kapad", "code": "kapad", "weekdays": "08:00-16:00"}),
    ]


def _a_widget_hidden(response: Any, world: World) -> None:
    from distans.channels_chat.models import ChatWidget

    body = response.content.decode()
    for widget in ChatWidget.objects.for_org(world.org_a):
        assert widget.key not in body


@case("setup:test_chat")
def _test_chat(world: World) -> list[Probe]:
    return [Probe("post", "/settings/first-run/test-chat/", _a_widget_hidden)]


@case("setup:test_page")
def _test_page(world: World) -> list[Probe]:
    return [Probe("get", "/settings/first-run/test-page/", _a_widget_hidden)]
