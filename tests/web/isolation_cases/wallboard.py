"""Tenant isolation of the wallboard: B's supervisor sees and changes nothing of A's."""

from __future__ import annotations

from typing import Any

from tests.web.isolation import Probe, World, case, denied, must_not_show

ALFA = must_not_show(lambda w: w.person_a.full_name, lambda w: "Alfakön", lambda w: "Alfakontoret")

for _name, _path in [
    ("wallboard:index", "/wallboard/"),
    ("wallboard:tv", "/wallboard/tv/"),
    ("wallboard:queues", "/wallboard/queues/"),
    ("wallboard:agents", "/wallboard/agents/"),
    ("wallboard:topics", "/wallboard/topics/"),
]:
    case(_name)(lambda world, _p=_path: [Probe("get", _p, ALFA)])


@case("wallboard:agent")
def _agent(world: World) -> list[Probe]:
    return [
        Probe(
            "get",
            f"/wallboard/agents/{world.person_a.pk}/",
            lambda r, w: (denied(r, w), ALFA(r, w)),
        )
    ]


def _a_unchanged(response: Any, world: World) -> None:
    from distans.routing.models import AgentState

    assert response.status_code == 404, response.status_code
    state = AgentState.objects.get(person=world.person_a)
    assert state.presence == "available"
    assert list(state.queues.all()) == [world.extra["queue_a"]]


@case("wallboard:agent_presence")
def _presence(world: World) -> list[Probe]:
    return [
        Probe(
            "post",
            f"/wallboard/agents/{world.person_a.pk}/presence/",
            _a_unchanged,
            {"presence": "offline"},
        )
    ]


@case("wallboard:agent_queues")
def _queues(world: World) -> list[Probe]:
    return [
        Probe(
            "post", f"/wallboard/agents/{world.person_a.pk}/queues/", _a_unchanged, {"queues": []}
        )
    ]


@case("wallboard:gateway")
def _gateway(world: World) -> list[Probe]:
    """A's phone gateway is down: B's wallboard says nothing of it."""
    from django.utils import timezone

    from distans.routing.models import RoutingEvent
    from distans.telephony.gateway_status import GATEWAY_DOWN

    RoutingEvent.objects.create(
        organisation=world.org_a, name=GATEWAY_DOWN, at=timezone.now(), data={"kamailio": False}
    )

    def nothing_of_a(response: Any, w: World) -> None:
        assert response.status_code == 200, response.status_code
        assert "wb-gateway" not in response.content.decode()

    return [Probe("get", "/wallboard/gateway/", nothing_of_a)]
