"""Limits on hostile visitor input: sizes, and fixed-window rate limits in the cache
(the locmem cache in one process, Redis when there are several)."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache

MESSAGE_MAX_CHARS = 2000
NAME_MAX_CHARS = 100
# (events, window seconds)
MESSAGES_PER_VISITOR = (8, 10)
MESSAGES_PER_IP = (40, 10)
SESSIONS_PER_IP = (10, 600)
FORMS_PER_IP = (5, 600)
TRANSCRIPTS_PER_SESSION = 3
# transcripts mailed to one address from any chat (the visitor chooses the address:
# without this a script could mail-bomb anyone through many chats)
TRANSCRIPTS_PER_ADDRESS = (3, 24 * 3600)
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024


def allow(scope: str, who: str, limit: tuple[int, int]) -> bool:
    """Count one event for ``who`` in the current window; False once ``limit`` events
    happened in it (fixed window: at most 2 × limit in any sliding window)."""
    count, window_seconds = limit
    window = int(time.time() // window_seconds)
    digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    key = f"chat-limit:{scope}:{digest}:{window}"
    if cache.add(key, 1, timeout=window_seconds + 1):
        return True
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window_seconds + 1)
        return True
    return used <= count
