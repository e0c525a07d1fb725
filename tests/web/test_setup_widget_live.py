"""A visitor who has the widget open (no chat started) sees a change of the queue's
opening hours at once: the settings change pushes the new availability and texts."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.routing import URLRouter
from django.utils import timezone
from tests.factories import make_organisation, make_queue
from tests.factories_chat import (
    SITE_ORIGIN,
    make_serving_agent,
    make_widget,
    websocket_communicator,
)

from distans.channels_chat.ws import websocket_urlpatterns
from distans.setup.actions import do_save_queue

pytestmark = pytest.mark.django_db(transaction=True)
APP = URLRouter(websocket_urlpatterns)
WebsocketCommunicator = websocket_communicator()


async def until(communicator: Any, kind: str, timeout: float = 5) -> dict[str, Any]:
    while True:
        data = json.loads(await communicator.receive_from(timeout=timeout))
        if data["kind"] == kind:
            return data


def test_an_open_widget_closes_and_reopens_with_the_queues_hours() -> None:
    org = make_organisation(time_zone="Europe/Stockholm")
    whole_week = {str(d): [["00:00", "24:00"]] for d in range(7)}
    queue = make_queue(org, always_open=False, weekly_hours=whole_week, holiday_country="")
    make_serving_agent(org, queue)
    widget = make_widget(org, queue)
    today = timezone.localtime(timezone.now()).date()
    closed_days = {today.isoformat(): [], (today + timezone.timedelta(days=1)).isoformat(): []}

    async def scenario() -> None:
        communicator = WebsocketCommunicator(APP, f"/ws/chat/{widget.key}/", headers=[(b"origin", SITE_ORIGIN.encode()), (b"host", b"distans.example.org")])
        communicator.scope["client"] = ("198.51.100.9", 50000)
        assert (await communicator.connect())[0]
        assert (await until(communicator, "hello"))["availability"] == "open"
        texts = {"sv": {"closed": "Stängt för inventering."}}
        await sync_to_async(do_save_queue)(org, None, queue, {"special_days": closed_days, "waiting_texts": texts})
        pushed = await until(communicator, "availability")
        assert pushed == {"kind": "availability", "availability": "closed", "texts": texts}
        await sync_to_async(do_save_queue)(org, None, queue, {"special_days": {}})
        assert (await until(communicator, "availability"))["availability"] == "open"
        await communicator.disconnect()

    async_to_sync(scenario)()
