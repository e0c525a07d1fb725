"""Periodic jobs: outgoing webhooks (safe in several workers: rows are claimed with
SKIP LOCKED)."""

from __future__ import annotations

from distans.administration import integrations
from distans.background import every


@every(5)
def deliver_webhooks() -> None:
    integrations.do_queue_webhook_events()
    integrations.do_deliver_due_webhooks()


@every(3600)
def prune_webhook_deliveries() -> None:
    integrations.do_prune_webhook_deliveries()
