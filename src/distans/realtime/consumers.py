"""The one websocket every logged-in page opens (``/ws/live/``).

It joins the groups its person may see and relays events as JSON. It sends no data
that a view would not show: events say *what* changed; pages re-fetch from views.

The socket is not itself a member of the channel layer: it joins its groups in this
process's feed (``distans.realtime.fanout``), which receives one layer message per
group and writes the already-serialised event to each local socket.
"""

from __future__ import annotations

import json
import uuid

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from distans.accounts.permissions import has_permission
from distans.realtime import actions, fanout
from distans.realtime.groups import (
    org_group,
    person_group,
    session_group,
    supervisors_group,
    team_group,
)


class LiveConsumer(AsyncWebsocketConsumer):
    # An alias with no layer configured: Channels then gives this consumer no channel
    # of its own (get_channel_layer returns None); events come through the feed.
    channel_layer_alias = "distans.live.feed-only"
    groups_joined: list[str]
    feed: fanout.Feed | None = None
    outbox: fanout.Outbox | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.organisation_id:
            await self.close(code=4401)
            return
        self.groups_joined = [org_group(user.organisation_id), person_group(user.pk)]
        if user.team_id:
            self.groups_joined.append(team_group(user.team_id))
        if has_permission(user, "wallboard.view"):
            self.groups_joined.append(supervisors_group(user.organisation_id))
        session = self.scope.get("session")
        session_key = getattr(session, "session_key", None)
        if session_key:  # logging out closes this socket (realtime.actions)
            self.groups_joined.append(session_group(session_key))
        self.channel_name = f"live.{uuid.uuid4().hex}"  # names the LiveConnection row
        # Events go straight to the server's send when asgi.py passes it (the session
        # middleware's wrapper only acts on HTTP responses); else through Channels'.
        outbox = fanout.Outbox(self.scope.get("distans.send") or self.base_send, self._close_with)
        self.feed = fanout.local_feed()
        if self.feed is not None:
            await self.feed.join(outbox, self.groups_joined)
        self.outbox = outbox
        self.person = user
        await self.accept()
        outbox.start()  # events that arrived since join() are written now, in order
        await database_sync_to_async(actions.do_open_connection)(user, self.channel_name)

    async def _close_with(self, code: int) -> None:
        await self.close(code=code)

    async def disconnect(self, code: int) -> None:
        if self.outbox is not None:
            self.outbox.stop()
            if self.feed is not None:
                await self.feed.leave(self.outbox, self.groups_joined)
        if hasattr(self, "person"):
            await database_sync_to_async(actions.do_close_connection)(
                self.person, self.channel_name
            )

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not text_data or len(text_data) > 2000:
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            return
        if isinstance(message, dict) and message.get("kind") == "heartbeat":
            await database_sync_to_async(actions.do_heartbeat_connection)(self.channel_name)
            await self.send(text_data=json.dumps({"kind": "heartbeat_ack"}))
