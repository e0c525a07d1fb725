"""API keys and outgoing webhooks: writes, and the delivery of webhook events.

Webhook events come from the routing event log (append-only): a periodic job
(``tasks.py``) turns each active webhook's new events into deliveries and POSTs the
due ones. A failed delivery is retried with exponential back-off (1 min, 2, 4 …,
at most 6 h apart) and given up after MAX_ATTEMPTS. Each POST carries
``X-Distans-Signature: sha256=<hex HMAC of the body under the webhook's secret>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from distans.accounts.actions import do_create_api_token
from distans.accounts.audit import record_change, snapshot
from distans.accounts.models import ApiToken, Person
from distans.administration.choices import DeliveryStatus
from distans.administration.models import Webhook, WebhookDelivery

MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 60
LONGEST_RETRY_SECONDS = 6 * 3600
TIMEOUT_SECONDS = 5
RUN_BUDGET_SECONDS = 15.0
KEEP_DELIVERIES_DAYS = 30
BATCH = 200
WEBHOOK_FIELDS = ["name", "url", "events", "is_active"]
KEY_FIELDS = ["name", "scopes", "is_active"]


@transaction.atomic
def do_create_api_key(actor: Person, name: str, scopes: list[str]) -> tuple[str, ApiToken]:
    key, token = do_create_api_token(actor.organisation, name, scopes=scopes, created_by=actor)  # type: ignore[arg-type]
    record_change(actor.organisation, actor, "api_key.created", token, {}, snapshot(token, KEY_FIELDS))  # type: ignore[arg-type]
    return key, token


@transaction.atomic
def do_revoke_api_key(actor: Person, token: ApiToken) -> ApiToken:
    before = snapshot(token, KEY_FIELDS)
    token.is_active = False
    token.revoked_at = timezone.now()
    token.save(update_fields=["is_active", "revoked_at"])
    record_change(actor.organisation, actor, "api_key.revoked", token, before, snapshot(token, KEY_FIELDS))  # type: ignore[arg-type]
    return token


def _latest_event_id(organisation_id: int) -> int:
    from distans.routing.models import RoutingEvent

    last = RoutingEvent.objects.filter(organisation_id=organisation_id).order_by("-id").values_list("id", flat=True).first()
    return last or 0


@transaction.atomic
def do_save_webhook(actor: Person, webhook: Webhook | None, data: dict[str, Any]) -> Webhook:
    """Create or change a webhook. A new one gets a signing secret and starts with
    the events that happen after it was made."""
    before = snapshot(webhook, WEBHOOK_FIELDS)
    if webhook is None:
        webhook = Webhook(
            organisation_id=actor.organisation_id,
            secret=secrets.token_hex(32),
            last_event_id=_latest_event_id(actor.organisation_id),  # type: ignore[arg-type]
        )
    elif data.get("is_active") and not webhook.is_active:
        webhook.last_event_id = _latest_event_id(webhook.organisation_id)  # no backlog from its pause
    for name in WEBHOOK_FIELDS:
        setattr(webhook, name, data[name])
    webhook.save()
    action = "webhook.changed" if before else "webhook.created"
    record_change(actor.organisation, actor, action, webhook, before, snapshot(webhook, WEBHOOK_FIELDS))  # type: ignore[arg-type]
    return webhook


@transaction.atomic
def do_new_webhook_secret(actor: Person, webhook: Webhook) -> Webhook:
    webhook.secret = secrets.token_hex(32)
    webhook.save(update_fields=["secret"])
    record_change(actor.organisation, actor, "webhook.secret_replaced", webhook, {"secret": "…"}, {"secret": "(new)"})  # type: ignore[arg-type]
    return webhook


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def do_queue_webhook_events() -> int:
    """Turn every active webhook's new event-log rows into deliveries."""
    from distans.routing.models import RoutingEvent

    created = 0
    for webhook_id in Webhook.objects.filter(is_active=True).values_list("id", flat=True):
        with transaction.atomic():
            webhook = Webhook.objects.select_for_update(skip_locked=True).filter(pk=webhook_id, is_active=True).first()
            if webhook is None:
                continue
            events = list(
                RoutingEvent.objects.filter(organisation_id=webhook.organisation_id, id__gt=webhook.last_event_id)
                .order_by("id")[:BATCH]
            )
            if not events:
                continue
            wanted = set(webhook.events)
            rows = [
                WebhookDelivery(
                    organisation_id=webhook.organisation_id,
                    webhook=webhook,
                    event=e.name,
                    payload={
                        "id": e.id, "event": e.name, "at": e.at.isoformat(), "contact_id": e.contact_id,
                        "agent_id": e.agent_id, "queue_id": e.queue_id, "data": e.data,
                    },
                )  # fmt: skip
                for e in events
                if e.name in wanted
            ]
            WebhookDelivery.objects.bulk_create(rows)
            webhook.last_event_id = events[-1].id
            webhook.save(update_fields=["last_event_id"])
            created += len(rows)
    return created


Poster = Callable[[str, bytes, dict[str, str]], int]


def post_json(url: str, body: bytes, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (https or DEBUG http only, checked by the form)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def retry_delay_seconds(attempts: int) -> int:
    return int(min(FIRST_RETRY_SECONDS * 2 ** max(attempts - 1, 0), LONGEST_RETRY_SECONDS))


def do_deliver_due_webhooks(
    poster: Poster = post_json, now: dt.datetime | None = None, budget_seconds: float = RUN_BUDGET_SECONDS
) -> int:
    """POST the deliveries that are due; returns how many were tried.

    One run stops after ``budget_seconds`` (the periodic jobs share one thread), and a
    webhook whose receiver failed is left alone for the rest of the run: its other
    deliveries wait for the next run instead of each waiting out a timeout."""
    now = now or timezone.now()
    started = time.monotonic()
    tried = 0
    failing: set[int] = set()
    due = list(
        WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id").values_list("id", "webhook_id")[:BATCH]
    )
    for delivery_id, webhook_id in due:
        if webhook_id in failing:
            continue
        if time.monotonic() - started > budget_seconds:
            break
        with transaction.atomic():
            delivery = (
                WebhookDelivery.objects.select_for_update(skip_locked=True).select_related("webhook")
                .filter(pk=delivery_id, status=DeliveryStatus.PENDING).first()
            )
            if delivery is None:
                continue
            if not _attempt(delivery, poster, now):
                failing.add(webhook_id)
            tried += 1
    return tried


def do_prune_webhook_deliveries(older_than_days: int = KEEP_DELIVERIES_DAYS) -> int:
    """Forget finished deliveries older than ``older_than_days`` (the log is for
    finding recent trouble, not an archive)."""
    cutoff = timezone.now() - dt.timedelta(days=older_than_days)
    deleted, _ = WebhookDelivery.objects.filter(created_at__lt=cutoff).exclude(status=DeliveryStatus.PENDING).delete()
    return deleted


def _attempt(delivery: WebhookDelivery, poster: Poster, now: dt.datetime) -> bool:
    webhook = delivery.webhook
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Distans-Webhook/1",
        "X-Distans-Event": delivery.event,
        "X-Distans-Delivery": str(delivery.pk),
        "X-Distans-Signature": sign(webhook.secret, body),
    }
    delivery.attempts += 1
    delivery.last_attempt_at = now
    try:
        status = poster(webhook.url, body, headers)
        delivery.response_status = status
        delivery.last_error = ""
        ok = 200 <= status < 300
    except (OSError, ValueError) as exc:  # network errors, timeouts, bad addresses
        delivery.response_status = None
        delivery.last_error = str(exc)[:300]
        ok = False
    if ok:
        delivery.status = DeliveryStatus.DELIVERED
    elif delivery.attempts >= MAX_ATTEMPTS or not webhook.is_active:
        delivery.status = DeliveryStatus.FAILED
    else:
        delivery.next_attempt_at = now + dt.timedelta(seconds=retry_delay_seconds(delivery.attempts))
    delivery.save()
    return ok
