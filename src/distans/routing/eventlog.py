"""Appending the core's domain events to the event log (never updated or deleted).

The statement itself is the routing store's (:meth:`RoutingStore.append_events`: plain
SQL on PostgreSQL, the ORM elsewhere)."""

from __future__ import annotations

from collections.abc import Iterable

from distans.core import routing as core
from distans.routing.store import store

__all__ = ["append_events"]


def append_events(organisation_id: int, events: Iterable[core.Event]) -> None:
    """Append the core's domain events to the event log."""
    store().append_events(organisation_id, events)
