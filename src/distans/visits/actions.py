"""Writes of the visits app: booking, moving and cancelling (the visitor's), check-in,
no-show, notes and closing a day (staff's), services and settings (admins', audited),
reminders and the visitor log's deletion (periodic).

No double booking: a booking or a move locks the site's row (``SELECT … FOR UPDATE``
on PostgreSQL), then re-computes the slot from what is booked, and the visit takes a
free seat (1 … capacity); the partial unique constraint ``visit_one_visitor_per_seat``
refuses a second active visit on the same service, start and seat even if a writer
bypassed the lock. Bookings on one site therefore take turns for a few milliseconds;
sites never wait for each other.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distans.accounts.audit import record_change, snapshot
from distans.accounts.models import Organisation, Person, Site
from distans.core.errors import StateConflict
from distans.core.visits import Slot, choose_staff
from distans.visits import mail, queries
from distans.visits.choices import ACTIVE_STATUSES, CancelledBy, MeetingMode, VisitStatus
from distans.visits.models import ClosedDay, Visit, VisitService, VisitSettings

logger = logging.getLogger(__name__)

SERVICE_FIELDS = [
    "name", "name_nb", "name_en", "description", "site", "hours_queue", "duration_minutes",
    "buffer_minutes", "min_notice_hours", "horizon_days", "capacity_per_slot",
    "capacity_per_day", "meeting_mode", "reminder_hours", "active",
]  # fmt: skip
SETTINGS_FIELDS = ["keep_days", "meeting_pattern", "sms_reminders", "booking_only"]


class SlotTaken(StateConflict):
    """The slot is no longer free (someone else took it, or it closed)."""

    code = "slot_taken"


def _find_slot(
    service: VisitService, starts_at: dt.datetime, now: dt.datetime, excluding: int | None
) -> Slot | None:
    zone = queries.zone_of(service.organisation)
    day = starts_at.astimezone(zone).date()
    for slot in queries.available_slots(service, day, day, now=now, excluding=excluding):
        if slot.starts_at == starts_at:
            return slot
    return None


def _free_seat(service: VisitService, starts_at: dt.datetime, excluding: int | None) -> int:
    taken = set(
        Visit.objects.filter(service=service, starts_at=starts_at, status__in=ACTIVE_STATUSES)
        .exclude(pk=excluding or 0)
        .values_list("seat", flat=True)
    )
    seat = 1
    while seat in taken:
        seat += 1
    return seat


def _lock_site(site_id: int) -> None:
    Site.objects.select_for_update().filter(pk=site_id).values_list("pk").first()


def meeting_url(service: VisitService, token: str) -> str:
    pattern = queries.settings_of(service.organisation_id).meeting_pattern
    try:
        return pattern.format(org=service.organisation.slug, token=token)
    except (KeyError, IndexError, ValueError):
        return pattern


def do_book_visit(
    service: VisitService,
    starts_at: dt.datetime,
    *,
    name: str,
    email: str,
    phone: str = "",
    language: str = "sv",
    digital: bool = False,
    link_base: str = "",
    now: dt.datetime | None = None,
) -> Visit:
    """Book ``starts_at`` for a visitor; raises :class:`SlotTaken` when it is not free.
    The confirmation (with the .ics and the signed links) goes into the outbox."""
    now = now or timezone.now()
    if service.meeting_mode == MeetingMode.SITE:
        digital = False
    elif service.meeting_mode == MeetingMode.DIGITAL:
        digital = True
    try:
        with transaction.atomic():
            _lock_site(service.site_id)
            slot = _find_slot(service, starts_at, now, None)
            if slot is None or not service.active:
                raise SlotTaken(_("That time is no longer free. Please choose another."))
            staff_id = choose_staff(slot)
            visit = Visit(
                organisation_id=service.organisation_id,
                service=service,
                site_id=service.site_id,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                seat=_free_seat(service, slot.starts_at, None),
                staff_id=int(staff_id) if staff_id else None,
                name=name,
                email=email,
                phone=phone,
                language=language if language in ("sv", "nb", "en") else "sv",
                digital=digital,
                link_base=link_base[:200],
                created_at=now,
            )
            if digital:
                visit.meeting_url = meeting_url(service, visit.token)
            visit.save()
            mail.queue_visit_mail(visit, "confirmed")
    except IntegrityError:
        raise SlotTaken(_("That time is no longer free. Please choose another.")) from None
    return visit


def do_move_visit(visit: Visit, starts_at: dt.datetime, *, now: dt.datetime | None = None) -> Visit:
    """Move an active booked visit to another free slot of its service."""
    now = now or timezone.now()
    if visit.status != VisitStatus.BOOKED or visit.starts_at <= now:
        raise StateConflict(_("This visit can no longer be changed."))
    try:
        with transaction.atomic():
            _lock_site(visit.site_id)
            service = visit.service
            slot = _find_slot(service, starts_at, now, visit.pk)
            if slot is None:
                raise SlotTaken(_("That time is no longer free. Please choose another."))
            staff_id = choose_staff(slot)
            visit.starts_at, visit.ends_at = slot.starts_at, slot.ends_at
            visit.seat = _free_seat(service, slot.starts_at, visit.pk)
            visit.staff_id = int(staff_id) if staff_id else None
            visit.sequence += 1
            visit.reminded_at = None
            visit.save()
            mail.queue_visit_mail(visit, "moved")
    except IntegrityError:
        raise SlotTaken(_("That time is no longer free. Please choose another.")) from None
    return visit


@transaction.atomic
def do_cancel_visit(visit: Visit, *, by: str = CancelledBy.VISITOR, reason: str = "") -> Visit:
    """Cancel a booked visit and tell the visitor (mail with a cancelling .ics; an SMS
    too when the day was closed)."""
    if visit.status != VisitStatus.BOOKED:
        raise StateConflict(_("This visit can no longer be changed."))
    visit.status = VisitStatus.CANCELLED
    visit.cancelled_at = timezone.now()
    visit.cancelled_by = by
    visit.sequence += 1
    visit.save(update_fields=["status", "cancelled_at", "cancelled_by", "sequence"])
    mail.queue_visit_mail(visit, "closed" if by == CancelledBy.CLOSED_DAY else "cancelled", reason)
    if by == CancelledBy.CLOSED_DAY and queries.settings_of(visit.organisation_id).sms_reminders:
        transaction.on_commit(lambda: mail.send_sms(visit, "closed"), robust=True)
    return visit


def _publish_day(visit: Visit | None, site_id: int, organisation_id: int) -> None:
    """The day lists of the organisation re-fetch (after commit)."""
    from distans.realtime.groups import org_group
    from distans.realtime.publish import publish

    publish(org_group(organisation_id), "visits", site_id=site_id)


def _staff_change(visit: Visit, status: str, field: str | None = None) -> Visit:
    if visit.status not in (VisitStatus.BOOKED, VisitStatus.CHECKED_IN, VisitStatus.NO_SHOW):
        raise StateConflict(_("This visit is cancelled."))
    visit.status = status
    fields = ["status"]
    if field:
        setattr(visit, field, timezone.now())
        fields.append(field)
    visit.save(update_fields=fields)
    _publish_day(visit, visit.site_id, visit.organisation_id)
    return visit


@transaction.atomic
def do_check_in_visit(visit: Visit) -> Visit:
    return _staff_change(visit, VisitStatus.CHECKED_IN, "checked_in_at")


@transaction.atomic
def do_mark_visit_no_show(visit: Visit) -> Visit:
    return _staff_change(visit, VisitStatus.NO_SHOW)


@transaction.atomic
def do_save_visit_note(visit: Visit, note: str) -> Visit:
    visit.note = note[:4000]
    visit.save(update_fields=["note"])
    _publish_day(visit, visit.site_id, visit.organisation_id)
    return visit


@transaction.atomic
def do_close_visit_day(
    organisation: Organisation, site: Site, day: dt.date, reason: str, actor: Person | None
) -> int:
    """Close ``site`` for visits on local ``day``: no new bookings, every booked visit
    on it cancelled and its visitor told (mail, and SMS when set). Audited. Returns
    how many visits were cancelled."""
    _lock_site(site.pk)
    closed, created = ClosedDay.objects.get_or_create(
        organisation=organisation,
        site=site,
        day=day,
        defaults={"reason": reason[:300], "closed_by": actor},
    )
    visits = list(
        queries.day_visits(organisation.pk, site.pk, day, queries.zone_of(organisation))
        .filter(status=VisitStatus.BOOKED)
        .select_related("organisation", "site")
    )
    for visit in visits:
        do_cancel_visit(visit, by=CancelledBy.CLOSED_DAY, reason=reason)
    record_change(
        organisation,
        actor,
        "visit_day.closed",
        closed,
        {},
        {"site": site.name, "day": day.isoformat(), "reason": reason, "cancelled": len(visits)},
    )
    _publish_day(None, site.pk, organisation.pk)
    return len(visits)


@transaction.atomic
def do_save_visit_service(
    organisation: Organisation, actor: Person | None, service: VisitService, staff: Any
) -> VisitService:
    """Create or change a service (fields already validated by its form). Audited."""
    creating = service.pk is None
    before = {} if creating else snapshot(VisitService.objects.get(pk=service.pk), SERVICE_FIELDS)
    if not creating:
        before["staff"] = sorted(
            VisitService.objects.get(pk=service.pk).staff.values_list("full_name", flat=True)
        )
    service.organisation = organisation
    service.save()
    service.staff.set(staff)
    after = snapshot(service, SERVICE_FIELDS)
    after["staff"] = sorted(service.staff.values_list("full_name", flat=True))
    record_change(
        organisation,
        actor,
        "visit_service.created" if creating else "visit_service.changed",
        service,
        before,
        after,
    )
    return service


@transaction.atomic
def do_save_visit_settings(
    organisation: Organisation, actor: Person | None, changes: dict[str, Any]
) -> VisitSettings:
    row, _created = VisitSettings.objects.get_or_create(organisation=organisation)
    before = snapshot(row, SETTINGS_FIELDS)
    for name in SETTINGS_FIELDS:
        if name in changes:
            setattr(row, name, changes[name])
    row.save()
    record_change(
        organisation, actor, "visit_settings.changed", row, before, snapshot(row, SETTINGS_FIELDS)
    )
    return row


def do_send_visit_reminders(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Remind visitors whose visit starts within their service's reminder time: an
    e-mail (outbox) and an SMS when the organisation wants it and a number is known."""
    now = now or timezone.now()
    candidates = (
        Visit.objects.filter(
            status=VisitStatus.BOOKED,
            reminded_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + dt.timedelta(hours=24 * 7),
            service__reminder_hours__gt=0,
        )
        .select_related("service", "organisation", "site")
        .order_by("starts_at")[:limit]
    )
    sent = 0
    for visit in candidates:
        if visit.starts_at - dt.timedelta(hours=visit.service.reminder_hours) > now:
            continue
        if visit.created_at >= visit.starts_at - dt.timedelta(hours=visit.service.reminder_hours):
            # Booked inside the reminder time: the confirmation was the reminder.
            Visit.objects.filter(pk=visit.pk).update(reminded_at=now)
            continue
        with transaction.atomic():
            claimed = Visit.objects.filter(pk=visit.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not claimed:
                continue
            mail.queue_visit_mail(visit, "reminder")
        if queries.settings_of(visit.organisation_id).sms_reminders:
            mail.send_sms(visit, "reminder")
        sent += 1
    return sent


def do_delete_old_visits(now: dt.datetime | None = None) -> int:
    """Delete the visitor log: visits that ended more than the organisation's
    ``keep_days`` ago (cancelled ones too), and closed days as old."""
    now = now or timezone.now()
    deleted = 0
    keep = dict(VisitSettings.objects.values_list("organisation_id", "keep_days"))
    default_keep = VisitSettings._meta.get_field("keep_days").default
    for organisation_id in (
        Visit.objects.order_by().values_list("organisation_id", flat=True).distinct()
    ):
        cutoff = now - dt.timedelta(days=keep.get(organisation_id, default_keep))
        count, _detail = Visit.objects.filter(
            organisation_id=organisation_id, ends_at__lt=cutoff
        ).delete()
        ClosedDay.objects.filter(organisation_id=organisation_id, day__lt=cutoff.date()).delete()
        deleted += count
    if deleted:
        logger.info("visitor log: %d visits deleted", deleted)
    return deleted
