"""The visitor's websocket, driven by Channels' WebsocketCommunicator against the real
consumer, database and routing (inline rounds)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from tests.factories import make_organisation, make_queue
from tests.factories_chat import (
    SITE_ORIGIN,
    make_serving_agent,
    make_widget,
    websocket_communicator,
)

from distans.channels_chat import actions, consumers, limits
from distans.channels_chat.ws import websocket_urlpatterns
from distans.contacts.models import Contact, Message
from distans.routing.actions import do_accept_offer
from distans.routing.models import Offer

pytestmark = pytest.mark.django_db(transaction=True)
APP = URLRouter(websocket_urlpatterns)
WebsocketCommunicator = websocket_communicator()


@pytest.fixture(autouse=True)
def _fast_and_clean(monkeypatch: pytest.MonkeyPatch) -> None:
    cache.clear()  # rate-limit counters
    monkeypatch.setattr(consumers, "POLL_SECONDS", 0.05)


def visitor(key: str, origin: str = SITE_ORIGIN, ip: str = "198.51.100.7") -> Any:
    communicator = WebsocketCommunicator(
        APP,
        f"/ws/chat/{key}/",
        headers=[(b"origin", origin.encode()), (b"host", b"distans.example.org")],
    )
    communicator.scope["client"] = (ip, 50000)
    return communicator


async def until(communicator: Any, kind: str, timeout: float = 5) -> dict[str, Any]:
    while True:
        data = json.loads(await communicator.receive_from(timeout=timeout))
        if data["kind"] == kind:
            return data


async def send(communicator: Any, **data: Any) -> None:
    await communicator.send_to(text_data=json.dumps(data))


def open_widget() -> tuple[Any, Any, Any]:
    org = make_organisation()
    queue = make_queue(org)
    agent = make_serving_agent(org, queue)
    return make_widget(org, queue), queue, agent


def test_visitor_with_an_allowed_origin_starts_a_chat_that_is_queued() -> None:
    widget, queue, _agent = open_widget()

    async def scenario() -> None:
        communicator = visitor(widget.key)
        connected, _ = await communicator.connect()
        assert connected
        hello = await until(communicator, "hello")
        assert hello["availability"] == "open"
        assert hello["greetings"]["sv"] == "Hej och välkommen!"
        await send(communicator, kind="start", name="Vera Besökare", lang="sv")
        session = await until(communicator, "session")
        assert len(session["token"]) >= 40
        place = await until(communicator, "queue")
        assert place["position"] == 1
        assert (
            place["estimated_wait_seconds"] == 300 / 3 // 30 * 30 + 30
        )  # 1 × 300 s / 3 chat slots, rounded up to 30 s
        await communicator.disconnect()

    async_to_sync(scenario)()
    contact = Contact.objects.get(queue=queue)
    assert (contact.channel, contact.customer_name, contact.status) == (
        "chat",
        "Vera Besökare",
        "offered",
    )
    assert contact.chat_session.token_hash != ""  # only the hash is stored


def test_a_socket_from_another_origin_is_refused() -> None:
    widget, _queue, _agent = open_widget()

    async def scenario() -> None:
        for origin in ("https://evil.example.com", "https://www.example.se:8443", "null", ""):
            connected, _ = await visitor(widget.key, origin=origin).connect()
            assert not connected, origin
        connected, _ = await visitor("no-such-key").connect()
        assert not connected

    async_to_sync(scenario)()
    assert not Contact.objects.exists()


def test_a_message_over_the_size_limit_is_refused_with_a_clear_code() -> None:
    widget, _queue, _agent = open_widget()

    async def scenario() -> None:
        communicator = visitor(widget.key)
        await communicator.connect()
        await send(communicator, kind="start")
        await until(communicator, "session")
        await send(communicator, kind="message", id="m1", text="x" * (limits.MESSAGE_MAX_CHARS + 1))
        error = await until(communicator, "error")
        assert error == {"kind": "error", "code": "too_long", "id": "m1"}
        await send(communicator, kind="message", id="m2", text="<img src=x onerror=alert(1)>")
        assert (await until(communicator, "ack"))["id"] == "m2"
        await communicator.disconnect()

    async_to_sync(scenario)()
    assert list(Message.objects.values_list("body_text", flat=True)) == [
        "<img src=x onerror=alert(1)>"
    ]


def test_a_flood_is_throttled_and_every_accepted_message_is_kept() -> None:
    widget, _queue, _agent = open_widget()
    acked: list[str] = []
    throttled: list[str] = []

    async def scenario() -> None:
        communicator = visitor(widget.key)
        await communicator.connect()
        await send(communicator, kind="start")
        await until(communicator, "session")
        for n in range(30):
            await send(communicator, kind="message", id=f"m{n}", text=f"rad {n}")
        while len(acked) + len(throttled) < 30:
            data = json.loads(await communicator.receive_from(timeout=5))
            if data["kind"] == "ack":
                acked.append(data["id"])
            elif data["kind"] == "error":
                assert data["code"] == "throttled"
                throttled.append(data["id"])
        await communicator.disconnect()

    async_to_sync(scenario)()
    per_window = limits.MESSAGES_PER_VISITOR[0]
    assert per_window <= len(acked) <= 2 * per_window  # fixed window: at most two windows' worth
    assert len(throttled) == 30 - len(acked)
    stored = list(Message.objects.order_by("id").values_list("external_id", flat=True))
    assert stored == acked


def test_the_agents_reply_and_name_reach_the_visitor() -> None:
    widget, _queue, agent = open_widget()

    async def scenario() -> None:
        communicator = visitor(widget.key)
        await communicator.connect()
        await send(communicator, kind="start", lang="sv")
        await until(communicator, "session")
        await send(communicator, kind="message", id="m1", text="Hur bokar jag vaccin?")
        await until(communicator, "ack")
        offer = await _first_offer()
        await _accept(agent, offer.pk)
        accepted = await until(communicator, "accepted")
        assert accepted["agent"] == "Anna"
        await _agent_types_and_replies(agent)
        await until(communicator, "typing")
        line = await until(communicator, "message")
        assert (line["from"], line["name"], line["text"]) == (
            "agent",
            "Anna",
            "Du bokar på 1177.se.",
        )
        await communicator.disconnect()

    async_to_sync(scenario)()
    directions = list(Message.objects.order_by("id").values_list("direction", "author_id"))
    assert directions == [("in", None), ("out", agent.pk)]


def test_an_agent_line_whose_live_event_is_lost_still_reaches_the_visitor_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A channel layer may drop a message (seen with two server processes on Redis):
    the visitor's socket catches up from the database, and never shows a line twice."""
    from distans.channels_chat import actions as chat_actions

    widget, _queue, agent = open_widget()
    real_publish = chat_actions.publish
    dropped: list[str] = []

    def lossy_publish(group: str, kind: str, **data: Any) -> None:
        if kind == "message" and data.get("direction") == "out" and not dropped:
            dropped.append(group)  # the first agent line's event never arrives
            return
        real_publish(group, kind, **data)  # type: ignore[arg-type]

    monkeypatch.setattr(chat_actions, "publish", lossy_publish)

    async def scenario() -> list[str]:
        communicator = visitor(widget.key)
        await communicator.connect()
        await send(communicator, kind="start", lang="sv")
        await until(communicator, "session")
        await send(communicator, kind="message", id="m1", text="Hur bokar jag vaccin?")
        await until(communicator, "ack")
        await _accept(agent, (await _first_offer()).pk)
        await until(communicator, "accepted")
        await _agent_types_and_replies(agent)  # its event is dropped
        first = await until(communicator, "message")
        from channels.db import database_sync_to_async

        await database_sync_to_async(
            lambda: actions.do_send_chat_message(Contact.objects.get(), agent, "Något mer?")
        )()
        second = await until(communicator, "message")
        # nothing more: neither line comes a second time
        extra = []
        await asyncio.sleep(0.5)  # several poller rounds (0.05 s in these tests)
        while not await communicator.receive_nothing(timeout=0.2):
            data = json.loads(await communicator.receive_from())
            if data["kind"] == "message":
                extra.append(data["text"])
        await communicator.disconnect()
        return [first["text"], second["text"], *extra]

    texts = async_to_sync(scenario)()
    assert dropped, "the test did not drop the event"
    assert texts == ["Du bokar på 1177.se.", "Något mer?"]


def test_place_in_queue_counts_those_ahead() -> None:
    org = make_organisation()
    queue = make_queue(org)
    make_serving_agent(org, queue, capacity={"chat": 1})
    widget = make_widget(org, queue)

    async def scenario() -> None:
        first, second = (
            visitor(widget.key, ip="198.51.100.1"),
            visitor(widget.key, ip="198.51.100.2"),
        )
        for communicator in (first, second):
            await communicator.connect()
            await send(communicator, kind="start")
            await until(communicator, "session")
        assert (await until(first, "queue"))["position"] == 1
        place = await until(second, "queue")
        assert place["position"] == 2
        assert place["estimated_wait_seconds"] == 600  # 2 × 300 s / 1 slot
        await send(first, kind="leave")  # the one ahead gives up …
        assert (await until(first, "ended"))["kind"] == "ended"
        assert (await until(second, "queue"))["position"] == 1  # … and the place is updated live
        await first.disconnect()
        await second.disconnect()

    async_to_sync(scenario)()
    assert sorted(Contact.objects.values_list("status", flat=True)) == ["abandoned", "offered"]


def test_closed_queue_offers_to_leave_a_message_that_becomes_a_form_contact() -> None:
    org = make_organisation()
    queue = make_queue(org, always_open=False, weekly_hours={}, holiday_country="")
    widget = make_widget(org, queue)

    async def scenario() -> None:
        communicator = visitor(widget.key)
        await communicator.connect()
        assert (await until(communicator, "hello"))["availability"] == "closed"
        await send(communicator, kind="start")
        assert (await until(communicator, "error"))["code"] == "closed"
        await send(
            communicator, kind="leave_message", name="Kim", email="kim@example.se", text="Ring mig"
        )
        left = await until(communicator, "left_message")
        assert left["case"]
        await communicator.disconnect()

    async_to_sync(scenario)()
    contact = Contact.objects.get()
    assert (contact.channel, contact.customer_email, contact.body) == (
        "form",
        "kim@example.se",
        "Ring mig",
    )
    assert len(mail.outbox) == 1 and str(contact.pk) in mail.outbox[0].subject


def test_nobody_logged_in_is_reported() -> None:
    org = make_organisation()
    widget = make_widget(org, make_queue(org))

    async def scenario() -> None:
        communicator = visitor(widget.key)
        await communicator.connect()
        assert (await until(communicator, "hello"))["availability"] == "nobody"
        await communicator.disconnect()

    async_to_sync(scenario)()


def test_transcript_by_email_and_resuming_with_the_token() -> None:
    widget, _queue, _agent = open_widget()

    async def scenario() -> None:
        communicator = visitor(widget.key)
        await communicator.connect()
        await send(communicator, kind="start", lang="en")
        token = (await until(communicator, "session"))["token"]
        await send(communicator, kind="message", id="m1", text="Första frågan")
        await until(communicator, "ack")
        await communicator.disconnect()
        again = visitor(widget.key)
        await again.connect()
        await send(again, kind="start", token=token)
        session = await until(again, "session")
        assert session["resumed"] is True
        assert [line["text"] for line in session["history"]] == ["Första frågan"]
        await send(again, kind="transcript", email="not an address")
        assert (await until(again, "error"))["code"] == "transcript"
        await send(again, kind="transcript", email="vera@example.se")
        await until(again, "transcript_sent")
        await again.disconnect()

    async_to_sync(scenario)()
    assert Contact.objects.count() == 1
    assert mail.outbox[-1].to == ["vera@example.se"]
    assert "Första frågan" in mail.outbox[-1].body


def test_a_gone_visitor_is_abandoned_by_the_sweep() -> None:
    from datetime import timedelta

    from django.utils import timezone

    widget, _queue, _agent = open_widget()
    session, _token = actions.do_start_chat(widget)
    assert actions.do_abandon_gone_visitors() == 0
    type(session).objects.filter(pk=session.pk).update(
        last_seen_at=timezone.now() - timedelta(minutes=5)
    )
    assert actions.do_abandon_gone_visitors() == 1
    assert Contact.objects.get().status == "abandoned"
    assert not Offer.objects.filter(status="open").exists()


async def _first_offer() -> Offer:
    from channels.db import database_sync_to_async

    return await database_sync_to_async(lambda: Offer.objects.get(status="open"))()


async def _accept(agent: Any, offer_id: int) -> None:
    from channels.db import database_sync_to_async

    await database_sync_to_async(do_accept_offer)(agent, offer_id)


async def _agent_types_and_replies(agent: Any) -> None:
    from channels.db import database_sync_to_async

    def work() -> None:
        contact = Contact.objects.get()
        actions.send_agent_typing(contact, agent)
        actions.do_send_chat_message(contact, agent, "Du bokar på 1177.se.")

    await database_sync_to_async(work)()


def test_through_the_whole_asgi_stack_an_allowed_foreign_origin_connects() -> None:
    from distans.config.asgi import router

    widget, _queue, _agent = open_widget()

    async def scenario() -> None:
        refused = WebsocketCommunicator(
            router,
            f"/ws/chat/{widget.key}/",
            headers=[(b"origin", b"https://evil.example.com"), (b"host", b"127.0.0.1")],
        )
        assert not (await refused.connect())[0]
        allowed = WebsocketCommunicator(
            router,
            f"/ws/chat/{widget.key}/",
            headers=[(b"origin", SITE_ORIGIN.encode()), (b"host", b"127.0.0.1")],
        )
        connected, _ = await allowed.connect()
        assert connected
        await allowed.disconnect()

    async_to_sync(scenario)()


def test_the_agent_hears_visitor_lines_typing_and_leaving_on_their_person_group() -> None:
    from channels.db import database_sync_to_async
    from channels.layers import get_channel_layer

    from distans.realtime.groups import person_group

    widget, _queue, agent = open_widget()
    layer = get_channel_layer()

    async def scenario() -> None:
        desk = await layer.new_channel()
        await layer.group_add(person_group(agent.pk), desk)
        communicator = visitor(widget.key)
        await communicator.connect()
        await send(communicator, kind="start")
        await until(communicator, "session")
        offer = await _first_offer()
        await _accept(agent, offer.pk)
        await until(communicator, "accepted")
        await send(communicator, kind="typing")
        await send(communicator, kind="message", id="m1", text="Är ni där?")
        await until(communicator, "ack")
        await send(communicator, kind="leave")
        await until(communicator, "ended")
        kinds = []
        # "message" is what the desk listens for (live:message re-fetches the thread).
        while "message" not in kinds or "chat_typing" not in kinds:
            kinds.append((await asyncio.wait_for(layer.receive(desk), 5))["event"]["kind"])
        await communicator.disconnect()
        contact = await database_sync_to_async(Contact.objects.get)()
        assert contact.status == "active"  # answered: the agent finishes it, not the visitor
        system = await database_sync_to_async(
            lambda: list(Message.objects.filter(direction="system"))
        )()
        assert len(system) == 1

    async_to_sync(scenario)()


def test_the_demos_simulated_visitors_do_not_use_up_a_real_visitors_start_limit(
    settings,  # type: ignore[no-untyped-def]
) -> None:
    """The demo's simulated visitors come from 127.0.0.1, as a person trying the widget
    on the same machine does: with the demo's key they have limits of their own, so the
    person's second (or first) chat is not refused as "too fast". Without the key (or
    with a wrong one) a connection counts against its address as before."""
    settings.DISTANS_DEMO_VISITOR_KEY = "demo-key-123"
    widget, _queue, _agent = open_widget()
    starts, _window = limits.SESSIONS_PER_IP

    def simulated(key: str) -> Any:
        communicator = visitor(widget.key, ip="127.0.0.1")
        communicator.scope["headers"].append((b"x-distans-demo-visitor", key.encode()))
        return communicator

    async def start(communicator: Any) -> str:
        await communicator.connect()
        await until(communicator, "hello")
        await send(communicator, kind="start", name="Sim")
        while True:
            data = json.loads(await communicator.receive_from(timeout=5))
            if data["kind"] in ("session", "error"):
                await communicator.disconnect()
                return str(data.get("code") or data["kind"])

    async def scenario() -> None:
        for _ in range(starts + 2):
            assert await start(simulated("demo-key-123")) == "session"
        assert await start(visitor(widget.key, ip="127.0.0.1")) == "session"  # the person
        for _ in range(starts):
            await start(simulated("wrong-key"))
        assert await start(simulated("wrong-key")) == "throttled"

    async_to_sync(scenario)()


def test_place_in_queue_counts_only_chats_competing_for_the_same_agents() -> None:
    """E-mails waiting in the same queue do not stand before a chat visitor (agents take
    them on their e-mail capacity), nor does a chat waiting for one named colleague."""
    from distans.channels_chat import queries
    from distans.routing import actions as routing

    org = make_organisation()
    queue = make_queue(org)
    make_serving_agent(org, queue, capacity={"chat": 1})
    colleague = make_serving_agent(org, make_queue(org), capacity={"chat": 1})
    widget = make_widget(org, queue)
    Contact.objects.create(
        organisation=org, queue=queue, channel="chat", status="waiting", enqueued_at=timezone.now()
    )  # a chat ahead: counts
    for _ in range(5):
        routing.do_create_contact(queue, "email", customer_email="a@example.org")
    Contact.objects.create(
        organisation=org, queue=queue, channel="chat", status="waiting",
        enqueued_at=timezone.now(), target_agent=colleague,
    )  # fmt: skip
    session, _token = actions.do_start_chat(widget, name="Vera", language="sv")
    contact = Contact.objects.get(pk=session.contact_id)
    assert queries.place_in_queue(contact) == 2
