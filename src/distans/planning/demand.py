"""From the database to the pure core and back: a queue's history as a day grid, its
forecast (distans.core.forecast) and the agents it needs (distans.core.queueing)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from distans.contacts.models import Contact
from distans.core.errors import CoreError
from distans.core.forecast.adjust import Uplift
from distans.core.forecast.grid import DayGrid, grid_from_counts
from distans.core.forecast.plan import forecast_from, holiday_factors
from distans.core.queueing import ServiceTarget, agents_with_shrinkage, required_agents
from distans.planning.models import ImportedVolume, PlanningSettings, QueuePlan
from distans.routing.convert import calendar_of
from distans.routing.models import Queue

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
    queue: Queue, interval_minutes: int, zone: ZoneInfo, before: dt.date
) -> DayGrid | None:
    """Contacts that entered ``queue`` (live and imported) per local interval, before ``before``."""
    end = dt.datetime.combine(before, dt.time.min, tzinfo=zone)
    start = end - dt.timedelta(days=HISTORY_DAYS)
    arrivals = Contact.objects.for_org(queue.organisation_id).filter(
        queue=queue, enqueued_at__gte=start, enqueued_at__lt=end
    )
    cells: list[tuple[dt.date, int, float]] = []
    for moment in arrivals.values_list("enqueued_at", flat=True).iterator():
        local = moment.astimezone(zone)
        cells.append((local.date(), (local.hour * 60 + local.minute) // interval_minutes, 1.0))
    imported = ImportedVolume.objects.for_org(queue.organisation_id).filter(
        queue=queue, interval_start__gte=start, interval_start__lt=end
    )
    for moment, count in imported.values_list("interval_start", "contacts").iterator():
        local = moment.astimezone(zone)
        cells.append((local.date(), (local.hour * 60 + local.minute) // interval_minutes, count))
    if not cells:
        return None
    return grid_from_counts(cells, interval_minutes)


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
) -> QueueDemand | None:
    """Forecast contacts and required agents per interval; None without usable history.

    The forecast trains on history before ``today`` (level × profile, holidays of the
    queue's country closed, the uplift last); required agents are Erlang C's (Erlang A
    with a patience) for the target, rostered ones add shrinkage
    (ceil(n / (1 − shrinkage)))."""
    zone = zone_of(queue)
    grid = history_grid(queue, interval_minutes, zone, today)
    if grid is None:
        return None
    ahead = (first_day - today).days
    if ahead < 0:
        raise ValueError("the forecast starts before today")
    special = {}
    if queue.holiday_country:
        special = holiday_factors(
            (queue.holiday_country.lower(),), range(today.year, first_day.year + 2)
        )
    try:
        forecast = forecast_from(grid, today, 0, ahead + days, special, inputs.uplifts())
    except CoreError:
        return None
    slots = grid.slots
    contacts = forecast.contacts.reshape(-1, slots)[ahead : ahead + days].copy()
    is_open = np.array(
        [open_slots(queue, first_day + dt.timedelta(days=d), interval_minutes) for d in range(days)]
    )
    contacts[~is_open] = 0.0
    traffic = contacts * inputs.aht_seconds / (interval_minutes * 60.0)
    target = ServiceTarget(inputs.service_level, inputs.answer_within_seconds)
    required = required_agents(traffic, inputs.aht_seconds, target, inputs.patience_seconds)
    rostered = agents_with_shrinkage(required, inputs.shrinkage)
    return QueueDemand(first_day, interval_minutes, is_open, contacts, required, rostered, inputs)


def with_what_if(inputs: PlanInputs, **changes: object) -> PlanInputs:
    """``inputs`` with the given fields replaced (None values are ignored)."""
    return replace(inputs, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]
