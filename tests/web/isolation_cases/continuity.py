"""Tenant isolation of continuity plans: B's supervisor never sees, edits, puts in
force or ends A's plans, and A's plan in force never shows in B's banner or
wallboard."""

from __future__ import annotations

from typing import Any

from tests.web.isolation import Probe, World, case, denied, must_not_show, world_builder


@world_builder
def _continuity_world(world: World) -> None:
    from distans.continuity import actions
    from distans.setup.actions import do_save_queue

    do_save_queue(
        world.org_a, None, None, {"name": "Alfaplanskön", "code": "alfaplan", "always_open": True}
    )
    plan = actions.do_create_plan(world.org_a, None, "Alfaplanen", "Alfabeskrivning")
    actions.do_activate_plan(world.org_a, None, plan)
    draft = actions.do_create_plan(world.org_a, None, "Alfautkastet")
    world.extra.update(plan_a=plan, draft_a=draft)


ALFA = must_not_show(
    lambda w: "Alfaplanen",
    lambda w: "Alfabeskrivning",
    lambda w: "Alfautkastet",
    lambda w: "Alfaplanskön",
)


def _unchanged(response: Any, world: World) -> None:
    from distans.continuity.models import Activation, Plan

    denied(response, world)
    ALFA(response, world)
    assert Plan.objects.get(pk=world.extra["draft_a"].pk).name == "Alfautkastet"
    assert Plan.objects.get(pk=world.extra["plan_a"].pk).activate_at is None
    assert Activation.objects.filter(organisation=world.org_a, active=True).count() == 1
    assert not Activation.objects.filter(plan=world.extra["draft_a"]).exists()


def _a(world: World, key: str = "draft_a") -> int:
    return int(world.extra[key].pk)


@case("continuity:index")
def _index(world: World) -> list[Probe]:
    return [
        Probe("get", "/continuity/", ALFA),
        Probe("post", "/continuity/", _plan_in_b, {"name": "Betaplan"}),
    ]


def _plan_in_b(response: Any, world: World) -> None:
    from distans.continuity.models import Plan

    ALFA(response, world)
    assert not Plan.objects.filter(organisation=world.org_a, name="Betaplan").exists()


@case("continuity:banner")
def _banner(world: World) -> list[Probe]:
    return [Probe("get", "/continuity/banner/", ALFA)]


@case("continuity:wallboard")
def _wallboard(world: World) -> list[Probe]:
    return [Probe("get", "/continuity/wallboard/", ALFA)]


@case("continuity:deactivate")
def _deactivate(world: World) -> list[Probe]:
    # B has no plan in force: ending does nothing to A's.
    def a_still_in_force(response: Any, world: World) -> None:
        from distans.continuity.models import Activation

        ALFA(response, world)
        assert Activation.objects.filter(organisation=world.org_a, active=True).exists()

    return [
        Probe("get", "/continuity/end/", a_still_in_force),
        Probe("post", "/continuity/end/", a_still_in_force),
    ]


@case("continuity:plan")
def _plan(world: World) -> list[Probe]:
    path = f"/continuity/{_a(world)}/"
    return [Probe("get", path, _unchanged), Probe("post", path, _unchanged, {"name": "Kapad"})]


@case("continuity:queue_new")
def _queue_new(world: World) -> list[Probe]:
    path = f"/continuity/{_a(world)}/queues/new/"
    return [
        Probe("get", path, _unchanged),
        Probe("post", path, _unchanged, {"name": "Kapad", "code": "kapad"}),
    ]


@case("continuity:queue")
def _queue(world: World) -> list[Probe]:
    path = f"/continuity/{_a(world)}/queues/alfaplan/"
    return [Probe("get", path, _unchanged), Probe("post", path, _unchanged, {"remove": "1"})]


@case("continuity:activate")
def _activate(world: World) -> list[Probe]:
    path = f"/continuity/{_a(world)}/activate/"
    return [Probe("get", path, _unchanged), Probe("post", path, _unchanged)]


@case("continuity:unschedule")
def _unschedule(world: World) -> list[Probe]:
    return [Probe("post", f"/continuity/{_a(world, 'plan_a')}/unschedule/", _unchanged)]
