"""The telephony adapter contract, end to end through the API with an API key."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.test import Client
from django.utils import timezone
from tests.factories import make_agent, make_organisation, make_queue, make_site

from distans.accounts.actions import do_create_api_token
from distans.contacts.models import Contact
from distans.routing import actions as routing
from distans.routing.models import AgentState, Offer
from distans.telephony.actions import do_expire_callbacks
from distans.telephony.adapters.webhook import sign
from distans.telephony.models import Call, Line, TelephonySettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def pbx(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org, code="allmant")
    switchboard = make_queue(org, code="vaxel", is_switchboard=True)
    Line.objects.create(organisation=org, number="+4655510010", name="Allmänt", queue=queue)
    Line.objects.create(organisation=org, number="+4655510000", name="Växeln", queue=switchboard)
    key, _ = do_create_api_token(org, "pbx", scopes=["telephony.adapter"])
    # enforce_csrf_checks: a PBX has no session and no CSRF token; the key must suffice.
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {key}"})

    def call(method: str, path: str, data: dict | None = None):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            if method == "get":
                return client.get(path)
            return client.post(path, json.dumps(data or {}), content_type="application/json")

    return org, queue, switchboard, call, django_capture_on_commit_callbacks


def test_a_call_queues_and_connects_to_an_agent_at_home_on_the_mobile(pbx) -> None:  # type: ignore[no-untyped-def]
    org, queue, _, call, capture = pbx
    home = make_site(org, name="Hemma", kind="home")
    agent = make_agent(org, [queue], phone="+46701112233")
    AgentState.objects.filter(person=agent).update(site=home)
    created = call("post", "/api/telephony/calls", {"call_id": "c-1", "line": "+4655510010", "caller_number": "+46709998877"})
    assert created.status_code == 201, created.content
    assert created.json()["route"] == {"action": "wait", "position": 1}
    contact = Contact.objects.get(pk=created.json()["contact_id"])
    assert contact.channel == "phone" and contact.customer_phone == "+46709998877" and contact.queue == queue

    with capture(execute=True):
        routing.do_set_presence(agent, "available")
    with capture(execute=True):
        routing.do_accept_offer(agent, Offer.objects.get(contact=contact).pk)
    route = call("get", "/api/telephony/calls/c-1/route").json()["route"]
    assert route == {"action": "connect", "endpoint": {"kind": "mobile", "address": "+46701112233"}}
    assert call("post", "/api/telephony/calls/c-1/events", {"event": "answered"}).json()["state"] == "answered"
    assert call("post", "/api/telephony/calls/c-1/events", {"event": "ended"}).json()["state"] == "ended"


def test_an_agent_at_the_office_gets_the_softphone(pbx) -> None:  # type: ignore[no-untyped-def]
    org, queue, _, call, capture = pbx
    office = make_site(org, name="Kontoret", kind="office")
    agent = make_agent(org, [queue], phone="+46701112233")
    AgentState.objects.filter(person=agent).update(site=office, endpoint_sip="sip:anna@pbx.example")
    created = call("post", "/api/telephony/calls", {"call_id": "c-2", "line": "+4655510010"})
    with capture(execute=True):
        routing.do_set_presence(agent, "available")
    with capture(execute=True):
        routing.do_accept_offer(agent, Offer.objects.get(contact_id=created.json()["contact_id"]).pk)
    route = call("get", "/api/telephony/calls/c-2/route").json()["route"]
    assert route["endpoint"] == {"kind": "sip", "address": "sip:anna@pbx.example"}


def test_switchboard_line_goes_to_the_operator_queue_and_retries_are_idempotent(pbx) -> None:  # type: ignore[no-untyped-def]
    org, _, switchboard, call, _ = pbx
    first = call("post", "/api/telephony/calls", {"call_id": "v-1", "line": "+4655510000"})
    again = call("post", "/api/telephony/calls", {"call_id": "v-1", "line": "+4655510000"})
    assert first.json()["contact_id"] == again.json()["contact_id"]
    assert Contact.objects.get(pk=first.json()["contact_id"]).queue == switchboard
    assert Call.objects.count() == 1


def test_hanging_up_in_queue_is_an_abandon_and_callback_keeps_the_place(pbx) -> None:  # type: ignore[no-untyped-def]
    org, queue, _, call, capture = pbx
    first = call("post", "/api/telephony/calls", {"call_id": "a-1", "line": "+4655510010"}).json()
    second = call("post", "/api/telephony/calls", {"call_id": "a-2", "line": "+4655510010"}).json()
    third = call("post", "/api/telephony/calls", {"call_id": "a-3", "line": "+4655510010"}).json()
    assert third["route"]["position"] == 3
    call("post", "/api/telephony/calls/a-2/events", {"event": "abandoned"})
    assert Contact.objects.get(pk=second["contact_id"]).status == "abandoned"
    cb = call("post", "/api/telephony/calls/a-1/events", {"event": "callback_requested", "number": "+46705550000"})
    assert cb.json()["state"] == "callback"
    first_contact = Contact.objects.get(pk=first["contact_id"])
    assert first_contact.channel == "callback"
    agent = make_agent(org, [queue])
    with capture(execute=True):
        routing.do_set_presence(agent, "available")
    assert Offer.objects.get(status="open").contact_id == first_contact.pk  # still first in line


def test_an_expired_callback_gets_the_fallback_unless_an_agent_has_its_offer(pbx) -> None:  # type: ignore[no-untyped-def]
    org, queue, _, call, capture = pbx
    for call_id in ("e-1", "e-2"):
        call("post", "/api/telephony/calls", {"call_id": call_id, "line": "+4655510010"})
        call("post", f"/api/telephony/calls/{call_id}/events", {"event": "callback_requested", "number": "+46705550000"})
    agent = make_agent(org, [queue])
    with capture(execute=True):
        routing.do_set_presence(agent, "available")
    offered = Call.objects.get(call_id="e-1").contact
    waiting = Call.objects.get(call_id="e-2").contact
    assert offered.status == "offered" and waiting.status == "waiting"
    Call.objects.update(callback_valid_until=timezone.now() - timedelta(minutes=1))
    assert do_expire_callbacks() == 1
    offered.refresh_from_db()
    waiting.refresh_from_db()
    assert waiting.status == "fallback" and waiting.fallback_kind == "callback_expired"
    assert offered.status == "offered" and Offer.objects.filter(contact=offered, status="open").exists()


def test_unknown_line_and_bad_event_get_clear_errors(pbx) -> None:  # type: ignore[no-untyped-def]
    _, _, _, call, _ = pbx
    missing = call("post", "/api/telephony/calls", {"call_id": "x", "line": "+4600000"})
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    call("post", "/api/telephony/calls", {"call_id": "y", "line": "+4655510010"})
    bad = call("post", "/api/telephony/calls/y/events", {"event": "exploded"})
    assert bad.status_code == 422
    assert call("get", "/api/telephony/calls/nope/route").status_code == 404


def test_webhook_adapter_posts_a_signed_connect_command(pbx, settings) -> None:  # type: ignore[no-untyped-def]
    org, queue, _, call, capture = pbx
    received: list[tuple[dict, str]] = []
    done = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((json.loads(body), self.headers.get("X-Distans-Signature", "")))
            received.append(({"raw": body.decode()}, ""))
            self.send_response(204)
            self.end_headers()
            done.set()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        TelephonySettings.objects.update_or_create(
            organisation=org,
            defaults={"webhook_url": f"http://127.0.0.1:{server.server_port}/pbx", "webhook_secret": "s3cret"},
        )
        agent = make_agent(org, [queue], phone="+46701112233")
        created = call("post", "/api/telephony/calls", {"call_id": "w-1", "line": "+4655510010"})
        with capture(execute=True):
            routing.do_set_presence(agent, "available")
        with capture(execute=True):
            routing.do_accept_offer(agent, Offer.objects.get(contact_id=created.json()["contact_id"]).pk)
        assert done.wait(5), "the PBX webhook was not called"
        payload, signature = received[0]
        assert payload["command"] == "connect" and payload["call_id"] == "w-1"
        assert signature == "sha256=" + sign("s3cret", received[1][0]["raw"].encode())
    finally:
        server.shutdown()


def test_a_person_session_cannot_drive_the_pbx_contract(client: Client) -> None:
    org = make_organisation()
    person = make_agent(org, [], is_supervisor=True)
    client.force_login(person)
    response = client.post("/api/telephony/calls", json.dumps({"call_id": "z", "line": "x"}), content_type="application/json")
    assert response.status_code == 403


def test_a_waiting_call_is_told_its_estimated_wait_when_agents_serve_the_queue(pbx) -> None:  # type: ignore[no-untyped-def]
    from distans.telephony.actions import PHONE_HANDLE_SECONDS
    from distans.telephony.gateway.prompts import wait_minutes

    org, queue, _, call, _ = pbx
    first = call("post", "/api/telephony/calls", {"call_id": "e-1", "line": "+4655510010", "caller_number": "1"})
    assert "estimated_wait_seconds" not in first.json()["route"]  # nobody serves: nothing promised
    agent = make_agent(org, [queue])
    AgentState.objects.filter(person=agent).update(presence="busy")
    second = call("post", "/api/telephony/calls", {"call_id": "e-2", "line": "+4655510010", "caller_number": "2"})
    route = second.json()["route"]
    assert route["position"] == 2 and route["estimated_wait_seconds"] == 2 * PHONE_HANDLE_SECONDS
    # said in whole minutes, rounded up to what was recorded; too long: not said
    assert wait_minutes(route["estimated_wait_seconds"]) == 8
    assert [wait_minutes(s) for s in (None, 30, 61, 1800, 1801)] == [None, 1, 2, 30, None]
