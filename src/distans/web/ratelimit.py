"""Fixed-window rate limits in the cache (the locmem cache in one process, Redis when
there are several): the chat's visitor limits, password-reset mails."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def allow(scope: str, who: str, limit: tuple[int, int], prefix: str = "limit") -> bool:
    """Count one event for ``who`` in the current window; False once ``limit`` =
    (events, window seconds) events happened in it (fixed window: at most 2 × limit in
    any sliding window)."""
    count, window_seconds = limit
    window = int(time.time() // window_seconds)
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    key = f"{prefix}:{scope}:{digest}:{window}"
    if cache.add(key, 1, timeout=window_seconds + 1):
        return count >= 1
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds + 1)
        return True
    return used <= count
