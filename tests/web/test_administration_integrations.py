"""Settings → API keys (shown once, stored hashed, scopes, last used, revoke) and
outgoing webhooks (events from the event log, signed, delivery log, retries)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.factories import make_organisation, make_person, make_queue

from distans.accounts.models import ApiToken, AuditEntry
from distans.administration import integrations
from distans.administration.models import Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin() -> tuple[Any, Client, Any]:
    org = make_organisation()
    person = make_person(org, is_org_admin=True, is_agent=False)
    client = Client()
    client.force_login(person)
    return org, client, person


def test_a_key_is_shown_once_stored_hashed_scoped_and_revocable(admin: Any) -> None:
    org, client, person = admin
    make_queue(org, code="allmant")
    created = client.post("/settings/api-keys/", {"name": "Växeln", "scopes": ["live.read"]})
    body = created.content.decode()
    key = re.search(r'value="(dst_[^"]+)"', body).group(1)  # type: ignore[union-attr]
    token = ApiToken.objects.get(organisation=org, name="Växeln")
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest() and key not in token.key_hash
    assert token.scopes == ["live.read"] and token.created_by == person
    assert key not in client.get("/settings/api-keys/").content.decode()  # never shown again
    assert "aldrig" in client.get("/settings/api-keys/").content.decode()  # not used yet

    api = Client(headers={"Authorization": f"Bearer {key}"})
    assert api.get("/api/queues").status_code == 200
    assert api.post("/api/contacts", "{}", content_type="application/json").status_code in (403, 422)
    token.refresh_from_db()
    assert token.last_used_at is not None

    revoked = client.post(f"/settings/api-keys/{token.pk}/revoke/")
    assert revoked.status_code == 302
    assert api.get("/api/queues").status_code == 401
    actions = set(AuditEntry.objects.filter(organisation=org, object_type="accounts.apitoken").values_list("action", flat=True))
    assert actions == {"api_key.created", "api_key.revoked"}


def test_a_key_needs_a_name_and_known_scopes(admin: Any) -> None:
    org, client, person = admin
    response = client.post("/settings/api-keys/", {"name": "", "scopes": ["desk.use"]})
    assert response.status_code == 200 and not ApiToken.objects.filter(organisation=org).exists()


def _event(org: Any, name: str, contact_id: int = 1) -> Any:
    from distans.routing.models import RoutingEvent

    return RoutingEvent.objects.create(organisation=org, name=name, at=timezone.now(), contact_id=contact_id)


def test_webhook_events_are_signed_delivered_and_logged(admin: Any) -> None:
    org, client, person = admin
    _event(org, "completed", contact_id=99)  # before the webhook: not sent
    response = client.post("/settings/webhooks/new/", {
        "name": "Ärendesystemet", "url": "https://crm.example.org/hook", "events": ["completed"], "is_active": "on",
    })  # fmt: skip
    assert response.status_code == 302
    webhook = Webhook.objects.get(organisation=org)
    assert len(webhook.secret) == 64
    _event(org, "completed", contact_id=7)
    _event(org, "accepted", contact_id=7)  # not subscribed
    _event(make_organisation(), "completed", contact_id=8)  # another organisation's

    assert integrations.do_queue_webhook_events() == 1
    sent: list[tuple[str, bytes, dict[str, str]]] = []

    def poster(url: str, body: bytes, headers: dict[str, str]) -> int:
        sent.append((url, body, headers))
        return 204

    assert integrations.do_deliver_due_webhooks(poster) == 1
    url, body, headers = sent[0]
    payload = json.loads(body)
    assert url == "https://crm.example.org/hook" and payload["event"] == "completed" and payload["contact_id"] == 7
    expected = "sha256=" + hmac.new(webhook.secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Distans-Signature"] == expected
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "delivered" and delivery.attempts == 1 and delivery.response_status == 204
    log = client.get(f"/settings/webhooks/{webhook.pk}/").content.decode()
    assert "Ett ärende avslutades" in log and "Levererad" in log and "HTTP 204" in log
    assert integrations.do_deliver_due_webhooks(poster) == 0  # nothing due twice


def test_failed_deliveries_back_off_and_give_up(admin: Any) -> None:
    org, client, person = admin
    webhook = integrations.do_save_webhook(person, None, {
        "name": "Nere", "url": "https://down.example.org/", "events": ["abandoned"], "is_active": True,
    })  # fmt: skip
    _event(org, "abandoned")
    integrations.do_queue_webhook_events()
    now = timezone.now()
    calls = []

    def failing(url: str, body: bytes, headers: dict[str, str]) -> int:
        calls.append(url)
        raise OSError("connection refused")

    gaps = []
    for _attempt in range(integrations.MAX_ATTEMPTS):
        assert integrations.do_deliver_due_webhooks(failing, now=now) == 1
        delivery = WebhookDelivery.objects.get(webhook=webhook)
        assert integrations.do_deliver_due_webhooks(failing, now=now) == 0  # not due yet
        if delivery.status == "pending":
            gaps.append((delivery.next_attempt_at - now).total_seconds())
            now = delivery.next_attempt_at
    delivery = WebhookDelivery.objects.get(webhook=webhook)
    assert delivery.status == "failed" and delivery.attempts == integrations.MAX_ATTEMPTS
    assert "connection refused" in delivery.last_error and len(calls) == integrations.MAX_ATTEMPTS
    assert gaps[:3] == [60, 120, 240] and gaps == sorted(gaps) and max(gaps) <= 6 * 3600


def test_a_server_error_is_retried_and_a_paused_webhook_gives_up(admin: Any) -> None:
    org, client, person = admin
    webhook = integrations.do_save_webhook(person, None, {
        "name": "Fem hundra", "url": "https://err.example.org/", "events": ["abandoned"], "is_active": True,
    })  # fmt: skip
    _event(org, "abandoned")
    integrations.do_queue_webhook_events()
    integrations.do_deliver_due_webhooks(lambda url, body, headers: 500)
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.response_status == 500
    integrations.do_save_webhook(person, webhook, {"name": "Fem hundra", "url": webhook.url, "events": ["abandoned"], "is_active": False})
    integrations.do_deliver_due_webhooks(lambda url, body, headers: 500, now=timezone.now() + dt.timedelta(hours=1))
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def test_webhook_form_wants_https_and_a_new_secret_is_audited(admin: Any) -> None:
    org, client, person = admin
    plain = client.post("/settings/webhooks/new/", {"name": "X", "url": "http://crm.example.org/", "events": ["completed"]})
    assert "Använd en https://-adress." in plain.content.decode()
    for inside in ("https://127.0.0.1/", "https://10.1.2.3/hook", "https://localhost:8443/", "https://[::1]/"):
        refused = client.post("/settings/webhooks/new/", {"name": "X", "url": inside, "events": ["completed"]})
        assert "utanför den här serverns eget nät" in refused.content.decode(), inside
    assert not Webhook.objects.filter(organisation=org).exists()
    webhook = integrations.do_save_webhook(person, None, {"name": "X", "url": "https://a.example/", "events": ["completed"], "is_active": True})
    old = webhook.secret
    client.post(f"/settings/webhooks/{webhook.pk}/", {"new_secret": "1"})
    webhook.refresh_from_db()
    assert webhook.secret != old
    entry = AuditEntry.objects.get(action="webhook.secret_replaced")
    assert old not in json.dumps(entry.changes)  # secrets never enter the audit log


def test_a_dead_receiver_is_left_alone_for_the_rest_of_a_run_and_old_deliveries_are_pruned(admin: Any) -> None:
    org, client, person = admin
    dead = integrations.do_save_webhook(person, None, {"name": "Död", "url": "https://dead.example/", "events": ["abandoned"], "is_active": True})
    alive = integrations.do_save_webhook(person, None, {"name": "Levande", "url": "https://alive.example/", "events": ["abandoned"], "is_active": True})
    for contact_id in (1, 2, 3):
        _event(org, "abandoned", contact_id)
    integrations.do_queue_webhook_events()
    calls: list[str] = []

    def poster(url: str, body: bytes, headers: dict[str, str]) -> int:
        calls.append(url)
        if "dead" in url:
            raise OSError("timed out")
        return 200

    integrations.do_deliver_due_webhooks(poster)
    assert calls.count("https://dead.example/") == 1 and calls.count("https://alive.example/") == 3
    assert WebhookDelivery.objects.filter(webhook=dead, status="pending", attempts=0).count() == 2
    WebhookDelivery.objects.filter(webhook=alive).update(created_at=timezone.now() - dt.timedelta(days=31))
    assert integrations.do_prune_webhook_deliveries() == 3
    assert WebhookDelivery.objects.filter(webhook=dead).count() == 3  # pending ones stay


def test_post_json_reaches_a_real_receiver_with_its_headers() -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    received: list[tuple[bytes, str]] = []

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers["X-Distans-Signature"]))
            self.send_response(202 if len(received) == 1 else 503)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        body = b'{"event":"completed"}'
        headers = {"Content-Type": "application/json", "X-Distans-Signature": integrations.sign("k", body)}
        assert integrations.post_json(url, body, headers) == 202
        assert integrations.post_json(url, body, headers) == 503  # an HTTP error is a status, not an exception
    finally:
        server.shutdown()
        server.server_close()
    assert received[0] == (body, integrations.sign("k", body))
