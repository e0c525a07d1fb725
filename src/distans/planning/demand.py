"""From the database to the pure core and back: a queue's history as a day grid, its
forecast (distans.core.forecast) and the agents it needs (distans.core.queueing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import Sum
from numpy.typing import NDArray

from distans.contacts.models import Contact
from distans.core.errors import CoreError
from distans.core.forecast.adjust import Uplift
from distans.core.forecast.grid import DayGrid, grid_from_counts
from distans.core.forecast.plan import calendar_factors, forecast_from
from distans.core.queueing import ServiceTarget, agents_with_shrinkage, required_agents
from distans.planning.models import ImportedVolume, PlanningSettings, QueuePlan
from distans.reports.models import IntervalAggregate
from distans.routing.convert import calendar_of
from distans.routing.models import Queue

# Other apps' staff needs per queue, added to the required agents (visits booked at
# a desk whose hours are the queue's): f(queue, first_day, days, interval_minutes)
# → an int array (days × intervals of the day).
ExtraDemand = Callable[[Queue, dt.date, int, int], NDArray[np.int64]]
EXTRA_DEMAND: list[ExtraDemand] = []


def register_extra_demand(function: ExtraDemand) -> None:
    """Add staff that another app's bookings need to a queue's required agents."""
    if function not in EXTRA_DEMAND:
        EXTRA_DEMAND.append(function)


HISTORY_DAYS = 16 * 7  # the forecaster looks back at most 12 ordinary same weekdays + 4
FAR_FUTURE = dt.date(9999, 12, 31)


@dataclass(frozen=True)
class PlanInputs:
    """What a forecast and a staffing figure depend on (saved, or a what-if)."""

    service_level: float
    answer_within_seconds: float
    aht_seconds: float
    shrinkage: float
    patience_seconds: float | None
    uplift_factor: float = 1.0
    uplift_from: dt.date | None = None
    uplift_until: dt.date | None = None
    uplift_note: str = ""

    def uplifts(self) -> list[Uplift]:
        if self.uplift_factor == 1.0:
            return []
        return [
            Uplift(
                self.uplift_from or dt.date.min,
                self.uplift_until or FAR_FUTURE,
                self.uplift_factor,
                self.uplift_note,
            )
        ]


@dataclass(frozen=True)
class QueueDemand:
    """Per day (rows) and interval (columns) from ``first_day`` on."""

    first_day: dt.date
    interval_minutes: int
    open: NDArray[np.bool_]
    contacts: NDArray[np.float64]
    required: NDArray[np.int64]
    rostered: NDArray[np.int64]
    inputs: PlanInputs
    elapsed_slots: int = 0  # of the first day: intervals that are actual contacts, not forecast


def planning_settings(organisation_id: int) -> PlanningSettings:
    found = PlanningSettings.objects.for_org(organisation_id).first()
    return found or PlanningSettings(organisation_id=organisation_id)


def saved_inputs(queue: Queue) -> PlanInputs:
    plan = QueuePlan.objects.for_org(queue.organisation_id).filter(queue=queue).first()
    if plan is None:
        return PlanInputs(
            service_level=min(queue.service_level_target, 0.99),
            answer_within_seconds=queue.service_level_seconds,
            aht_seconds=240,
            shrinkage=0.1,
            patience_seconds=None,
        )
    return PlanInputs(
        service_level=plan.service_level,
        answer_within_seconds=plan.answer_within_seconds,
        aht_seconds=plan.aht_seconds,
        shrinkage=plan.shrinkage,
        patience_seconds=plan.patience_seconds,
        uplift_factor=plan.uplift_factor,
        uplift_from=plan.uplift_from,
        uplift_until=plan.uplift_until,
        uplift_note=plan.uplift_note,
    )


def zone_of(queue: Queue) -> ZoneInfo:
    return ZoneInfo(queue.organisation.time_zone)


def history_grid(
    queue: Queue,
    interval_minutes: int,
    zone: ZoneInfo,
    before: dt.date,
    now: dt.datetime | None = None,
) -> DayGrid | None:
    """Contacts offered to ``queue`` per local interval before ``before``: the volumes
    imported for planning when the queue has any (they were imported to plan from), else
    the reports' interval aggregate, which holds the live contacts and every imported
    contact history (``distans import contacts``). With ``now``, the live contacts of
    ``before`` itself up to ``now`` are its last row (the day so far)."""
    end = dt.datetime.combine(before, dt.time.min, tzinfo=zone)
    start = end - dt.timedelta(days=HISTORY_DAYS)
    cells: list[tuple[dt.date, int, float]] = []

    def add(moment: dt.datetime, count: float) -> None:
        local = moment.astimezone(zone)
        cells.append((local.date(), (local.hour * 60 + local.minute) // interval_minutes, count))

    imported = ImportedVolume.objects.for_org(queue.organisation_id).filter(
        queue=queue, interval_start__gte=start, interval_start__lt=end
    )
    for moment, count in imported.values_list("interval_start", "contacts").iterator():
        add(moment, float(count))
    if not cells:
        offered = (
            IntervalAggregate.objects.for_org(queue.organisation_id)
            .filter(
                queue__in={queue.code, queue.name},
                interval_start__gte=start,
                interval_start__lt=end,
            )
            .values("interval_start")
            .annotate(total=Sum("offered"))
            .values_list("interval_start", "total")
        )
        for moment, count in offered.iterator():
            add(moment, float(count))
    if now is not None:
        today = Contact.objects.for_org(queue.organisation_id).filter(
            queue=queue, enqueued_at__gte=end, enqueued_at__lt=now
        )
        for moment in today.values_list("enqueued_at", flat=True).iterator():
            add(moment, 1.0)
        if cells:
            cells.append((before, 0, 0.0))  # the day so far is a row even before a contact
    if not cells:
        return None
    return grid_from_counts(cells, interval_minutes)


def special_factors(queue: Queue, first_day: dt.date, last_day: dt.date) -> dict[dt.date, float]:
    """The queue's opening calendar (holidays of its country, its special days) as
    forecast factors: closed days 0, shortened days their share of usual hours."""
    calendar = calendar_of(queue, queue.organisation.time_zone)
    if calendar is None:
        return {}
    return calendar_factors(calendar, first_day, last_day)


def open_slots(queue: Queue, day: dt.date, interval_minutes: int) -> NDArray[np.bool_]:
    """Intervals of ``day`` when the queue is open, from the one calendar routing and
    the widget read (weekly hours < public holidays and their hours < ad-hoc days).
    An always-open queue with weekly hours is planned for those hours (the demo's
    queues take contacts around the clock but are staffed in office hours)."""
    slots = 1440 // interval_minutes
    if not queue.weekly_hours and not queue.special_days:
        return np.full(slots, queue.always_open, dtype=bool)
    always_open = queue.always_open
    queue.always_open = False  # the hours, even while routing ignores them
    try:
        calendar = calendar_of(queue, queue.organisation.time_zone)
    finally:
        queue.always_open = always_open
    assert calendar is not None
    is_open = np.zeros(slots, dtype=bool)
    for time_range in calendar.hours_on(day).ranges:
        first = time_range.start_minute // interval_minutes
        last = -(-time_range.end_minute // interval_minutes)
        is_open[first:last] = True
    return is_open


def queue_demand(
    queue: Queue,
    inputs: PlanInputs,
    first_day: dt.date,
    days: int,
    interval_minutes: int,
    today: dt.date,
    now: dt.datetime | None = None,
) -> QueueDemand | None:
    """Forecast contacts and required agents per interval; None without usable history.

    The forecast trains on history before ``today`` (level × weekday × calendar ×
    profile; the queue's calendar: its holidays and special days; the uplift last).
    With ``now`` (a moment of ``today``), today's intervals before it hold the contacts
    seen so far and the rest of today is reforecast from them. Required agents are
    Erlang C's (Erlang A with a patience) for the target, rostered ones add shrinkage
    (ceil(n / (1 − shrinkage)))."""
    zone = zone_of(queue)
    if now is not None and now.astimezone(zone).date() != today:
        now = None
    grid = history_grid(queue, interval_minutes, zone, today, now)
    if grid is None:
        return None
    ahead = (first_day - today).days
    if ahead < 0:
        raise ValueError("the forecast starts before today")
    special = special_factors(queue, grid.first_date, first_day + dt.timedelta(days=days))
    slots = grid.slots
    as_of_slot = 0
    if now is not None:
        local = now.astimezone(zone)
        as_of_slot = (local.hour * 60 + local.minute) // interval_minutes
    try:
        forecast = forecast_from(grid, today, as_of_slot, ahead + days, special, inputs.uplifts())
    except CoreError:
        return None
    flat = forecast.contacts
    if as_of_slot:
        so_far = grid.counts[grid.day_index(today), :as_of_slot]
        flat = np.concatenate([so_far, flat])[: (ahead + days) * slots]
    contacts = flat.reshape(-1, slots)[ahead : ahead + days].copy()
    is_open = np.array(
        [open_slots(queue, first_day + dt.timedelta(days=d), interval_minutes) for d in range(days)]
    )
    contacts[~is_open] = 0.0
    traffic = contacts * inputs.aht_seconds / (interval_minutes * 60.0)
    target = ServiceTarget(inputs.service_level, inputs.answer_within_seconds)
    required = required_agents(traffic, inputs.aht_seconds, target, inputs.patience_seconds)
    for extra in EXTRA_DEMAND:
        required = required + extra(queue, first_day, days, interval_minutes)
    rostered = agents_with_shrinkage(required, inputs.shrinkage)
    elapsed = as_of_slot if ahead == 0 else 0
    return QueueDemand(
        first_day, interval_minutes, is_open, contacts, required, rostered, inputs, elapsed
    )


def with_what_if(inputs: PlanInputs, **changes: object) -> PlanInputs:
    """``inputs`` with the given fields replaced (None values are ignored)."""
    return replace(inputs, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]
