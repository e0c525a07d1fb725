"""Reads for the wallboard: per-queue figures of today, agents, topic counts.

Today's figures per queue are the reports' own: the day rows of the report aggregate
(``reports.queries.report_rows``, fed from the one event log), grouped by queue, with
the organisation's report settings and the queue's service-level threshold (the
nearest stored one not above it). So the wallboard and a report of today cannot
disagree: transfers, waits (first accept) and short abandons are counted once, the
same way. The wallboard view brings the aggregate up to date first
(``reports.actions.do_update_aggregates``). A contact counts when it has left its
queue and ended (answered at completion, abandoned, given a fallback); waiting
contacts show as "waiting now".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.utils import timezone

from distans.accounts.localtime import local_today
from distans.accounts.models import Organisation
from distans.contacts.models import Contact
from distans.core.reports import (
    THRESHOLDS_SECONDS,
    ContactCounts,
    MetricOptions,
    PeriodMetrics,
    compute_metrics,
)
from distans.core.reports.periods import Granularity, period_start
from distans.reports.queries import metric_options, report_rows
from distans.routing.choices import Presence
from distans.routing.convert import calendar_of
from distans.routing.models import AgentState
from distans.routing.queries import QueueNow, list_queue_states


def today_start(organisation: Organisation) -> datetime:
    """Start of today (a UTC instant) in the organisation's time zone."""
    return period_start(timezone.now(), Granularity.DAY, ZoneInfo(organisation.time_zone))


def _options(base: MetricOptions, service_level_seconds: int) -> MetricOptions:
    """The report options with the queue's threshold, or the nearest stored one not
    above it."""
    allowed = [t for t in THRESHOLDS_SECONDS if t <= service_level_seconds] or [
        THRESHOLDS_SECONDS[0]
    ]
    return replace(base, service_level_seconds=allowed[-1])


@dataclass(frozen=True)
class StaffingNow:
    """Agents the queue needs on the phones in the current interval (the planning
    forecast, reforecast from today's contacts so far) and those scheduled on duty then;
    None where there is no history or no schedule."""

    required: int | None = None
    scheduled: int | None = None


@dataclass(frozen=True)
class QueueToday:
    now: QueueNow
    metrics: PeriodMetrics
    threshold_seconds: int
    #: Closed now by its opening hours (the one calendar; a change shows at once).
    closed: bool = False
    staffing: StaffingNow = StaffingNow()


def staffing_now(queue: Any, moment: datetime) -> StaffingNow:
    """Required and scheduled agents of ``queue`` in the interval holding ``moment``."""
    from distans.planning.demand import planning_settings, queue_demand, saved_inputs
    from distans.planning.queries import scheduled_on_duty

    zone = ZoneInfo(queue.organisation.time_zone)
    local = moment.astimezone(zone)
    interval = planning_settings(queue.organisation_id).interval_minutes
    slot = (local.hour * 60 + local.minute) // interval
    today = local.date()
    demand = queue_demand(queue, saved_inputs(queue), today, 1, interval, today, moment)
    scheduled = scheduled_on_duty(queue, today, 1, interval)
    return StaffingNow(
        required=None if demand is None else int(demand.required[0, slot]),
        scheduled=None if scheduled is None else int(scheduled[0, slot]),
    )


def today_metrics(organisation: Organisation, options: MetricOptions) -> dict[str, PeriodMetrics]:
    """Today's report metrics per queue code (only queues with contacts today)."""
    today = local_today(organisation)
    rows = report_rows(organisation, today, today, Granularity.DAY, ("queue",), options=options)
    return {row.group["queue"]: row.metrics for row in rows}


def queue_rows(organisation: Organisation) -> list[QueueToday]:
    base = metric_options(organisation)
    states = list_queue_states(organisation)
    by_threshold: dict[MetricOptions, dict[str, PeriodMetrics]] = {}
    rows = []
    moment = timezone.now()
    for now in states:
        options = _options(base, now.queue.service_level_seconds)
        if options not in by_threshold:
            by_threshold[options] = today_metrics(organisation, options)
        metrics = by_threshold[options].get(now.queue.code)
        calendar = calendar_of(now.queue, organisation.time_zone)
        rows.append(
            QueueToday(
                now=now,
                metrics=metrics or compute_metrics(ContactCounts(), options),
                threshold_seconds=options.service_level_seconds,
                closed=calendar is not None and not calendar.is_open(moment),
                staffing=staffing_now(now.queue, moment),
            )
        )
    return rows


@dataclass(frozen=True)
class AgentsNow:
    states: list[AgentState]
    by_presence: list[tuple[str, str, int]]
    by_location: list[tuple[str, int]]
    on_break: list[AgentState]
    away: list[AgentState]


def agents_now(organisation: Organisation, team_ids: frozenset[int] | None = None) -> AgentsNow:
    """The agents now; ``team_ids``: only the people of those teams (a team leader's)."""
    agents = AgentState.objects.for_org(organisation)
    if team_ids is not None:
        agents = agents.filter(person__team_id__in=team_ids)
    states = list(
        agents
        .select_related("person", "site", "person__team")
        .prefetch_related("queues")
        .order_by("person__full_name")
    )
    presence = Counter(s.presence for s in states)
    logged_in = [s for s in states if s.presence != Presence.OFFLINE]
    # By the site's name, as the desk and the agent list name it (not its kind: the
    # office was "Kontaktcenter" on the desk and "Kontor" here).
    location = Counter(s.site.name if s.site else "–" for s in logged_in)
    return AgentsNow(
        states=states,
        by_presence=[
            (value, str(label), presence.get(value, 0)) for value, label in Presence.choices
        ],
        by_location=sorted(location.items()),
        on_break=sorted(
            (s for s in states if s.presence == Presence.BREAK), key=lambda s: s.presence_changed_at
        ),
        away=[s for s in states if s.presence == Presence.AWAY],
    )


# The topics app registers its surge detector here: (organisation, {topic: count today})
# -> the set of topics that surge now. Until then no topic is marked.
SurgeDetector = Callable[[Organisation, dict[str, int]], set[str]]
_surge_detector: SurgeDetector | None = None


def register_surge_detector(detector: SurgeDetector | None) -> None:
    global _surge_detector
    _surge_detector = detector


# The topics app registers which queues surge now: organisation -> queue codes.
_surging_queues: Callable[[Organisation], set[str]] | None = None


def register_surging_queues(finder: Callable[[Organisation], set[str]] | None) -> None:
    global _surging_queues
    _surging_queues = finder


def surging_queues(organisation: Organisation) -> set[str]:
    """Codes of the queues with an ongoing surge (none until the topics app says)."""
    return _surging_queues(organisation) if _surging_queues else set()


def topic_counts_today(
    organisation: Organisation, queue_ids: frozenset[int] | None = None
) -> list[tuple[str, int, bool]]:
    """``(topic, contacts today, surging)``, most frequent first; ``queue_ids``: only
    those queues' contacts (a team leader's)."""
    contacts = Contact.objects.for_org(organisation)
    if queue_ids is not None:
        contacts = contacts.filter(queue_id__in=queue_ids)
    rows = (
        contacts
        .filter(enqueued_at__gte=today_start(organisation))
        .exclude(topic="")
        .values("topic")
        .annotate(n=Count("id"))
        .order_by("-n", "topic")
    )
    counts = {row["topic"]: row["n"] for row in rows}
    surging = _surge_detector(organisation, counts) if _surge_detector else set()
    return [(topic, n, topic in surging) for topic, n in counts.items()]
