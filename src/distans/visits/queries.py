"""Reads of the visits app: services, the slots they offer (the pure core's
``compute_slots`` fed with the one opening calendar, published shifts and what is
booked), a site's day, and the staff that booked visits need (for planning)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import QuerySet
from django.utils import timezone
from numpy.typing import NDArray

from distans.accounts.localtime import local_today as local_today
from distans.accounts.localtime import zone_of as zone_of
from distans.accounts.models import Organisation, Site
from distans.core.calendar import OpeningCalendar
from distans.core.visits import Booked, ServiceRules, Slot, compute_slots, day_load
from distans.routing.convert import calendar_of
from distans.routing.models import Queue
from distans.visits.choices import ACTIVE_STATUSES, MeetingMode
from distans.visits.models import ClosedDay, Visit, VisitService, VisitSettings


def settings_of(organisation_id: int) -> VisitSettings:
    found = VisitSettings.objects.for_org(organisation_id).first()
    return found or VisitSettings(organisation_id=organisation_id)


def organisation_by_slug(slug: str) -> Organisation | None:
    return Organisation.objects.filter(slug=slug).first()


def bookable_services(organisation_id: int) -> QuerySet[VisitService]:
    return VisitService.objects.for_org(organisation_id).filter(active=True).select_related("site")


def all_services(organisation_id: int) -> QuerySet[VisitService]:
    return VisitService.objects.for_org(organisation_id).select_related("site", "hours_queue")


def get_service(organisation_id: int, service_id: int) -> VisitService | None:
    return all_services(organisation_id).filter(pk=service_id).first()


def get_visit(organisation_id: int, visit_id: int) -> Visit | None:
    return (
        Visit.objects.for_org(organisation_id)
        .select_related("service", "site", "staff")
        .filter(pk=visit_id)
        .first()
    )


def visit_by_token(token: str) -> Visit | None:
    return (
        Visit.objects.select_related("service", "site", "organisation", "staff")
        .filter(token=token)
        .first()
    )


def rules_of(service: VisitService) -> ServiceRules:
    return ServiceRules(
        duration_minutes=service.duration_minutes,
        buffer_minutes=service.buffer_minutes,
        min_notice_minutes=service.min_notice_hours * 60,
        horizon_days=service.horizon_days,
        capacity_per_slot=service.capacity_per_slot,
        capacity_per_day=service.capacity_per_day,
    )


def calendar_of_service(service: VisitService) -> OpeningCalendar | None:
    """The service's hours: its queue's, on the one opening calendar (an always-open
    queue with weekly hours is booked in those hours, as planning does)."""
    queue: Queue = service.hours_queue
    if not queue.weekly_hours and not queue.special_days:
        return None
    always_open = queue.always_open
    queue.always_open = False
    try:
        return calendar_of(queue, service.organisation.time_zone)
    finally:
        queue.always_open = always_open


def _day_bounds(zone: ZoneInfo, first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def staff_windows(
    service: VisitService, start: dt.datetime, end: dt.datetime
) -> dict[str, list[tuple[dt.datetime, dt.datetime]]] | None:
    """Working windows of the service's staff from published shifts (minus breaks);
    ``None`` when the service names no staff. A visit at the office needs a shift at
    the office (or with no location); a digital-only service takes shifts anywhere."""
    from distans.planning.choices import ScheduleStatus, WorkLocation
    from distans.planning.models import Shift, ShiftBreak

    staff_ids = list(service.staff.values_list("pk", flat=True))
    if not staff_ids:
        return None
    shifts = Shift.objects.for_org(service.organisation_id).filter(
        person_id__in=staff_ids,
        schedule__status=ScheduleStatus.PUBLISHED,
        starts_at__lt=end,
        ends_at__gt=start,
    )
    if service.meeting_mode != MeetingMode.DIGITAL:
        shifts = shifts.exclude(location=WorkLocation.HOME)
    breaks: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    for shift_id, b_start, b_end in ShiftBreak.objects.filter(shift__in=shifts).values_list(
        "shift_id", "starts_at", "ends_at"
    ):
        breaks.setdefault(shift_id, []).append((b_start, b_end))
    windows: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {str(pk): [] for pk in staff_ids}
    for shift_id, person_id, s_start, s_end in shifts.values_list(
        "pk", "person_id", "starts_at", "ends_at"
    ):
        pieces = [(s_start, s_end)]
        for b_start, b_end in sorted(breaks.get(shift_id, [])):
            next_pieces = []
            for p_start, p_end in pieces:
                if b_end <= p_start or b_start >= p_end:
                    next_pieces.append((p_start, p_end))
                    continue
                if p_start < b_start:
                    next_pieces.append((p_start, b_start))
                if b_end < p_end:
                    next_pieces.append((b_end, p_end))
            pieces = next_pieces
        windows[str(person_id)].extend(pieces)
    return windows


def booked_around(
    service: VisitService,
    start: dt.datetime,
    end: dt.datetime,
    excluding: int | None = None,
) -> list[Booked]:
    """Active visits of the service, and of its staff in any service, in [start, end)."""
    staff_ids = list(service.staff.values_list("pk", flat=True))
    visits = Visit.objects.for_org(service.organisation_id).filter(
        status__in=ACTIVE_STATUSES, starts_at__lt=end, ends_at__gt=start
    )
    if excluding is not None:
        visits = visits.exclude(pk=excluding)
    own = visits.filter(service=service)
    others = visits.exclude(service=service).filter(staff_id__in=staff_ids)
    result = [
        Booked(s, e, str(staff) if staff else None, True)
        for s, e, staff in own.values_list("starts_at", "ends_at", "staff_id")
    ]
    result += [
        Booked(s, e, str(staff), False)
        for s, e, staff in others.values_list("starts_at", "ends_at", "staff_id")
    ]
    return result


def closed_days(site_id: int, first: dt.date, last: dt.date) -> set[dt.date]:
    return set(
        ClosedDay.objects.filter(site_id=site_id, day__gte=first, day__lte=last).values_list(
            "day", flat=True
        )
    )


def available_slots(
    service: VisitService,
    first: dt.date | None = None,
    last: dt.date | None = None,
    *,
    now: dt.datetime | None = None,
    excluding: int | None = None,
) -> list[Slot]:
    """The slots a visitor may book now (``excluding``: a visit being moved)."""
    calendar = calendar_of_service(service)
    if calendar is None:
        return []
    now = now or timezone.now()
    zone = calendar.zone
    today = now.astimezone(zone).date()
    first = max(first or today, today)
    last = min(last or today + dt.timedelta(days=service.horizon_days),
               today + dt.timedelta(days=service.horizon_days))  # fmt: skip
    if last < first:
        return []
    start, end = _day_bounds(zone, first, last)
    return compute_slots(
        rules_of(service),
        calendar,
        now,
        booked=booked_around(service, start, end, excluding),
        staff_windows=staff_windows(service, start, end),
        closed_days=closed_days(service.site_id, first, last),
        first_day=first,
        last_day=last,
    )


def slots_by_day(slots: list[Slot], zone: ZoneInfo) -> list[tuple[dt.date, list[Slot]]]:
    days: dict[dt.date, list[Slot]] = {}
    for slot in slots:
        days.setdefault(slot.starts_at.astimezone(zone).date(), []).append(slot)
    return sorted(days.items())


def sites(organisation_id: int) -> QuerySet[Site]:
    return Site.objects.for_org(organisation_id).order_by("name")


def day_visits(organisation_id: int, site_id: int, day: dt.date, zone: ZoneInfo) -> QuerySet[Visit]:
    start, end = _day_bounds(zone, day, day)
    return (
        Visit.objects.for_org(organisation_id)
        .filter(site_id=site_id, starts_at__gte=start, starts_at__lt=end)
        .select_related("service", "staff")
        .order_by("starts_at", "name")
    )


def closed_day(site_id: int, day: dt.date) -> ClosedDay | None:
    return ClosedDay.objects.filter(site_id=site_id, day=day).first()


def staff_needed_for_visits(
    queue: Queue, first_day: dt.date, days: int, interval_minutes: int
) -> NDArray[np.int64]:
    """Planning's extra demand: per day and interval, the staff that booked visits
    of services on this queue's hours occupy (a host of a group slot counts once)."""
    slots = 1440 // interval_minutes
    needed = np.zeros((days, slots), dtype=np.int64)
    zone = ZoneInfo(queue.organisation.time_zone)
    start, end = _day_bounds(zone, first_day, first_day + dt.timedelta(days=days - 1))
    rows = list(
        Visit.objects.for_org(queue.organisation_id)
        .filter(
            service__hours_queue=queue,
            status__in=ACTIVE_STATUSES,
            starts_at__lt=end,
            ends_at__gt=start,
        )
        .values_list("pk", "starts_at", "ends_at", "staff_id")
    )
    if not rows:
        return needed
    for index in range(days):
        day = first_day + dt.timedelta(days=index)
        day_start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
        visits = [(s, e, f"staff-{staff}" if staff else f"visit-{pk}") for pk, s, e, staff in rows]
        needed[index] = day_load(visits, day_start, interval_minutes, slots)
    return needed


def visit_counts(organisation_id: int, queue_id: int, day: dt.date, zone: ZoneInfo) -> int:
    start, end = _day_bounds(zone, day, day)
    return (
        Visit.objects.for_org(organisation_id)
        .filter(
            service__hours_queue_id=queue_id,
            status__in=ACTIVE_STATUSES,
            starts_at__gte=start,
            starts_at__lt=end,
        )  # fmt: skip
        .count()
    )


def summary(visit: Visit) -> dict[str, Any]:
    zone = zone_of(visit.organisation)
    local = visit.starts_at.astimezone(zone)
    return {"visit": visit, "local_start": local, "local_end": visit.ends_at.astimezone(zone)}
