"""Publishing real-time events: always after the surrounding transaction commits.

The fan-out backend is the Channels layer (in-memory in one process, Redis for many).
One ``group_send`` reaches one feed per server process that has sockets in the group
(``distans.realtime.fanout``), which writes the text to its sockets, and any other
member of the group (the chat widget's sockets join ``contact.<id>`` themselves).

Threads: the in-memory layer's queues belong to the server's event loop. An event
published from another thread (the router thread, the task worker, a sync view in a
thread pool) is handed to that loop with ``run_coroutine_threadsafe``, so the loop
wakes at once; calling into its queues from a foreign thread would not wake it until
something else did. The server registers its loop at start-up (``config/asgi.py``);
a process without one (``distans worker`` with Redis) sends with ``async_to_sync``.

Coalescing: a kind that only says "re-fetch" (presence) may be published with
``coalesce_seconds``: the first event goes out at once, further ones in the window
are folded into one trailing event at its end. A hundred people logging in within a
second then cost their team a couple of messages, not a hundred.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import threading
import time
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)
_local_sequence = itertools.count(1)
_server_loop: asyncio.AbstractEventLoop | None = None
_coalesce_lock = threading.Lock()
_quiet_until: dict[tuple[str, str], float] = {}
_trailing: set[tuple[str, str]] = set()


def set_server_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Called by the ASGI lifespan with the server's running loop (None at shutdown)."""
    global _server_loop
    _server_loop = loop


def publish(group: str, kind: str, *, coalesce_seconds: float = 0.0, **data: Any) -> None:
    """Send ``{"kind": kind, **data}`` to every socket in ``group`` after commit."""

    def send() -> None:
        if coalesce_seconds > 0:
            _send_coalesced(group, kind, data, coalesce_seconds)
        else:
            _send_now(group, kind, data)

    transaction.on_commit(send)


def _send_coalesced(group: str, kind: str, data: dict[str, Any], window: float) -> None:
    key = (group, kind)
    now = time.monotonic()
    with _coalesce_lock:
        until = _quiet_until.get(key, 0.0)
        if now >= until:
            _quiet_until[key] = now + window
            leading = True
        elif key in _trailing:
            return  # already folded into the trailing event
        else:
            _trailing.add(key)
            leading = False
    if leading:
        _send_now(group, kind, data)
        return

    def trailing() -> None:
        with _coalesce_lock:
            _trailing.discard(key)
            _quiet_until[key] = time.monotonic() + window
        _send_now(group, kind, data)

    timer = threading.Timer(max(0.0, until - now), trailing)
    timer.daemon = True
    timer.start()


def _send_now(group: str, kind: str, data: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"kind": kind, "seq": next(_local_sequence), "sent_at": time.time(), **data}
    # "text" is the event serialised once; each process's feed writes it to its sockets.
    message = {"type": "live.event", "group": group, "event": event, "text": json.dumps(event)}
    try:
        running = _running_loop()
        loop = _server_loop
        if running is not None:
            running.create_task(layer.group_send(group, message))
        elif loop is not None and loop.is_running():
            asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop).result(10)
        else:
            async_to_sync(layer.group_send)(group, message)
    except Exception:  # a fan-out failure must never undo a committed write
        logger.exception("publishing %s to %s failed", kind, group)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
