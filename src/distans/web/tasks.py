"""The background worker's heartbeat, read by ``/readyz``."""

from __future__ import annotations

from distans.background import every
from distans.web import health


@every(health.HEARTBEAT_SECONDS)
def worker_heartbeat() -> None:
    health.beat()
