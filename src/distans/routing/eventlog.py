"""Appending the core's domain events to the event log (never updated or deleted).

The statement itself lives with routing's other hot statements
(:func:`distans.routing.sql.append_events`: plain SQL on PostgreSQL)."""

from __future__ import annotations

from distans.routing.sql import append_events

__all__ = ["append_events"]
