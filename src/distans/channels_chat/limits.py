"""Limits on hostile visitor input: sizes, and fixed-window rate limits in the cache
(the locmem cache in one process, Redis when there are several)."""

from __future__ import annotations

from distans.web import ratelimit

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
    happened in it (see :func:`distans.web.ratelimit.allow`)."""
    return ratelimit.allow(scope, who, limit, prefix="chat-limit")
