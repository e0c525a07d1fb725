"""Publishing real-time events: always after the surrounding transaction commits.

The fan-out backend is the Channels layer (in-memory in one process, Redis for many).
One ``group_send`` reaches one feed per server process that has sockets in the group
(``distans.realtime.fanout``), which writes the text to its sockets, and any other
member of the group (the chat widget's sockets join ``contact.<id>`` themselves).

Threads: the in-memory layer's queues belong to the server's event loop. An event
published from another thread (the router thread, the task worker, a sync view in a
thread pool) is put in that loop's outbox (``_Outbox``): the publishing thread does
not wait, and the loop sends the outbox's events one after another, in order. The
server registers its loop at start-up (``config/asgi.py``). A process without one
(``distans worker`` with Redis, scripts, the benchmarks) sends on one long-lived
publisher loop in a daemon thread, through an outbox too; only with the in-memory
layer and no server (tests, scripts) does the thread wait for each send, as the
queues' readers live on another loop and would not be woken otherwise.
(``async_to_sync`` built a new event loop and thread pool for every event: ~2 ms each
on a slow core, paid by routing rounds and arrivals once or twice per commit.)

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
import os
import threading
import time
from collections import deque
from typing import Any, Literal

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

#: Every kind of live event (``{"kind": …}`` on the socket; the pages' scripts switch on
#: it). A new kind is added here, so a misspelt one fails ``make typecheck``.
LiveKind = Literal[
    "absence",  # supervisors, team: someone reported an absence or came back
    "accepted",  # contact.<id>: an agent took the contact (the visitor's widget)
    "agent_state",  # person.<id>: the agent's own presence/offers changed, re-fetch
    "agents",  # supervisors: the agents table changed, re-fetch
    "articles",  # org: knowledge-base articles changed
    "availability",  # widget: opening hours or staffing changed
    "break_due",  # person: planning says a break is due
    "chat_typing",  # person: the visitor is typing
    "completed",  # contact.<id>: the contact was completed
    "consultation",  # person: a consultation started/changed
    "continuity",  # org: a continuity plan was put in force or ended (the staff banner)
    "fallback",  # contact.<id>: the waiting contact was given a fallback
    "gateway",  # supervisors: the phone gateway went down or came up (the wallboard)
    "message",  # person: a new message on a contact
    "offer",  # person: a new offer
    "offer_closed",  # person: an offer ended (accepted elsewhere, timed out, cancelled)
    "presence",  # team: a colleague's presence changed
    "queue_settings",  # org: a queue's settings changed
    "queues",  # supervisors: the queue table changed, re-fetch
    "schedule",  # supervisors: a schedule changed
    "session_ended",  # session: logged out elsewhere
    "swap",  # person, supervisors: a shift swap was asked, answered or decided
    "surge",  # supervisors: a topic surge started or ended
    "typing",  # contact.<id>: someone is typing
    "visitor_left",  # contact.<id>: the visitor closed the chat
    "visits",  # org: a site's visits changed (booked, checked in, day closed), re-fetch
]
_local_sequence = itertools.count(1)

#: "Queues changed" events (every arrival, offer and answer sends one) make each
#: supervisor's wallboard re-fetch its queue table: at most one such event per second,
#: the last one always delivered at the window's end.
QUEUES_COALESCE_SECONDS = 1.0
_server_loop: asyncio.AbstractEventLoop | None = None
_coalesce_lock = threading.Lock()
_quiet_until: dict[tuple[str, str], float] = {}
_trailing: set[tuple[str, str]] = set()


def set_server_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Called by the ASGI lifespan with the server's running loop (None at shutdown)."""
    global _server_loop
    _server_loop = loop


def publish(
    group: str,
    kind: LiveKind,
    *,
    coalesce_seconds: float = 0.0,
    close_code: int | None = None,
    **data: Any,
) -> None:
    """Send ``{"kind": kind, **data}`` to every socket in ``group`` after commit; with
    ``close_code``, each socket is then closed with that code (a logout)."""

    def send() -> None:
        if coalesce_seconds > 0:
            _send_coalesced(group, kind, data, coalesce_seconds)
        else:
            _send_now(group, kind, data, close_code)

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


def _send_now(group: str, kind: str, data: dict[str, Any], close_code: int | None = None) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    event = {"kind": kind, "seq": next(_local_sequence), "sent_at": time.time(), **data}
    # "text" is the event serialised once; each process's feed writes it to its sockets.
    message: dict[str, Any] = {
        "type": "live.event", "group": group, "event": event, "text": json.dumps(event)
    }  # fmt: skip
    if close_code is not None:
        message["close"] = close_code
    try:
        running = _running_loop()
        loop = _server_loop
        if running is not None:
            running.create_task(layer.group_send(group, message))
        elif loop is not None and loop.is_running():
            _outbox(loop).put(layer, group, message)  # the server's loop: no waiting
        elif isinstance(layer, InMemoryChannelLayer):
            # Its queues belong to whichever loop reads them (a test's): only a send
            # finished before this thread goes on is seen there without a wake-up.
            asyncio.run_coroutine_threadsafe(
                layer.group_send(group, message), _publisher_loop()
            ).result(10)
        else:
            _outbox(_publisher_loop()).put(layer, group, message)
    except Exception:  # a fan-out failure must never undo a committed write
        logger.exception("publishing %s to %s failed", kind, group)


class _Outbox:
    """Events handed from other threads to one loop, sent there one after another in
    the order they were published. The publishing thread does not wait: a routing
    round or an arrival goes on while the loop sends (waiting for each send cost the
    router a thread switch or two per event)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.items: deque[tuple[Any, str, dict[str, Any]]] = deque()
        self.lock = threading.Lock()
        self.draining = False

    def put(self, layer: Any, group: str, message: dict[str, Any]) -> None:
        with self.lock:
            self.items.append((layer, group, message))
            if self.draining:
                return
            self.draining = True
        self.loop.call_soon_threadsafe(self._start)

    def _start(self) -> None:
        self.loop.create_task(self._drain())

    async def _drain(self) -> None:
        while True:
            with self.lock:
                if not self.items:
                    self.draining = False
                    return
                layer, group, message = self.items.popleft()
            try:
                await layer.group_send(group, message)
            except Exception:  # logged; the next events still go out
                logger.exception("publishing to %s failed", group)


_outboxes: dict[int, _Outbox] = {}
_outboxes_lock = threading.Lock()


def _outbox(loop: asyncio.AbstractEventLoop) -> _Outbox:
    with _outboxes_lock:
        box = _outboxes.get(id(loop))
        if box is None or box.loop is not loop:
            box = _outboxes[id(loop)] = _Outbox(loop)
        return box


_publisher: tuple[int, asyncio.AbstractEventLoop] | None = None  # (pid, loop)
_publisher_lock = threading.Lock()


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """The process's own publishing loop (started on first use, in a daemon thread;
    a forked child starts its own, as the parent's thread did not come along)."""
    global _publisher
    with _publisher_lock:
        if _publisher is None or _publisher[0] != os.getpid() or _publisher[1].is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="distans-publisher", daemon=True).start()
            _publisher = (os.getpid(), loop)
        return _publisher[1]


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
