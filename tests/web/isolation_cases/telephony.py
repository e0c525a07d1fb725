"""Organisation B's PBX key cannot see or drive organisation A's calls."""

from __future__ import annotations

from typing import Any

from django.test import Client
from tests.web.isolation import CASES, Probe, World, world_builder

from distans.accounts.actions import do_create_api_token
from distans.contacts.models import Contact
from distans.telephony.models import Call, Line


@world_builder
def _telephony_world(world: World) -> None:
    queue_a = world.extra["queue_a"]
    Line.objects.create(organisation=world.org_a, number="+4611111", name="A-linjen", queue=queue_a)
    contact = Contact.objects.create(organisation=world.org_a, queue=queue_a, channel="phone", customer_phone="+46700000001")
    world.extra["call_a"] = Call.objects.create(organisation=world.org_a, contact=contact, call_id="call-a", caller_number="+46700000001")
    world.extra["key_b"] = do_create_api_token(world.org_b, "pbx-b", scopes=["telephony.adapter"])[0]


def _as_b_pbx(world: World, method: str, path: str, data: dict[str, Any] | None = None) -> Any:
    client = Client(headers={"Authorization": f"Bearer {world.extra['key_b']}"})
    if method == "get":
        return client.get(path)
    import json

    return client.post(path, json.dumps(data or {}), content_type="application/json")


def _no_call_on_a_line(response: Any, world: World) -> None:
    response = _as_b_pbx(world, "post", "/api/telephony/calls", {"call_id": "b-1", "line": "+4611111"})
    assert response.status_code == 404
    assert Contact.objects.filter(organisation=world.org_a).count() == 3


def _cannot_read_route(response: Any, world: World) -> None:
    response = _as_b_pbx(world, "get", "/api/telephony/calls/call-a/route")
    assert response.status_code == 404
    assert "+46700000001" not in response.content.decode()


def _cannot_send_events(response: Any, world: World) -> None:
    response = _as_b_pbx(world, "post", "/api/telephony/calls/call-a/events", {"event": "abandoned"})
    assert response.status_code == 404
    call = world.extra["call_a"]
    call.contact.refresh_from_db()
    assert call.contact.status == "waiting"


# Each probe first makes B's *person* request (403: the contract is for API keys),
# then the check repeats it with B's API key.
CASES["api:incoming_call"] = lambda w: [Probe("post", "/api/telephony/calls", _no_call_on_a_line, {"call_id": "b-0", "line": "+4611111"}, True)]
CASES["api:route_call"] = lambda w: [Probe("get", "/api/telephony/calls/call-a/route", _cannot_read_route)]
CASES["api:call_event"] = lambda w: [Probe("post", "/api/telephony/calls/call-a/events", _cannot_send_events, {"event": "abandoned"}, True)]


def _no_gateway_call_on_a_line(response: Any, world: World) -> None:
    response = _as_b_pbx(world, "post", "/api/telephony/gateway/calls", {"call_id": "b-2", "line": "+4611111", "sdp": "v=0"})
    assert response.status_code == 404
    assert Contact.objects.filter(organisation=world.org_a).count() == 3


CASES["api:gateway_call"] = lambda w: [Probe("post", "/api/telephony/gateway/calls", _no_gateway_call_on_a_line, {"call_id": "b-3", "line": "+4611111"}, True)]


def _call_us_shows_no_other_organisation(response: Any, world: World) -> None:
    # only the demo organisation's page exists; neither world organisation is the demo
    assert response.status_code == 404, response.status_code
    body = response.content.decode(errors="replace")
    assert world.org_a.name not in body and "+4611111" not in body


CASES["telephony:call_us"] = lambda w: [Probe("get", "/telephony/call-us/", _call_us_shows_no_other_organisation)]
