"""Reads for chat: widgets by key, origin checks, queue status, place in the queue and
the estimated wait (see docs/dev/chat.md for the estimator)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.core.cache import cache
from django.db.models import Avg, F, Q
from django.utils import timezone

from distans.channels_chat.models import ChatSession, ChatWidget
from distans.contacts.choices import QUEUED_STATUSES, ContactStatus
from distans.contacts.models import Contact
from distans.routing.choices import Presence
from distans.routing.convert import calendar_of
from distans.routing.models import AgentState, Queue

DEFAULT_HANDLE_SECONDS = 300.0  # used until the queue has enough recent chats
RECENT_WINDOW = timedelta(hours=3)
MIN_RECENT_CHATS = 5
QUEUE_FIGURES_SECONDS = 5


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def get_active_widget(key: str) -> ChatWidget | None:
    if not key or len(key) > 64:
        return None
    return (
        ChatWidget.objects.select_related("queue", "organisation", "queue__organisation")
        .filter(key=key, active=True)
        .first()
    )


def normalise_origin(origin: str) -> str:
    """``scheme://host[:port]`` in lower case, default ports dropped; "" if not an origin."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    default = {"http": 80, "https": 443}[parts.scheme]
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def origin_allowed(widget: ChatWidget, origin: str, own_origin: str = "") -> bool:
    """Is a page at ``origin`` allowed to use the widget? Its own allowed origins, and
    Distans' own origin (the demo and preview pages)."""
    wanted = normalise_origin(origin)
    if not wanted:
        return False
    if own_origin and wanted == normalise_origin(own_origin):
        return True
    return wanted in {normalise_origin(o) for o in widget.allowed_origins or []}


def find_session(widget: ChatWidget, token: str) -> ChatSession | None:
    if not token or len(token) > 100:
        return None
    return (
        ChatSession.objects.select_related("contact", "contact__agent")
        .filter(widget=widget, token_hash=hash_token(token))
        .first()
    )


def serving_agents(queue: Queue) -> int:
    """Agents of the queue who are logged in and not on a break (available, busy,
    or in wrap-up)."""
    return (
        AgentState.objects.filter(queues=queue)
        .filter(presence__in=[Presence.AVAILABLE, Presence.BUSY, Presence.WRAP_UP])
        .count()
    )


def queue_availability(queue: Queue) -> str:
    """ "open", "closed" (outside opening hours, or archived: a continuity plan's
    queue after the plan ended) or "nobody" (open, no agent logged in)."""
    if queue.archived_at is not None:
        return "closed"
    calendar = calendar_of(queue, queue.organisation.time_zone)
    if calendar is not None and not calendar.is_open(timezone.now()):
        return "closed"
    if serving_agents(queue) == 0:
        return "nobody"
    return "open"


def place_in_queue(contact: Contact) -> int:
    """1 + the contacts ahead of this one that compete for the same agents: waiting in
    the same queue on the same channel (agents take each channel on its own capacity:
    e-mails waiting do not hold up a chat), not held for one named colleague, and with
    higher priority or equal priority and queued earlier."""
    competing = Contact.objects.filter(
        queue_id=contact.queue_id, channel=contact.channel, status__in=QUEUED_STATUSES
    )
    if contact.target_agent_id is None:
        competing = competing.filter(target_agent__isnull=True)
    else:
        competing = competing.filter(target_agent_id=contact.target_agent_id)
    ahead = (
        competing.filter(
            Q(priority__gt=contact.priority)
            | Q(priority=contact.priority, enqueued_at__lt=contact.enqueued_at)
            | Q(priority=contact.priority, enqueued_at=contact.enqueued_at, pk__lt=contact.pk)
        )
        .exclude(pk=contact.pk)
        .count()
    )
    return ahead + 1


def recent_handle_seconds(queue: Queue) -> float:
    """Mean handle time (accepted → ended) of the queue's chats completed in the last
    three hours; DEFAULT_HANDLE_SECONDS while fewer than MIN_RECENT_CHATS exist."""
    since = timezone.now() - RECENT_WINDOW
    rows = Contact.objects.filter(
        queue=queue,
        channel="chat",
        status=ContactStatus.COMPLETED,
        ended_at__gte=since,
        accepted_at__isnull=False,
    )
    if rows.count() < MIN_RECENT_CHATS:
        return DEFAULT_HANDLE_SECONDS
    mean = rows.aggregate(mean=Avg(F("ended_at") - F("accepted_at")))["mean"]
    return mean.total_seconds() if mean else DEFAULT_HANDLE_SECONDS


def chat_slots(queue: Queue) -> int:
    """Chats the serving agents can hold at once (sum of their chat capacity)."""
    states = AgentState.objects.filter(queues=queue).filter(
        presence__in=[Presence.AVAILABLE, Presence.BUSY, Presence.WRAP_UP]
    )
    return sum(max(0, int(state.capacity_map().get("chat", 1))) for state in states)


def estimate_wait_seconds(position: int, handle_seconds: float, slots: int) -> float | None:
    """Estimated wait of the visitor at ``position``: the position divided by the
    queue's throughput, slots / handle time (Little's law applied to the server
    side), i.e. position × handle_seconds / slots. None without serving slots."""
    if slots <= 0:
        return None
    return position * handle_seconds / slots


@dataclass(frozen=True)
class QueueStatus:
    position: int
    estimated_wait_seconds: float | None


def _queue_figures(queue_id: int) -> tuple[float, int]:
    """(recent handle seconds, chat slots) of a queue, shared by all its waiting visitors
    for QUEUE_FIGURES_SECONDS (every waiting visitor's socket asks every few seconds)."""
    key = f"chat-queue-figures:{queue_id}"
    figures = cache.get(key)
    if figures is None:
        queue = Queue.objects.get(pk=queue_id)
        figures = (recent_handle_seconds(queue), chat_slots(queue))
        cache.set(key, figures, timeout=QUEUE_FIGURES_SECONDS)
    return float(figures[0]), int(figures[1])


def queue_status(contact: Contact) -> QueueStatus:
    position = place_in_queue(contact)
    handle_seconds, slots = _queue_figures(contact.queue_id)
    estimate = estimate_wait_seconds(position, handle_seconds, slots)
    if estimate is not None:
        estimate = float(math.ceil(estimate / 30.0) * 30)  # shown in half minutes at best
    return QueueStatus(position, estimate)


def transcript_lines(contact: Contact) -> list[tuple[str, str, str]]:
    """(time, who, text) of the chat's customer-visible messages."""
    lines = []
    for message in contact.messages.filter(direction__in=["in", "out"]).order_by(
        "created_at", "id"
    ):
        local = timezone.localtime(message.created_at)
        lines.append((f"{local:%H:%M}", message.sender, message.body_text))
    return lines
