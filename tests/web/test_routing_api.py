from __future__ import annotations

import json

import pytest
from django.test import Client
from tests.factories import make_agent, make_organisation, make_queue

from distans.accounts.actions import do_create_api_token
from distans.contacts.models import Contact
from distans.routing.models import Offer

pytestmark = pytest.mark.django_db


def post(client: Client, path: str, data: dict, **headers: str):  # type: ignore[no-untyped-def]
    return client.post(path, json.dumps(data), content_type="application/json", headers=headers)


def test_integration_creates_contact_and_agent_accepts_and_completes(
    client: Client, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org, code="allmant")
    agent = make_agent(org, [queue], presence="available")
    key, _ = do_create_api_token(org, "växel", scopes=["contacts.create", "contacts.read"])
    integration = Client(enforce_csrf_checks=True)  # an integration has no CSRF token
    with django_capture_on_commit_callbacks(execute=True):
        created = post(
            integration, "/api/contacts", {"channel": "phone", "queue": "allmant", "customer_phone": "+4611"},
            Authorization=f"Bearer {key}",
        )
    assert created.status_code == 201, created.content
    contact_id = created.json()["id"]
    assert created.json()["queue"] == "allmant"

    client.force_login(agent)
    offers = client.get("/api/agent/offers").json()
    assert [o["contact_id"] for o in offers] == [contact_id]
    with django_capture_on_commit_callbacks(execute=True):
        accepted = post(client, f"/api/offers/{offers[0]['id']}/accept", {})
    assert accepted.status_code == 200 and accepted.json()["status"] == "active"
    again = post(client, f"/api/offers/{offers[0]['id']}/accept", {})
    assert again.status_code == 409 and again.json()["code"] == "offer_not_open"

    missing_topic = post(client, f"/api/contacts/{contact_id}/complete", {"topic": ""})
    assert missing_topic.status_code == 400
    assert Contact.objects.get(pk=contact_id).status == "active"  # nothing half-written
    with django_capture_on_commit_callbacks(execute=True):
        done = post(client, f"/api/contacts/{contact_id}/complete", {"topic": "Corona"})
    assert done.json()["status"] == "completed"


def test_bad_input_gets_clear_codes() -> None:
    client = Client(enforce_csrf_checks=True)
    org = make_organisation()
    make_queue(org, code="allmant")
    key, _ = do_create_api_token(org, "script", scopes=["contacts.create"])
    auth = {"Authorization": f"Bearer {key}"}
    unknown_queue = post(client, "/api/contacts", {"channel": "phone", "queue": "nope"}, **auth)
    assert unknown_queue.status_code == 404 and unknown_queue.json()["code"] == "not_found"
    bad_channel = post(client, "/api/contacts", {"channel": "pigeon", "queue": "allmant"}, **auth)
    assert bad_channel.status_code == 422 and bad_channel.json()["code"] == "invalid_input"
    not_json = client.post("/api/contacts", "{", content_type="application/json", headers=auth)
    assert not_json.status_code in (400, 422)
    assert Contact.objects.count() == 0
    anonymous = post(Client(), "/api/contacts", {"channel": "phone", "queue": "allmant"})
    assert anonymous.status_code == 401
    wrong_key = post(Client(), "/api/contacts", {"channel": "phone", "queue": "allmant"}, Authorization="Bearer dst_wrong")
    assert wrong_key.status_code == 401


def test_an_agent_key_cannot_act_as_an_agent_and_an_agent_cannot_create_contacts(client: Client) -> None:
    org = make_organisation()
    queue = make_queue(org, code="allmant")
    agent = make_agent(org, [queue])
    key, _ = do_create_api_token(org, "script", scopes=["contacts.create"])
    as_key = post(Client(), "/api/agent/presence", {"presence": "available"}, Authorization=f"Bearer {key}")
    assert as_key.status_code == 403
    client.force_login(agent)
    as_agent = post(client, "/api/contacts", {"channel": "phone", "queue": "allmant"})
    assert as_agent.status_code == 403
    assert not Offer.objects.exists()


def test_openapi_documents_the_routing_api(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    for path in ("/api/contacts", "/api/offers/{offer_id}/accept", "/api/agent/presence", "/api/queues"):
        assert path in paths
    assert client.get("/api/docs").status_code == 200


def test_the_api_docs_page_loads_its_assets_from_this_server(client: Client) -> None:
    """The docs page's scripts come from this server's static files (a CDN is refused
    by the content security policy and absent offline: the page was blank)."""
    import re

    page = client.get("/api/docs")
    html = page.content.decode()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert any(s.endswith("swagger-ui-bundle.js") for s in sources), sources
    assert all(s.startswith("/static/") for s in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source


def test_create_contact_with_an_idempotency_key_creates_it_once(django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    make_queue(org, code="allmant")
    key, _ = do_create_api_token(org, "växel", scopes=["contacts.create", "contacts.read"])
    auth = {"Authorization": f"Bearer {key}"}
    body = {"channel": "phone", "queue": "allmant", "customer_phone": "+4611"}
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        first = post(client, "/api/contacts", body, **auth, **{"Idempotency-Key": "call-123"})
        retry = post(client, "/api/contacts", body, **auth, **{"Idempotency-Key": "call-123"})
    assert first.status_code == 201 and retry.status_code == 201, retry.content
    assert retry.json()["id"] == first.json()["id"]
    assert Contact.objects.count() == 1
    other_body = post(client, "/api/contacts", {**body, "customer_phone": "+4699"}, **auth, **{"Idempotency-Key": "call-123"})
    assert other_body.status_code == 409 and other_body.json()["code"] == "idempotency_key_reused"
    with django_capture_on_commit_callbacks(execute=True):
        new_key = post(client, "/api/contacts", body, **auth, **{"Idempotency-Key": "call-124"})
        no_key = post(client, "/api/contacts", body, **auth)
    assert new_key.json()["id"] != first.json()["id"] and no_key.status_code == 201
    assert Contact.objects.count() == 3
    # another organisation's same key is its own
    org_b = make_organisation()
    make_queue(org_b, code="allmant")
    key_b, _ = do_create_api_token(org_b, "växel", scopes=["contacts.create", "contacts.read"])
    with django_capture_on_commit_callbacks(execute=True):
        theirs = post(client, "/api/contacts", body, Authorization=f"Bearer {key_b}", **{"Idempotency-Key": "call-123"})
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]


def test_an_agent_reads_their_own_presence(client: Client) -> None:
    """The demo's simulated colleagues (and a desktop client) notice when routing set
    them away; before routing has seen the agent, they are offline."""
    org = make_organisation()
    queue = make_queue(org)
    newcomer = make_agent(org, [queue])
    client.force_login(newcomer)
    assert client.get("/api/agent/presence").json()["presence"] == "offline"
    post(client, "/api/agent/presence", {"presence": "break", "reason": "lunch"})
    mine = client.get("/api/agent/presence").json()
    assert (mine["presence"], mine["break_reason"], mine["person_id"]) == ("break", "lunch", newcomer.pk)
