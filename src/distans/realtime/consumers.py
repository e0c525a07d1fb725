"""The one websocket every logged-in page opens (``/ws/live/``).

It joins the groups its person may see and relays events as JSON. It sends no data
that a view would not show: events say *what* changed; pages re-fetch from views.
"""

from __future__ import annotations

import json
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from distans.realtime import actions
from distans.realtime.groups import org_group, person_group, supervisors_group, team_group


class LiveConsumer(AsyncWebsocketConsumer):
    groups_joined: list[str]

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.organisation_id:
            await self.close(code=4401)
            return
        self.person = user
        self.groups_joined = [org_group(user.organisation_id), person_group(user.pk)]
        if user.team_id:
            self.groups_joined.append(team_group(user.team_id))
        if user.is_supervisor or user.is_team_leader or user.is_org_admin:
            self.groups_joined.append(supervisors_group(user.organisation_id))
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await database_sync_to_async(actions.do_open_connection)(user, self.channel_name)

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)
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

    async def live_event(self, message: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(message["event"]))
