"""All writes of planning: settings, schedules (generate, publish) and break reminders."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from distans.accounts.audit import record_change, snapshot
from distans.accounts.localtime import local_today as local_today  # re-exported: planning's today
from distans.accounts.models import Organisation, Person
from distans.contacts.choices import Channel, ContactStatus
from distans.contacts.models import Contact
from distans.core.errors import CoreError, StateConflict
from distans.core.routing import EventName
from distans.planning.choices import ReminderReason, ScheduleStatus, WorkLocation
from distans.planning.demand import PlanInputs, planning_settings
from distans.planning.models import (
    Availability,
    BreakReminder,
    PlanningSettings,
    QueuePlan,
    Schedule,
    Shift,
    ShiftBreak,
    ShiftTemplate,
)
from distans.planning.solving import build_week, roster_stats, solve_week
from distans.realtime.groups import person_group, supervisors_group
from distans.realtime.publish import publish
from distans.routing.choices import Presence
from distans.routing.models import AgentState, Queue, RoutingEvent

logger = logging.getLogger(__name__)
PAUSE_PRESENCES = (Presence.BREAK, Presence.OFFLINE, Presence.AWAY)
WORKING_PRESENCES = (Presence.AVAILABLE, Presence.BUSY, Presence.WRAP_UP)
CALL_CHANNELS = (Channel.PHONE, Channel.CALLBACK)


@transaction.atomic
def do_save_queue_plan(queue: Queue, inputs: PlanInputs) -> QueuePlan:
    plan, _created = QueuePlan.objects.get_or_create(
        queue=queue, defaults={"organisation_id": queue.organisation_id}
    )
    plan.service_level = inputs.service_level
    plan.answer_within_seconds = round(inputs.answer_within_seconds)
    plan.aht_seconds = round(inputs.aht_seconds)
    plan.shrinkage = inputs.shrinkage
    plan.patience_seconds = round(inputs.patience_seconds) if inputs.patience_seconds else None
    plan.uplift_factor = inputs.uplift_factor
    plan.uplift_from = inputs.uplift_from
    plan.uplift_until = inputs.uplift_until
    plan.uplift_note = inputs.uplift_note
    plan.save()
    return plan


SETTINGS_FIELDS = [
    "interval_minutes",
    "solver_seconds",
    "teams_apart_at_office",
    "min_office_days_per_team",
    "max_continuous_handling_minutes",
    "reminder_repeat_minutes",
]
TEMPLATE_FIELDS = [
    "name",
    "length_minutes",
    "earliest_start",
    "latest_start",
    "start_step_minutes",
    "breaks",
    "is_active",
]
AVAILABILITY_FIELDS = [
    "min_hours_per_week",
    "max_hours_per_week",
    "weekdays",
    "earliest_start",
    "latest_end",
]


def _stored(model: type[Any], pk: int | None, fields: list[str]) -> dict[str, Any]:
    """The saved values of a row about to change (the audit's "before")."""
    return snapshot(model.objects.filter(pk=pk).first(), fields) if pk else {}


@transaction.atomic
def do_save_planning_settings(
    organisation: Organisation, by: Person | None, data: dict[str, Any]
) -> PlanningSettings:
    """The organisation's planning settings (one row; the named fields change)."""
    settings_row, created = PlanningSettings.objects.get_or_create(organisation=organisation)
    before = {} if created else snapshot(settings_row, SETTINGS_FIELDS)
    for name in SETTINGS_FIELDS:
        if name in data:
            setattr(settings_row, name, data[name])
    settings_row.save()
    after = snapshot(settings_row, SETTINGS_FIELDS)
    record_change(organisation, by, "planning_settings.changed", settings_row, before, after)
    return settings_row


@transaction.atomic
def do_save_shift_template(
    organisation: Organisation,
    by: Person | None,
    template: ShiftTemplate | None,
    data: dict[str, Any],
) -> ShiftTemplate:
    """Create (``template`` None) or change a shift template."""
    if template is None:
        template = ShiftTemplate(organisation=organisation)
    before = _stored(ShiftTemplate, template.pk, TEMPLATE_FIELDS)
    for name in TEMPLATE_FIELDS:
        if name in data:
            setattr(template, name, data[name])
    template.save()
    action = "shift_template.changed" if before else "shift_template.created"
    record_change(organisation, by, action, template, before, snapshot(template, TEMPLATE_FIELDS))
    return template


@transaction.atomic
def do_save_availability(by: Person | None, person: Person, data: dict[str, Any]) -> Availability:
    """A person's contracted hours and the days and times they can work."""
    organisation = person.organisation
    assert organisation is not None, "a person of no organisation has no working hours"
    availability = Availability.objects.filter(person=person).first()
    if availability is None:
        availability = Availability(person=person, organisation=organisation)
    before = _stored(Availability, availability.pk, AVAILABILITY_FIELDS)
    for name in AVAILABILITY_FIELDS:
        if name in data:
            setattr(availability, name, data[name])
    availability.save()
    action = "availability.changed" if before else "availability.created"
    after = snapshot(availability, AVAILABILITY_FIELDS)
    record_change(organisation, by, action, availability, before, after)
    return availability


def week_start_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@transaction.atomic
def do_request_schedule(
    organisation: Organisation, week_start: dt.date, by: Person | None, *, enqueue: bool = True
) -> Schedule:
    """Create a schedule being generated and hand it to the task worker after commit
    (``enqueue=False``: the caller solves it with :func:`do_solve_schedule` itself, as
    the demo does)."""
    schedule = Schedule.objects.create(
        organisation=organisation,
        week_start=week_start_of(week_start),
        created_by=by,
        status=ScheduleStatus.GENERATING,
    )
    schedule_id = schedule.pk

    def enqueue_task() -> None:
        from distans.planning.tasks import generate_schedule

        generate_schedule.enqueue(schedule_id)

    if enqueue:
        transaction.on_commit(enqueue_task)
    publish(supervisors_group(organisation.pk), "schedule", schedule_id=schedule_id)
    return schedule


def do_solve_schedule(schedule_id: int, time_limit_seconds: float | None = None) -> Schedule:
    """Solve a requested schedule (outside any transaction: the solver takes seconds),
    then save its shifts and breaks, or the reason it failed."""
    schedule = Schedule.objects.select_related("organisation").get(pk=schedule_id)
    if schedule.status != ScheduleStatus.GENERATING:
        raise StateConflict("This schedule is not waiting to be generated.")
    organisation = schedule.organisation
    limit = time_limit_seconds or planning_settings(organisation.pk).solver_seconds
    try:
        problem = build_week(organisation, schedule.week_start, local_today(organisation))
        roster = solve_week(problem, limit)
    except CoreError as error:
        return _fail(schedule, str(error))
    except Exception:  # never leave a schedule "being generated" for ever
        logger.exception("generating schedule %s failed", schedule.pk)
        _fail(schedule, _("The solver stopped with an unexpected error; see the server log."))
        raise
    zone = ZoneInfo(organisation.time_zone)
    people = {p.pk: p for p in Person.objects.for_org(organisation).filter(is_agent=True)}
    with transaction.atomic():
        for assignment in roster.assignments:
            person = people[int(assignment.person)]
            day = schedule.week_start + dt.timedelta(days=assignment.day)
            location = assignment.location or ""
            site = None
            if location == WorkLocation.OFFICE:
                site = problem.office_site
            elif location == WorkLocation.HOME:
                site = problem.home_site
            shift = Shift.objects.create(
                organisation=organisation,
                schedule=schedule,
                person=person,
                team_id=person.team_id,
                template_name=assignment.template,
                starts_at=_at(day, assignment.start_minutes, zone),
                ends_at=_at(day, assignment.end_minutes, zone),
                location=location,
                site=site,
            )
            ShiftBreak.objects.bulk_create(
                ShiftBreak(
                    organisation=organisation,
                    shift=shift,
                    label=label,
                    starts_at=_at(day, begin, zone),
                    ends_at=_at(day, end, zone),
                )
                for label, begin, end in assignment.breaks
            )
        schedule.status = ScheduleStatus.DRAFT
        schedule.solver_status = roster.report.status
        schedule.solve_seconds = round(roster.report.solve_seconds, 2)
        schedule.paid_hours = roster.paid_hours
        schedule.stats = roster_stats(problem, roster)
        schedule.save()
        publish(supervisors_group(organisation.pk), "schedule", schedule_id=schedule.pk)
    return schedule


def _fail(schedule: Schedule, message: str) -> Schedule:
    with transaction.atomic():
        schedule.status = ScheduleStatus.FAILED
        schedule.message = message[:500]
        schedule.save(update_fields=["status", "message"])
        publish(supervisors_group(schedule.organisation_id), "schedule", schedule_id=schedule.pk)
    return schedule


def _at(day: dt.date, minutes: int, zone: ZoneInfo) -> dt.datetime:
    """Aware moment ``minutes`` of local wall-clock time after midnight of ``day``."""
    midnight = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    local = midnight + dt.timedelta(minutes=minutes)  # wall-clock arithmetic
    return local.astimezone(dt.UTC)


@transaction.atomic
def do_publish_schedule(schedule: Schedule, by: Person | None) -> Schedule:
    """Publish a draft; an earlier published schedule of the same week is replaced.
    Everyone with a shift in either is told live (kind "schedule")."""
    schedule = Schedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.status != ScheduleStatus.DRAFT:
        raise StateConflict(_("Only a draft schedule can be published."))
    earlier = list(
        Schedule.objects.for_org(schedule.organisation_id)
        .select_for_update()
        .filter(week_start=schedule.week_start, status=ScheduleStatus.PUBLISHED)
    )
    affected = set(schedule.shifts.values_list("person_id", flat=True))
    for old in earlier:
        affected |= set(old.shifts.values_list("person_id", flat=True))
        old.status = ScheduleStatus.REPLACED
        old.save(update_fields=["status"])
    schedule.status = ScheduleStatus.PUBLISHED
    schedule.published_at = timezone.now()
    schedule.save(update_fields=["status", "published_at"])
    for person_id in sorted(affected):
        publish(
            person_group(person_id),
            "schedule",
            schedule_id=schedule.pk,
            week_start=schedule.week_start.isoformat(),
        )
    publish(supervisors_group(schedule.organisation_id), "schedule", schedule_id=schedule.pk)
    return schedule


def _on_a_call(person_id: int) -> bool:
    return Contact.objects.filter(
        agent_id=person_id, status=ContactStatus.ACTIVE, channel__in=CALL_CHANNELS
    ).exists()


def _send_break_due(person: Person, reason: str, message: str, **data: object) -> None:
    BreakReminder.objects.create(
        organisation_id=person.organisation_id, person=person, reason=reason
    )
    with translation.override(person.language):
        dismiss = _("OK, noted")
    publish(
        person_group(person.pk),
        "break_due",
        reason=reason,
        message=message,
        dismiss=dismiss,
        **data,
    )


@transaction.atomic
def do_remind_scheduled_breaks(now: dt.datetime) -> int:
    """Remind everyone working whose published break has begun and who was not reminded
    yet; while they are on a call, already on a break or offline, the next run tries
    again until the break is over."""
    due = (
        ShiftBreak.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            reminded_at__isnull=True,
            starts_at__lte=now,
            ends_at__gt=now,
            shift__schedule__status=ScheduleStatus.PUBLISHED,
        )
        .select_related("shift__person", "shift__person__organisation")
    )
    sent = 0
    for item in due:
        person = item.shift.person
        presence = (
            AgentState.objects.filter(person_id=person.pk)
            .values_list("presence", flat=True)
            .first()
        )
        if presence not in WORKING_PRESENCES or _on_a_call(person.pk):
            continue  # already pausing, not logged in, or on a call: try again next minute
        zone = ZoneInfo(person.organisation.time_zone)  # type: ignore[union-attr]
        with translation.override(person.language):
            message = _("Time for your %(label)s, %(start)s–%(end)s.") % {
                "label": _break_label(item.label),
                "start": item.starts_at.astimezone(zone).strftime("%H:%M"),
                "end": item.ends_at.astimezone(zone).strftime("%H:%M"),
            }
        item.reminded_at = now
        item.save(update_fields=["reminded_at"])
        _send_break_due(person, ReminderReason.SCHEDULED, message, break_id=item.pk)
        sent += 1
    return sent


def _break_label(label: str) -> str:
    return {"lunch": _("lunch"), "break": _("break")}.get(label, label)


def handling_since(person_id: int, organisation_id: int) -> dt.datetime | None:
    """Start of the current stretch of handling contacts without a pause, from the
    event log: the first "accepted" after the latest change to break, away or offline."""
    events = RoutingEvent.objects.for_org(organisation_id).filter(agent_id=person_id)
    pause = (
        events.filter(
            name=EventName.AGENT_STATE_CHANGED, data__to__in=[str(p) for p in PAUSE_PRESENCES]
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    accepted = events.filter(name=EventName.ACCEPTED)
    if pause is not None:
        accepted = accepted.filter(at__gt=pause)
    return accepted.order_by("at").values_list("at", flat=True).first()


@transaction.atomic
def do_remind_continuous_handling(now: dt.datetime) -> int:
    """Remind working agents who have handled contacts for longer than their
    organisation allows without a pause (never while on a call; then every
    ``reminder_repeat_minutes`` until they pause)."""
    sent = 0
    states = AgentState.objects.filter(presence__in=[str(p) for p in WORKING_PRESENCES])
    by_org: dict[int, list[AgentState]] = {}
    for state in states.select_related("person"):
        by_org.setdefault(state.organisation_id, []).append(state)
    for organisation_id, org_states in by_org.items():
        prefs = planning_settings(organisation_id)
        limit = dt.timedelta(minutes=prefs.max_continuous_handling_minutes)
        repeat = dt.timedelta(minutes=prefs.reminder_repeat_minutes)
        for state in org_states:
            started = handling_since(state.person_id, organisation_id)
            if started is None or now - started < limit or _on_a_call(state.person_id):
                continue
            recent = BreakReminder.objects.filter(
                person_id=state.person_id,
                reason=ReminderReason.CONTINUOUS,
                sent_at__gt=max(now - repeat, started),
            ).exists()
            if recent:
                continue
            person = state.person
            minutes = int((now - started).total_seconds() // 60)
            with translation.override(person.language):
                message = _(
                    "You have handled contacts for %(minutes)d minutes without a pause. "
                    "Take a short break when you can."
                ) % {"minutes": minutes}
            _send_break_due(person, ReminderReason.CONTINUOUS, message, minutes=minutes)
            sent += 1
    return sent
