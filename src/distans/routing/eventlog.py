"""Appending the core's domain events to the event log (never updated or deleted)."""

from __future__ import annotations

from collections.abc import Iterable

from distans.core.routing import Event
from distans.routing.models import RoutingEvent


def _as_int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def append_events(organisation_id: int, events: Iterable[Event]) -> list[RoutingEvent]:
    rows = [
        RoutingEvent(
            organisation_id=organisation_id,
            name=str(event.name),
            at=event.at,
            contact_id=_as_int(event.contact_id),
            agent_id=_as_int(event.agent_id),
            queue_id=_as_int(event.queue_id),
            data=dict(event.data),
        )
        for event in events
    ]
    return RoutingEvent.objects.bulk_create(rows) if rows else []
