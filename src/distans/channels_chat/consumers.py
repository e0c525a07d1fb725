"""The visitor's websocket (``/ws/chat/<key>/``): public, Origin-checked per widget,
CSRF-free but bound to a random visitor token.

Protocol (JSON objects with a "kind"), visitor → server: start {token?, name?, lang?},
message {text, id}, typing, leave, transcript {email}, leave_message {name, email,
phone, text}, ping. Server → visitor: hello {availability, greeting, colour, texts}, availability
{availability, texts} (the queue's settings changed; before a chat starts), session {token,
case, history, state}, queue {position, estimated_wait_seconds}, accepted {agent},
message {from, name, text}, ack {id}, typing, ended, left_message {case},
transcript_sent, error {code, id?} (invalid_text: a NUL character or unpaired surrogate, nothing
stored; the socket stays open). Error codes are translated by the widget.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from distans.channels_chat import actions, limits, queries
from distans.channels_chat.models import ChatSession, ChatWidget
from distans.contacts.choices import OPEN_STATUSES, QUEUED_STATUSES, ContactStatus
from distans.contacts.models import Contact, Message
from distans.core.errors import CoreError
from distans.core.text import clean_text, text_problem
from distans.routing.models import Queue


def widget_group(widget_pk: int) -> str:
    """The channel-layer group of a widget's open sockets (settings changes)."""
    return f"widget.{widget_pk}"


POLL_SECONDS = 4.0  # how often a waiting visitor's place in the queue is re-read
TOUCH_SECONDS = 30.0  # how often the session's last_seen_at is refreshed
TYPING_EVERY_SECONDS = 2.0
FRAME_MAX_CHARS = limits.MESSAGE_MAX_CHARS * 3 + 1000
LANGUAGES = ("sv", "nb", "en")


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


DEMO_VISITOR_HEADER = b"x-distans-demo-visitor"


def _is_demo_visitor(scope: dict[str, Any]) -> bool:
    key = settings.DISTANS_DEMO_VISITOR_KEY
    presented = _header(scope, DEMO_VISITOR_HEADER)
    return bool(key) and hmac.compare_digest(presented.encode(), key.encode())


class ChatConsumer(AsyncWebsocketConsumer):
    widget: ChatWidget
    session: ChatSession | None = None
    poller: asyncio.Task[None] | None = None
    joined: str = ""
    widget_group: str = ""
    left: bool = False
    # The newest agent line this socket has shown: live events and the poller's
    # catch-up both go through ``_send_agent_lines``, which never shows a line twice.
    last_out_id: int = 0
    _lines_lock: asyncio.Lock | None = None

    async def connect(self) -> None:
        key = self.scope["url_route"]["kwargs"].get("key", "")
        widget = await database_sync_to_async(queries.get_active_widget)(key)
        origin = _header(self.scope, b"origin")
        scheme = "https" if self.scope.get("scheme") == "wss" else "http"
        own_origin = f"{scheme}://{_header(self.scope, b'host')}"
        if widget is None or not queries.origin_allowed(widget, origin, own_origin):
            await self.close(code=4403)  # before accept: the handshake is refused (HTTP 403)
            return
        self.widget = widget
        client = self.scope.get("client") or ("unknown", 0)
        self.ip = str(client[0])
        if _is_demo_visitor(self.scope):
            # One of the demo's simulated visitors: limits of its own, not the address's.
            self.ip = f"demo-visitor:{id(self)}"
        self.language = "sv"
        self.last_typing = 0.0
        await self.accept()
        availability = await database_sync_to_async(queries.queue_availability)(widget.queue)
        await self.send_json(
            {
                "kind": "hello",
                "availability": availability,
                "greetings": {lang: widget.greeting(lang) for lang in LANGUAGES},
                # The organisation's look and the queue's own texts (settings pages).
                "colour": widget.colour,
                "texts": widget.queue.waiting_texts or {},
            }
        )
        # Settings changes (opening hours, texts) reach a visitor who has not started
        # a chat yet: see live_event's "availability".
        self.widget_group = widget_group(widget.pk)
        await self.channel_layer.group_add(self.widget_group, self.channel_name)

    async def disconnect(self, code: int) -> None:
        if self.poller is not None:
            self.poller.cancel()
        if self.joined:
            await self.channel_layer.group_discard(self.joined, self.channel_name)
        if self.widget_group:
            await self.channel_layer.group_discard(self.widget_group, self.channel_name)

    async def send_json(self, data: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(data))

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if not text_data:
            return
        if len(text_data) > FRAME_MAX_CHARS:
            await self.send_json({"kind": "error", "code": "too_long"})
            return
        try:
            data = json.loads(text_data)
        except (ValueError, RecursionError):  # not JSON, or nested past the stack
            await self.send_json({"kind": "error", "code": "invalid"})
            return
        if not isinstance(data, dict):
            return
        if text_problem(data) is not None:  # NUL, unpaired surrogates, deep nesting
            client_id = data.get("id")
            client_id = clean_text(client_id)[:64] if isinstance(client_id, str) else ""
            await self.send_json({"kind": "error", "code": "invalid_text", "id": client_id})
            return
        handler = (
            getattr(self, f"on_{data.get('kind')}", None)
            if isinstance(data.get("kind"), str)
            else None
        )
        if handler is None:
            return
        try:
            await handler(data)
        except CoreError:
            await self.send_json(
                {"kind": "error", "code": "invalid", "id": str(data.get("id", ""))[:64]}
            )

    # visitor → server ---------------------------------------------------------

    async def on_ping(self, data: dict[str, Any]) -> None:
        await self.send_json({"kind": "pong"})

    async def on_start(self, data: dict[str, Any]) -> None:
        if self.session is not None:
            return
        language = str(data.get("lang", ""))[:2]
        self.language = language if language in LANGUAGES else "sv"
        token = data.get("token")
        session = None
        if isinstance(token, str) and token:
            session = await database_sync_to_async(queries.find_session)(self.widget, token)
        if session is not None and session.contact.status in OPEN_STATUSES:
            await self._attach(session, str(token), resumed=True)
            return
        if not limits.allow("start", self.ip, limits.SESSIONS_PER_IP):
            await self.send_json({"kind": "error", "code": "throttled"})
            return
        availability = await database_sync_to_async(queries.queue_availability)(self.widget.queue)
        if availability != "open":
            await self.send_json({"kind": "error", "code": availability})
            return
        name = data.get("name") if isinstance(data.get("name"), str) else ""
        session, new_token = await database_sync_to_async(actions.do_start_chat)(
            self.widget, name=name or "", language=self.language
        )
        await self._attach(session, new_token, resumed=False)

    async def _attach(self, session: ChatSession, token: str, resumed: bool) -> None:
        self.session = session
        self.joined = actions.contact_group(session.contact_id)
        await self.channel_layer.group_add(self.joined, self.channel_name)
        history, state, agent = await database_sync_to_async(self._history)()
        await self.send_json(
            {
                "kind": "session",
                "token": token,
                "case": session.contact.case_number,
                "resumed": resumed,
                "state": state,
                "history": history,
            }
        )
        if state == "active":
            await self.send_json({"kind": "accepted", "agent": agent})
        self.poller = asyncio.get_running_loop().create_task(self._poll())

    def _history(self) -> tuple[list[dict[str, str]], str, str]:
        assert self.session is not None
        contact = Contact.objects.select_related("agent").get(pk=self.session.contact_id)
        messages = list(
            contact.messages.filter(direction__in=["in", "out"]).order_by("created_at", "id")
        )
        lines = [
            {
                "from": "visitor" if m.direction == "in" else "agent",
                "name": m.sender,
                "text": m.body_text,
            }
            for m in messages
        ]
        self.last_out_id = max((m.pk for m in messages if m.direction == "out"), default=0)
        state = (
            "waiting"
            if contact.status in QUEUED_STATUSES
            else ("active" if contact.status == ContactStatus.ACTIVE else "ended")
        )
        return lines, state, contact.agent.get_short_name() if contact.agent else ""

    async def _poll(self) -> None:
        """While the visitor waits: report the place in the queue when it changes; keep
        the session's last_seen_at fresh (a gone visitor is abandoned by a task)."""
        last: tuple[int, float | None] | None = None
        touched = time.monotonic()
        while self.session is not None:
            status = await database_sync_to_async(self._status_if_waiting)()
            if status is not None and (status.position, status.estimated_wait_seconds) != last:
                last = (status.position, status.estimated_wait_seconds)
                await self.send_json(
                    {
                        "kind": "queue",
                        "position": status.position,
                        "estimated_wait_seconds": status.estimated_wait_seconds,
                    }
                )
            elif status is None:
                # Catch up on agent lines whose live event did not arrive (a channel
                # layer may drop a message; the database is the record).
                await self._send_agent_lines(None)
            if time.monotonic() - touched >= TOUCH_SECONDS:
                touched = time.monotonic()
                await database_sync_to_async(actions.do_touch_session)(self.session)
            await asyncio.sleep(POLL_SECONDS)

    def _status_if_waiting(self) -> queries.QueueStatus | None:
        assert self.session is not None
        contact = (
            Contact.objects.only("pk", "status", "priority", "enqueued_at", "queue_id")
            .filter(pk=self.session.contact_id, status__in=QUEUED_STATUSES)
            .first()
        )
        return None if contact is None else queries.queue_status(contact)

    async def on_message(self, data: dict[str, Any]) -> None:
        client_id = str(data.get("id", ""))[:64]
        text = data.get("text")
        if self.session is None:
            await self.send_json({"kind": "error", "code": "not_started", "id": client_id})
            return
        if not isinstance(text, str) or not text.strip():
            await self.send_json({"kind": "error", "code": "empty", "id": client_id})
            return
        if len(text) > limits.MESSAGE_MAX_CHARS:
            await self.send_json({"kind": "error", "code": "too_long", "id": client_id})
            return
        visitor_ok = limits.allow("msg-visitor", str(self.session.pk), limits.MESSAGES_PER_VISITOR)
        if not visitor_ok or not limits.allow("msg-ip", self.ip, limits.MESSAGES_PER_IP):
            await self.send_json({"kind": "error", "code": "throttled", "id": client_id})
            return
        try:
            await database_sync_to_async(actions.do_post_visitor_message)(
                self.session, text, client_id
            )
        except CoreError:
            await self.send_json({"kind": "error", "code": "ended", "id": client_id})
            return
        await self.send_json({"kind": "ack", "id": client_id})

    async def on_typing(self, data: dict[str, Any]) -> None:
        now = time.monotonic()
        if self.session is None or now - self.last_typing < TYPING_EVERY_SECONDS:
            return
        self.last_typing = now
        await database_sync_to_async(self._publish_typing)()

    def _publish_typing(self) -> None:
        from distans.realtime.groups import person_group
        from distans.realtime.publish import publish

        assert self.session is not None
        contact_id = self.session.contact_id
        publish(actions.contact_group(contact_id), "typing", contact_id=contact_id, who="visitor")
        agent_id = Contact.objects.filter(pk=contact_id).values_list("agent_id", flat=True).first()
        if agent_id:
            publish(person_group(agent_id), "chat_typing", contact_id=contact_id)

    async def on_leave(self, data: dict[str, Any]) -> None:
        if self.session is None or self.left:
            return
        self.left = True
        await database_sync_to_async(actions.do_visitor_leaves)(self.session)
        await self.send_json({"kind": "ended"})
        if self.poller is not None:
            self.poller.cancel()  # the session stays: the transcript can still be asked for

    async def on_transcript(self, data: dict[str, Any]) -> None:
        if self.session is None:
            await self.send_json({"kind": "error", "code": "not_started"})
            return
        try:
            await database_sync_to_async(actions.do_email_transcript)(
                self.session, str(data.get("email", ""))[:254]
            )
        except CoreError as error:
            code = "throttled" if error.code == "throttled" else "transcript"
            await self.send_json({"kind": "error", "code": code})
            return
        await self.send_json({"kind": "transcript_sent"})

    async def on_leave_message(self, data: dict[str, Any]) -> None:
        if not limits.allow("form-ip", self.ip, limits.FORMS_PER_IP):
            await self.send_json({"kind": "error", "code": "throttled"})
            return
        fields = {k: str(data.get(k, "") or "").strip() for k in ("name", "email", "phone", "text")}
        if len(fields["text"]) > limits.MESSAGE_MAX_CHARS:
            await self.send_json({"kind": "error", "code": "too_long"})
            return
        if fields["email"]:
            try:
                validate_email(fields["email"])
            except ValidationError:
                await self.send_json({"kind": "error", "code": "bad_email"})
                return
        if not fields["email"] and not fields["phone"]:
            await self.send_json({"kind": "error", "code": "need_reply_address"})
            return
        contact = await database_sync_to_async(actions.do_submit_form)(
            self.widget,
            name=fields["name"][:200],
            email=fields["email"][:254],
            phone=fields["phone"][:40],
            topic="",
            message=fields["text"],
            language=self.language,
        )
        await self.send_json({"kind": "left_message", "case": contact.case_number})

    # server → visitor (events on contact.<pk>) ----------------------------------

    async def live_event(self, message: dict[str, Any]) -> None:
        event = message.get("event") or {}
        kind = event.get("kind")
        if kind == "availability":  # the queue's settings changed (widget.<pk>)
            if self.session is None:
                await self.send_json(await database_sync_to_async(self._availability)())
            return
        if self.session is None:
            return
        if kind == "accepted":
            agent = await database_sync_to_async(self._agent_first_name)()
            await self.send_json({"kind": "accepted", "agent": agent})
        elif kind == "message" and event.get("direction") == "out":
            await self._send_agent_lines(event.get("message_id"))
        elif kind == "typing" and event.get("who") == "agent":
            await self.send_json({"kind": "typing"})
        elif kind in ("completed", "abandoned"):
            await self.send_json({"kind": "ended"})

    def _availability(self) -> dict[str, Any]:
        widget = queries.get_active_widget(self.widget.key)
        # Switched off or archived since the visitor came: their queue as it is now.
        queue = (
            widget.queue
            if widget is not None
            else Queue.all_objects.filter(pk=self.widget.queue_id).first() or self.widget.queue
        )
        return {
            "kind": "availability",
            "availability": queries.queue_availability(queue),
            "texts": queue.waiting_texts or {},
        }

    def _agent_first_name(self) -> str:
        assert self.session is not None
        contact = Contact.objects.select_related("agent").get(pk=self.session.contact_id)
        return contact.agent.get_short_name() if contact.agent else ""

    async def _send_agent_lines(self, message_id: object) -> None:
        """Show the agent's lines newer than the last one shown, in order: on a live
        event (``message_id``: that line, and any before it that were missed) and from
        the poller (``None``: whatever is new)."""
        if message_id is not None and (
            not isinstance(message_id, int) or message_id <= self.last_out_id
        ):
            return
        if self._lines_lock is None:
            self._lines_lock = asyncio.Lock()
        async with self._lines_lock:
            for line in await database_sync_to_async(self._outbound_lines_after)(self.last_out_id):
                await self.send_json({"kind": "message", "from": "agent", **line})
                self.last_out_id = max(self.last_out_id, int(line["id"]))

    def _outbound_lines_after(self, after: int) -> list[dict[str, str]]:
        assert self.session is not None
        rows = Message.objects.filter(
            contact_id=self.session.contact_id, direction="out", pk__gt=after
        ).order_by("pk")[:50]
        return [{"name": r.sender, "text": r.body_text, "id": str(r.pk)} for r in rows]
