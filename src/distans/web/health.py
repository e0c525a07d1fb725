"""Readiness (``/readyz``): the database, Redis (when configured) and the background
worker's heartbeat, which a periodic job (``web/tasks.py``) writes to the cache — the
same cache every process reads (Redis with several processes; in one process the
worker runs inside the server)."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection

HEARTBEAT_KEY = "distans:worker-heartbeat"
HEARTBEAT_SECONDS = 10.0
#: a worker whose last heartbeat is older than this is taken as gone
HEARTBEAT_STALE_SECONDS = 6 * HEARTBEAT_SECONDS


def beat() -> None:
    cache.set(HEARTBEAT_KEY, time.time(), timeout=int(HEARTBEAT_STALE_SECONDS * 2))


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means not ready
        return f"error: {type(error).__name__}"
    return "ok"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not used"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
        client.ping()
        client.close()
    except Exception as error:
        return f"error: {type(error).__name__}"
    return "ok"


def _worker() -> str:
    try:
        last = cache.get(HEARTBEAT_KEY)
    except Exception as error:
        return f"error: {type(error).__name__}"
    if last is None:
        return "no heartbeat"
    age = time.time() - float(last)
    return "ok" if age <= HEARTBEAT_STALE_SECONDS else f"last heartbeat {int(age)} s ago"


def readiness() -> dict[str, str]:
    return {"database": _database(), "redis": _redis(), "worker": _worker()}
