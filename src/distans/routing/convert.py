"""Rows → the pure core's dataclasses (ids become strings: pk as text)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from distans.contacts.models import Contact as ContactRow
from distans.core import routing as core
from distans.core.calendar import DayOverride, OpeningCalendar, TimeRange
from distans.routing.agent_columns import core_agent, values_of
from distans.routing.models import AgentState, Offer, Queue


def calendar_of(queue: Queue, time_zone: str) -> OpeningCalendar | None:
    if queue.always_open:
        return None
    weekly = {
        int(day): tuple(TimeRange.of(start, end) for start, end in ranges)
        for day, ranges in (queue.weekly_hours or {}).items()
    }
    overrides = {
        date.fromisoformat(day): DayOverride(
            date.fromisoformat(day), tuple(TimeRange.of(s, e) for s, e in ranges)
        )
        for day, ranges in (queue.special_days or {}).items()
    }
    holiday_hours = {
        str(key): tuple(TimeRange.of(s, e) for s, e in ranges)
        for key, ranges in (queue.holiday_hours or {}).items()
    }
    return OpeningCalendar(
        weekly=weekly,
        time_zone=time_zone,
        holiday_country=queue.holiday_country or None,
        holiday_hours=holiday_hours,
        overrides=overrides,
    )


def queue_to_core(queue: Queue, time_zone: str, code_to_id: dict[str, str]) -> core.Queue:
    overflow = tuple(
        core.OverflowRule(
            to_queue_id=code_to_id[rule["to"]],
            after_seconds=rule.get("after_seconds"),
            when_no_agents=bool(rule.get("when_no_agents")),
            when_longer_than=rule.get("when_longer_than"),
        )
        for rule in (queue.overflow or [])
        if rule.get("to") in code_to_id
    )
    return core.Queue(
        id=str(queue.pk),
        strategy=core.Strategy(queue.strategy),
        calendar=calendar_of(queue, time_zone),
        aging_per_minute=queue.aging_per_minute,
        widening=tuple(
            core.WideningStep(step["after_seconds"], step.get("min_level"))
            for step in (queue.widening or [])
        ),
        overflow=overflow,
        max_wait_seconds=queue.max_wait_seconds,
        fallback=core.FallbackKind(queue.fallback),
        closed_fallback=core.FallbackKind(queue.closed_fallback) if queue.closed_fallback else None,
        offer_timeout_seconds=float(queue.offer_timeout_seconds),
        wrap_up_seconds=float(queue.wrap_up_seconds),
        max_consecutive_timeouts=queue.max_consecutive_timeouts,
    )


def contact_to_core(row: ContactRow) -> core.Contact:
    return core.Contact(
        id=str(row.pk),
        channel=core.Channel(row.channel),
        queue_id=str(row.queue_id),
        enqueued_at=row.enqueued_at,
        priority=row.priority,
        required_skills=row.required_skills or {},
        language=row.language or None,
        queue_entered_at=row.queue_entered_at,
        target_agent_id=str(row.target_agent_id) if row.target_agent_id else None,
        excluded_agent_ids=frozenset(str(i) for i in row.excluded_agent_ids or []),
        visited_queue_ids=frozenset(str(i) for i in row.visited_queue_ids or []),
    )


CONTACT_COLUMNS = (
    "pk",
    "channel",
    "queue_id",
    "enqueued_at",
    "priority",
    "required_skills",
    "language",
    "queue_entered_at",
    "target_agent_id",
    "excluded_agent_ids",
    "visited_queue_ids",
)
_CHANNELS = {c.value: c for c in core.Channel}


def contact_from_values(row: tuple) -> core.Contact:
    """Like contact_to_core, from a ``values_list(*CONTACT_COLUMNS)`` row (no model
    instance: a round may read 10,000 of them)."""
    pk, channel, queue_id, enqueued_at, priority, skills, language, entered, target, excluded, visited = row
    return core.Contact(
        id=str(pk),
        channel=_CHANNELS[channel],
        queue_id=str(queue_id),
        enqueued_at=enqueued_at,
        priority=priority,
        required_skills=skills or {},
        language=language or None,
        queue_entered_at=entered,
        target_agent_id=str(target) if target else None,
        excluded_agent_ids=frozenset(str(i) for i in excluded) if excluded else frozenset(),
        visited_queue_ids=frozenset(str(i) for i in visited) if visited else frozenset(),
    )


def agent_to_core(
    state: AgentState, load: Counter[str], queue_ids: Iterable[int]
) -> core.Agent:
    """The core's agent of a model instance (its fields: ``agent_columns``)."""
    return core_agent(state.person_id, queue_ids, load, values_of(state))


def offer_to_core(row: Offer) -> core.Offer:
    return core.Offer(
        contact_id=str(row.contact_id),
        agent_id=str(row.agent_id),
        queue_id=str(row.queue_id),
        channel=core.Channel(row.channel),
        offered_at=row.offered_at,
        expires_at=row.expires_at,
    )
