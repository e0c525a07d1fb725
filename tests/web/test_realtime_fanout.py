"""Live fan-out (distans.realtime.fanout): each process's feed receives one layer message
per group and writes it to its own sockets; a socket gets exactly its groups' events."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from tests.conftest import port_open, require_service
from tests.factories import make_organisation, make_person, make_team
from tests.factories_chat import websocket_communicator

from distans.accounts.models import Person
from distans.realtime import fanout
from distans.realtime.consumers import LiveConsumer
from distans.realtime.groups import org_group, person_group, supervisors_group, team_group
from distans.realtime.models import LiveConnection
from distans.realtime.publish import publish

WebsocketCommunicator = websocket_communicator()
APP = LiveConsumer.as_asgi()


def live_socket(person: Person) -> Any:
    communicator = WebsocketCommunicator(APP, "/ws/live/")
    communicator.scope["user"] = person
    return communicator


async def next_event(communicator: Any) -> dict[str, Any]:
    """The next event other than presence (connecting announces presence)."""
    return dict(json.loads(await next_text(communicator)))


async def next_text(communicator: Any) -> str:
    while True:
        text = str(await communicator.receive_from(timeout=5))
        if json.loads(text)["kind"] != "presence":
            return text


async def publish_now(group: str, kind: str, **data: Any) -> None:
    await database_sync_to_async(publish)(group, kind, **data)


@pytest.mark.django_db(transaction=True)
def test_each_socket_receives_exactly_its_own_groups_events() -> None:
    org, other_org = make_organisation(), make_organisation()
    team_a, team_b, team_c = make_team(org), make_team(org), make_team(other_org)
    alice = make_person(org, team=team_a, is_agent=True)
    bob = make_person(org, team=team_b, is_agent=True)
    sue = make_person(org, is_supervisor=True)
    olga = make_person(other_org, team=team_c, is_agent=True)
    people = [alice, bob, sue, olga]

    async def scenario() -> dict[int, list[str]]:
        sockets = {person.pk: live_socket(person) for person in people}
        for communicator in sockets.values():
            connected, _ = await communicator.connect()
            assert connected
        await publish_now(team_group(team_a.pk), "t")
        await publish_now(person_group(bob.pk), "p")
        await publish_now(supervisors_group(org.pk), "s")
        await publish_now(org_group(org.pk), "o")
        await publish_now(org_group(other_org.pk), "o2")
        for person in people:  # a sentinel: everything before it has been delivered
            await publish_now(person_group(person.pk), "end")
        received: dict[int, list[str]] = {}
        for pk, communicator in sockets.items():
            kinds: list[str] = []
            while not kinds or kinds[-1] != "end":
                kinds.append((await next_event(communicator))["kind"])
            received[pk] = kinds
            await communicator.disconnect()
        return received

    received = async_to_sync(scenario)()
    assert received == {
        alice.pk: ["t", "o", "end"],
        bob.pk: ["p", "o", "end"],
        sue.pk: ["s", "o", "end"],
        olga.pk: ["o2", "end"],
    }


@pytest.mark.django_db(transaction=True)
def test_a_process_takes_one_layer_message_per_group_whatever_its_socket_count() -> None:
    org = make_organisation()
    team = make_team(org)
    agents = [make_person(org, team=team, is_agent=True) for _ in range(3)]
    layer = get_channel_layer()
    watcher = async_to_sync(layer.new_channel)()  # another member, like a chat socket
    async_to_sync(layer.group_add)(team_group(team.pk), watcher)

    async def scenario() -> tuple[int, list[str], dict[str, Any], int]:
        sockets = [live_socket(agent) for agent in agents]
        for communicator in sockets:
            assert (await communicator.connect())[0]
        members = len(layer.groups[team_group(team.pk)])
        await publish_now(team_group(team.pk), "queue_changed", queue_id=7)
        texts = [await next_text(communicator) for communicator in sockets]
        raw = await asyncio.wait_for(layer.receive(watcher), timeout=5)
        while raw["event"]["kind"] == "presence":
            raw = await asyncio.wait_for(layer.receive(watcher), timeout=5)
        for communicator in sockets:
            await communicator.disconnect()
        return members, texts, raw, len(layer.groups.get(team_group(team.pk), {}))

    members, texts, raw, members_after = async_to_sync(scenario)()
    assert members == 2  # this process's feed and the watcher, not one per socket
    assert raw["event"]["kind"] == "queue_changed"  # other members still get the message
    assert texts == [raw["text"]] * 3  # every socket gets the text publish() serialised
    assert json.loads(raw["text"])["queue_id"] == 7
    assert members_after == 1  # the feed left with its last socket; the watcher stays
    async_to_sync(layer.group_discard)(team_group(team.pk), watcher)


@pytest.mark.django_db(transaction=True)
def test_connection_is_recorded_and_removed() -> None:
    org = make_organisation()
    agent = make_person(org, team=make_team(org), is_agent=True)

    async def scenario() -> tuple[list[str], int]:
        communicator = live_socket(agent)
        assert (await communicator.connect())[0]
        names = await database_sync_to_async(
            lambda: list(LiveConnection.objects.values_list("channel_name", flat=True))
        )()
        await communicator.send_to(text_data=json.dumps({"kind": "heartbeat"}))
        assert (await next_event(communicator))["kind"] == "heartbeat_ack"
        await communicator.disconnect()
        left = await database_sync_to_async(LiveConnection.objects.count)()
        return names, left

    names, left = async_to_sync(scenario)()
    assert len(names) == 1 and names[0].startswith("live.")
    assert left == 0


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_socket_is_refused_and_joins_nothing() -> None:
    from django.contrib.auth.models import AnonymousUser

    async def scenario() -> tuple[bool, Any]:
        communicator = WebsocketCommunicator(APP, "/ws/live/")
        communicator.scope["user"] = AnonymousUser()
        connected, code = await communicator.connect()
        return connected, code

    connected, code = async_to_sync(scenario)()
    assert not connected and code == 4401


@pytest.mark.django_db(transaction=True)
def test_through_the_whole_asgi_stack_a_logged_in_page_gets_its_events() -> None:
    from django.test import Client

    from distans.config.asgi import router

    org = make_organisation()
    agent = make_person(org, team=make_team(org), is_agent=True)
    client = Client()
    client.force_login(agent)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()

    async def scenario() -> tuple[bool, str]:
        communicator = WebsocketCommunicator(
            router,
            "/ws/live/",
            headers=[
                (b"origin", b"http://127.0.0.1"),
                (b"host", b"127.0.0.1"),
                (b"cookie", cookie),
            ],
        )
        connected, _ = await communicator.connect()
        await publish_now(person_group(agent.pk), "my_shifts")
        kind = (await next_event(communicator))["kind"]
        await communicator.disconnect()
        return connected, kind

    assert async_to_sync(scenario)() == (True, "my_shifts")


# The feed on its own, with fake sockets -------------------------------------------------


def run(scenario: Any) -> Any:
    """Run a coroutine function on a loop of its own, in a thread of its own (the browser
    tests may leave a loop running in this thread)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, scenario()).result()


class FakeSocket:
    def __init__(self, stuck: bool = False) -> None:
        self.texts: list[str] = []
        self.closed: list[int] = []
        self.stuck = stuck
        self.outbox = fanout.Outbox(self.write, self.close)

    async def write(self, frame: dict[str, Any]) -> None:
        if self.stuck:
            await asyncio.Event().wait()  # a client that never reads
        self.texts.append(frame["text"])

    async def close(self, code: int) -> None:
        self.closed.append(code)


def message(group: str, n: int) -> dict[str, Any]:
    event = {"kind": "k", "n": n}
    return {"type": "live.event", "group": group, "event": event, "text": json.dumps(event)}


async def settle(condition: Any) -> None:
    """Let the loop run until ``condition()`` holds (fails after a generous 5 s)."""
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0.01)


def test_a_stuck_socket_neither_holds_up_the_others_nor_grows_without_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fanout, "MAX_BACKLOG", 5)

    async def scenario() -> tuple[FakeSocket, FakeSocket]:
        layer = InMemoryChannelLayer()
        feed = fanout.Feed(layer)
        stuck, fine = FakeSocket(stuck=True), FakeSocket()
        for socket in (stuck, fine):
            await feed.join(socket.outbox, ["team.1"])
            socket.outbox.start()
        for n in range(10):
            await layer.group_send("team.1", message("team.1", n))
        await settle(lambda: len(fine.texts) == 10 and stuck.closed)
        return stuck, fine

    stuck, fine = run(scenario)
    assert [json.loads(text)["n"] for text in fine.texts] == list(range(10))  # in order
    assert stuck.closed == [fanout.CLOSE_BEHIND]  # it reconnects and re-fetches


def test_when_the_feed_fails_its_sockets_are_closed_so_clients_catch_up() -> None:
    class BrokenLayer(InMemoryChannelLayer):
        async def receive(self, channel: str) -> dict[str, Any]:
            raise ConnectionError("redis went away")

    async def scenario() -> tuple[list[int], set[str]]:
        feed = fanout.Feed(BrokenLayer())
        socket = FakeSocket()
        await feed.join(socket.outbox, ["org.1", "person.1"])
        socket.outbox.start()
        await settle(lambda: socket.closed)
        joined = set(feed.joined)
        for task in feed._tasks:
            task.cancel()
        return socket.closed, joined

    closed, joined = run(scenario)
    assert closed == [fanout.CLOSE_FEED_LOST]
    assert joined == set()  # joined again when the clients come back


def test_the_feed_rejoins_groups_the_layer_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fanout, "REFRESH_SECONDS", 0.05)

    async def scenario() -> list[str]:
        layer = InMemoryChannelLayer()
        feed = fanout.Feed(layer)
        socket = FakeSocket()
        await feed.join(socket.outbox, ["team.9"])
        socket.outbox.start()
        layer.groups.clear()  # what group_expiry does after a day
        await settle(lambda: "team.9" in layer.groups)
        await layer.group_send("team.9", message("team.9", 1))
        await settle(lambda: socket.texts)
        for task in feed._tasks:
            task.cancel()
        return socket.texts

    assert [json.loads(text)["n"] for text in run(scenario)] == [1]


# Several server processes behind Redis ---------------------------------------------------


def test_with_redis_each_process_gets_one_message_and_writes_its_own_sockets() -> None:
    require_service("redis", port_open("127.0.0.1", 6379), "Redis not reachable at 127.0.0.1:6379")
    from channels_redis.core import RedisChannelLayer

    prefix = f"distans-test-{uuid.uuid4().hex[:8]}"

    def redis_layer() -> RedisChannelLayer:
        return RedisChannelLayer(hosts=["redis://127.0.0.1:6379/0"], prefix=prefix)

    async def scenario() -> tuple[list[list[int]], list[list[int]], int]:
        # Two server processes (two layers, two feeds) and a `distans worker` publishing.
        layers = [redis_layer(), redis_layer(), redis_layer()]
        feeds = [fanout.Feed(layers[0]), fanout.Feed(layers[1])]
        sockets = [[FakeSocket(), FakeSocket()], [FakeSocket()]]
        for feed, own in zip(feeds, sockets, strict=True):
            for socket in own:
                await feed.join(socket.outbox, ["team.1", f"person.{id(socket)}"])
                socket.outbox.start()
        only_second = sockets[1][0]
        members = await _group_size(layers[2], "team.1")
        for n in range(3):
            await layers[2].group_send("team.1", message("team.1", n))
        await layers[2].group_send(
            f"person.{id(only_second)}", message(f"person.{id(only_second)}", 99)
        )
        everyone = [socket for own in sockets for socket in own]
        await settle(lambda: all(len(s.texts) == 3 for s in sockets[0]))
        await settle(lambda: len(only_second.texts) == 4)
        team = [[json.loads(t)["n"] for t in s.texts] for s in sockets[0]]
        second = [[json.loads(t)["n"] for t in only_second.texts]]
        for feed in feeds:
            for task in feed._tasks:
                task.cancel()
        for layer in layers:
            await layer.flush()
            await layer.close_pools()
        assert all(not s.closed for s in everyone)
        return team, second, members

    team, second, members = run(scenario)
    assert members == 2  # one member per process, not per socket
    assert team == [[0, 1, 2], [0, 1, 2]]
    assert second == [[0, 1, 2, 99]]


async def _group_size(layer: Any, group: str) -> int:
    connection = layer.connection(layer.consistent_hash(group))
    return int(await connection.zcard(layer._group_key(group)))


def test_a_socket_that_waits_mid_write_gets_every_event_in_order() -> None:
    class SlowSocket(FakeSocket):
        def __init__(self) -> None:
            super().__init__()
            self.release = asyncio.Event()

        async def write(self, frame: dict[str, Any]) -> None:
            await self.release.wait()  # the kernel buffer is full until the client reads
            self.texts.append(frame["text"])

    async def scenario() -> tuple[list[int], list[int], list[int]]:
        layer = InMemoryChannelLayer()
        feed = fanout.Feed(layer)
        slow, fine = SlowSocket(), FakeSocket()
        for socket in (slow, fine):
            await feed.join(socket.outbox, ["team.2"])
            socket.outbox.start()
        for n in range(5):
            await layer.group_send("team.2", message("team.2", n))
        await settle(lambda: len(fine.texts) == 5)
        before = [json.loads(text)["n"] for text in slow.texts]
        slow.release.set()
        await settle(lambda: len(slow.texts) == 5)
        await layer.group_send("team.2", message("team.2", 5))  # back to writing at once
        await settle(lambda: len(slow.texts) == 6 and len(fine.texts) == 6)
        for task in feed._tasks:
            task.cancel()
        return before, [json.loads(t)["n"] for t in slow.texts], slow.closed

    before, after, closed = run(scenario)
    assert before == []
    assert after == [0, 1, 2, 3, 4, 5] and closed == []


@pytest.mark.django_db(transaction=True)
def test_logging_out_closes_the_sessions_live_sockets_and_no_other() -> None:
    """A socket opened with a session gets session_ended and is closed when that
    session logs out; the same person's socket of another session stays open."""
    from django.test import Client

    from distans.config.asgi import router

    org = make_organisation()
    agent = make_person(org, team=make_team(org), is_agent=True)
    browser, other_browser = Client(), Client()
    browser.force_login(agent)
    other_browser.force_login(agent)

    def socket(client: Client) -> Any:
        return WebsocketCommunicator(
            router,
            "/ws/live/",
            headers=[
                (b"origin", b"http://127.0.0.1"),
                (b"host", b"127.0.0.1"),
                (b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()),
            ],
        )

    async def scenario() -> tuple[str, dict[str, Any], str]:
        mine, theirs = socket(browser), socket(other_browser)
        assert (await mine.connect())[0] and (await theirs.connect())[0]
        await database_sync_to_async(browser.post)("/account/logout/")
        ended = await next_event(mine)
        closed = await mine.receive_output(timeout=5)
        while closed["type"] == "websocket.send":
            closed = await mine.receive_output(timeout=5)
        await publish_now(person_group(agent.pk), "my_shifts")
        still = (await next_event(theirs))["kind"]
        await theirs.disconnect()
        return ended["kind"], closed, still

    kind, closed, still = async_to_sync(scenario)()
    assert kind == "session_ended"
    assert closed == {"type": "websocket.close", "code": 4401}
    assert still == "my_shifts"
