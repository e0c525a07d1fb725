"""Process-local fan-out: one channel-layer message per process, one write per socket.

Why (docs/benchmarks.md, "Live fan-out to agents"): when every live socket was a member
of the channel layer's groups, one event to 1,000 sockets in one process cost, per
socket, a deep copy into the layer, the in-memory layer's expiry sweep over every
channel and group (run on every ``receive``, so quadratic per event), a task switch in
Channels' dispatch and a hop through the single thread that runs sync code (Channels
closes old database connections before each handler). p99 was 1.2–1.9 s.

How: each server process (each event loop) has one *feed* channel on the layer. When
the first local socket joins group G, the feed joins G in the layer; when the last one
leaves, the feed leaves G. ``publish``'s ``group_send(G, …)`` therefore carries one
message per process that has sockets in G (plus one per other member of G, such as a
chat visitor's socket or a test's channel), and the feed hands the text — serialised
once by ``publish`` — to each local socket of G. With Redis, each ``distans serve``
process writes to its own sockets only.

Sockets: each has an :class:`Outbox` with its own writer task, so a slow or stuck
client never holds up the others. An outbox that falls :data:`MAX_BACKLOG` events
behind closes its socket: the browser reconnects and re-fetches every live fragment
(``live:reconnected``), so nothing is lost. For the same reason, when the feed cannot
receive (Redis went away), every local socket is closed rather than left silently deaf.

Group memberships in a layer expire (``group_expiry``, a day by default; the in-memory
layer also drops a channel whose message waited longer than ``expiry``), so the feed
re-adds its groups every :data:`REFRESH_SECONDS`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections import deque
from collections.abc import Callable, Coroutine, Generator, Iterable
from typing import Any

from channels.layers import BaseChannelLayer, get_channel_layer

logger = logging.getLogger(__name__)
Frame = dict[str, Any]  # an ASGI "websocket.send" message
Send = Callable[[Frame], Coroutine[Any, Any, Any]]

FEED_PREFIX = "live-feed"  # settings give channels named like this a large capacity
MAX_BACKLOG = 1000  # events queued for one socket before it is closed (client catches up)
REFRESH_SECONDS = 60.0
CLOSE_BEHIND = 1013  # "try again later": the client reconnects and re-fetches
CLOSE_FEED_LOST = 1012  # "service restart": idem


class Outbox:
    """The events waiting for one socket, written in order.

    A write that completes without waiting — the usual case: the kernel takes the frame —
    happens right inside the feed's loop over the sockets, with no task switch. One that
    must wait (the client is not reading) goes on in a task of its own and later events
    queue behind it, so a stuck client holds up no one else.
    """

    def __init__(self, send: Send, close: Callable[[int], Coroutine[Any, Any, None]]) -> None:
        """``send`` is the socket's ASGI send; it is given the same ``websocket.send``
        message as every other socket of the group, so it must not change it."""
        self._write = send
        self._close = close
        self._backlog: deque[Frame] = deque()
        self._task: asyncio.Task[None] | None = None
        self._started = False
        self._closing = False

    def start(self) -> None:
        """Start writing (after the socket is accepted); events pushed before wait."""
        self._started = True
        if self._backlog and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._drain(None, None))

    def stop(self) -> None:
        self._closing = True
        if self._task is not None:
            self._task.cancel()

    def push(self, frame: Frame) -> None:
        if self._closing:
            return
        if not self._started or self._task is not None:
            if len(self._backlog) >= MAX_BACKLOG:
                logger.warning("a live socket fell %d events behind; closing it", MAX_BACKLOG)
                self.close_soon(CLOSE_BEHIND)
            else:
                self._backlog.append(frame)
            return
        writing = self._write(frame)
        try:
            waiting_on = writing.send(None)  # run the write until it completes or waits
        except StopIteration:
            return
        except Exception:  # the client went away; its disconnect cleans up
            self._closing = True
            return
        self._task = asyncio.get_running_loop().create_task(self._drain(writing, waiting_on))

    def close_soon(self, code: int) -> None:
        if self._closing:
            return
        self._closing = True
        if self._task is not None:
            self._task.cancel()
        asyncio.get_running_loop().create_task(self._close(code))

    async def _drain(self, writing: Coroutine[Any, Any, Any] | None, waiting_on: Any) -> None:
        try:
            if writing is not None:
                await _Resume(writing, waiting_on)
            while self._backlog:
                await self._write(self._backlog.popleft())
        except Exception:  # the client went away; its disconnect cleans up
            self._closing = True
            return
        self._task = None


class _Resume:
    """Await a coroutine that was started by hand and is suspended on ``waiting_on``
    (what Python 3.12's eager tasks do; Debian's Python is 3.11)."""

    def __init__(self, coroutine: Coroutine[Any, Any, Any], waiting_on: Any) -> None:
        self._coroutine = coroutine
        self._waiting_on = waiting_on

    def __await__(self) -> Generator[Any, Any, None]:
        coroutine, value = self._coroutine, self._waiting_on
        while True:
            try:
                sent = yield value
            except GeneratorExit:
                coroutine.close()
                raise
            except BaseException as error:  # e.g. cancellation: hand it to the coroutine
                try:
                    value = coroutine.throw(error)
                except StopIteration:
                    return
            else:
                try:
                    value = coroutine.send(sent)
                except StopIteration:
                    return


class Feed:
    """This event loop's subscription to the channel layer and its local sockets."""

    def __init__(self, layer: BaseChannelLayer) -> None:
        self.layer = layer
        self.channel = ""
        self.members: dict[str, set[Outbox]] = {}
        self.joined: set[str] = set()
        self._lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []

    async def join(self, outbox: Outbox, groups: Iterable[str]) -> None:
        """Deliver the events of ``groups`` to ``outbox``; returns once the layer
        sends them to this process."""
        groups = list(groups)
        for group in groups:
            self.members.setdefault(group, set()).add(outbox)
        try:
            await self._sync(groups)
        except BaseException:
            self._forget(outbox, groups)
            raise
        self._ensure_running()

    async def leave(self, outbox: Outbox, groups: Iterable[str]) -> None:
        groups = list(groups)
        self._forget(outbox, groups)
        await self._sync(groups)

    def deliver(self, message: dict[str, Any]) -> int:
        """Hand one ``live.event`` from the layer to the local sockets of its group."""
        group = message.get("group")
        if message.get("type") != "live.event" or not isinstance(group, str):
            return 0
        outboxes = self.members.get(group)
        if not outboxes:
            return 0
        text = message.get("text")
        if not isinstance(text, str):  # sent by something other than publish()
            text = json.dumps(message.get("event"))
        frame: Frame = {"type": "websocket.send", "text": text}  # one for all the sockets
        close = message.get("close")
        for outbox in tuple(outboxes):
            outbox.push(frame)
            if isinstance(close, int):  # e.g. the session was logged out
                outbox.close_soon(close)
        return len(outboxes)

    def _forget(self, outbox: Outbox, groups: list[str]) -> None:
        for group in groups:
            members = self.members.get(group)
            if members is not None:
                members.discard(outbox)
                if not members:
                    del self.members[group]

    async def _sync(self, groups: list[str]) -> None:
        async with self._lock:
            if not self.channel:
                self.channel = await self.layer.new_channel(FEED_PREFIX)
            for group in groups:
                wanted = group in self.members
                if wanted and group not in self.joined:
                    await self.layer.group_add(group, self.channel)
                    self.joined.add(group)
                elif not wanted and group in self.joined:
                    self.joined.discard(group)
                    await self.layer.group_discard(group, self.channel)

    def _ensure_running(self) -> None:
        if self._tasks and not any(task.done() for task in self._tasks):
            return
        for task in self._tasks:
            task.cancel()
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._receive()), loop.create_task(self._refresh())]

    async def _receive(self) -> None:
        failures = 0
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except Exception:
                logger.exception("the live feed %s failed; closing local sockets", self.channel)
                self._lost()
                failures += 1
                await asyncio.sleep(min(30.0, 0.5 * 2**failures))
                continue
            failures = 0
            try:
                self.deliver(message)
            except Exception:  # one bad message must not stop the feed
                logger.exception("delivering a live event failed")

    async def _refresh(self) -> None:
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            try:
                async with self._lock:
                    for group in list(self.members):
                        await self.layer.group_add(group, self.channel)
                        self.joined.add(group)
            except Exception:
                logger.exception("refreshing the live feed's groups failed")

    def _lost(self) -> None:
        """Events may have been missed: make every local client reconnect and re-fetch.
        Their groups are joined again as they come back."""
        self.joined.clear()
        for outboxes in list(self.members.values()):
            for outbox in tuple(outboxes):
                outbox.close_soon(CLOSE_FEED_LOST)


_feeds: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Feed] = weakref.WeakKeyDictionary()


def local_feed() -> Feed | None:
    """The running loop's feed (created on first use); None without a channel layer."""
    loop = asyncio.get_running_loop()
    feed = _feeds.get(loop)
    if feed is None:
        layer = get_channel_layer()
        if layer is None:
            return None
        feed = _feeds[loop] = Feed(layer)
    return feed
