"""Small builders for routing tests (given-when-then style, explicit times)."""

from datetime import UTC, datetime, timedelta

from distans.core.routing import Agent, Channel, Contact, Presence, Queue

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def ago(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def agent(
    agent_id: str,
    *,
    queues: tuple[str, ...] = ("q",),
    presence: Presence = Presence.AVAILABLE,
    idle_seconds: float = 60.0,
    **fields: object,
) -> Agent:
    return Agent(  # type: ignore[arg-type]
        id=agent_id,
        presence=presence,
        queue_ids=frozenset(queues),
        presence_changed_at=ago(idle_seconds),
        **fields,
    )


def contact(
    contact_id: str,
    *,
    queue: str = "q",
    channel: Channel = Channel.PHONE,
    waited_seconds: float = 10.0,
    **fields: object,
) -> Contact:
    return Contact(  # type: ignore[arg-type]
        id=contact_id, channel=channel, queue_id=queue, enqueued_at=ago(waited_seconds), **fields
    )


def queue(queue_id: str = "q", **fields: object) -> Queue:
    return Queue(id=queue_id, **fields)  # type: ignore[arg-type]
