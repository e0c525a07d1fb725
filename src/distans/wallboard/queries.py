"""Reads for the wallboard: per-queue figures of today, agents, topic counts.

Service level and ASA use the shared report definitions (distans.core.reports):
each contact that entered a queue today (organisation's time zone) and has left it
becomes a ``ContactOutcome``; the outcomes are summed into ``ContactCounts`` and
``compute_metrics`` gives offered, answered, abandoned, service level (convention 1,
answered within the queue's threshold / answered) and ASA. Waiting contacts are not
yet "offered" in that sense; they show as "waiting now".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.utils import timezone

from distans.accounts.models import Organisation
from distans.contacts.choices import ContactStatus
from distans.contacts.models import Contact
from distans.core.reports import (
    THRESHOLDS_SECONDS,
    ContactCounts,
    ContactOutcome,
    MetricOptions,
    Outcome,
    PeriodMetrics,
    compute_metrics,
)
from distans.core.reports.periods import Granularity, period_start
from distans.routing.choices import Presence
from distans.routing.convert import calendar_of
from distans.routing.models import AgentState
from distans.routing.queries import QueueNow, list_queue_states


def today_start(organisation: Organisation) -> datetime:
    """Start of today (a UTC instant) in the organisation's time zone."""
    return period_start(timezone.now(), Granularity.DAY, ZoneInfo(organisation.time_zone))


def contact_outcome(contact: Contact) -> ContactOutcome | None:
    """The report record of a contact that has left its queue, else None.

    Answered: accepted by an agent (wait = accepted_at - enqueued_at, handled =
    ended_at - accepted_at). Abandoned: the customer left while queued. Other: given
    the queue's fallback (callback offer, voicemail, closed message)."""
    if contact.accepted_at is not None:
        end = contact.ended_at or timezone.now()
        return ContactOutcome(
            arrived_at=contact.enqueued_at,
            queue=str(contact.queue_id),
            channel=contact.channel,
            outcome=Outcome.ANSWERED,
            waited_seconds=max(0.0, (contact.accepted_at - contact.enqueued_at).total_seconds()),
            handled_seconds=max(0.0, (end - contact.accepted_at).total_seconds()),
            topic=contact.topic,
        )
    if contact.status in (ContactStatus.ABANDONED, ContactStatus.FALLBACK):
        end = contact.ended_at or timezone.now()
        return ContactOutcome(
            arrived_at=contact.enqueued_at,
            queue=str(contact.queue_id),
            channel=contact.channel,
            outcome=Outcome.ABANDONED
            if contact.status == ContactStatus.ABANDONED
            else Outcome.OTHER,
            waited_seconds=max(0.0, (end - contact.enqueued_at).total_seconds()),
        )
    return None


def _options(service_level_seconds: int) -> MetricOptions:
    """The queue's threshold, or the nearest stored one not above it."""
    allowed = [t for t in THRESHOLDS_SECONDS if t <= service_level_seconds] or [
        THRESHOLDS_SECONDS[0]
    ]
    return MetricOptions(service_level_seconds=allowed[-1])


@dataclass(frozen=True)
class QueueToday:
    now: QueueNow
    metrics: PeriodMetrics
    threshold_seconds: int
    #: Closed now by its opening hours (the one calendar; a change shows at once).
    closed: bool = False


def queue_rows(organisation: Organisation) -> list[QueueToday]:
    since = today_start(organisation)
    counts: dict[int, ContactCounts] = {}
    contacts = (
        Contact.objects.for_org(organisation)
        .filter(enqueued_at__gte=since)
        .only("queue_id", "channel", "status", "enqueued_at", "accepted_at", "ended_at", "topic")
    )
    for contact in contacts.iterator():
        record = contact_outcome(contact)
        if record is not None:
            row = ContactCounts.from_outcome(record)
            counts[contact.queue_id] = (
                counts[contact.queue_id] + row if contact.queue_id in counts else row
            )
    rows = []
    instant = timezone.now()
    for now in list_queue_states(organisation):
        options = _options(now.queue.service_level_seconds)
        calendar = calendar_of(now.queue, organisation.time_zone)
        rows.append(
            QueueToday(
                now=now,
                metrics=compute_metrics(counts.get(now.queue.pk, ContactCounts()), options),
                threshold_seconds=options.service_level_seconds,
                closed=calendar is not None and not calendar.is_open(instant),
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


def agents_now(organisation: Organisation) -> AgentsNow:
    states = list(
        AgentState.objects.for_org(organisation)
        .select_related("person", "site", "person__team")
        .prefetch_related("queues")
        .order_by("person__full_name")
    )
    presence = Counter(s.presence for s in states)
    logged_in = [s for s in states if s.presence != Presence.OFFLINE]
    location = Counter(s.site.get_kind_display() if s.site else "–" for s in logged_in)
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


def topic_counts_today(organisation: Organisation) -> list[tuple[str, int, bool]]:
    """``(topic, contacts today, surging)``, most frequent first."""
    rows = (
        Contact.objects.for_org(organisation)
        .filter(enqueued_at__gte=today_start(organisation))
        .exclude(topic="")
        .values("topic")
        .annotate(n=Count("id"))
        .order_by("-n", "topic")
    )
    counts = {row["topic"]: row["n"] for row in rows}
    surging = _surge_detector(organisation, counts) if _surge_detector else set()
    return [(topic, n, topic in surging) for topic, n in counts.items()]
