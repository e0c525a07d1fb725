"""Workforce planning: settings per queue and organisation, imported history, shift
templates, availability, and the weekly schedules with their shifts and breaks."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distans.accounts.models import OrgOwned
from distans.planning.choices import ReminderReason, ScheduleStatus, WorkLocation


class PlanningSettings(OrgOwned):
    """One row per organisation: interval, solver and break-reminder settings."""

    interval_minutes = models.PositiveSmallIntegerField(_("interval (minutes)"), default=15)
    solver_seconds = models.PositiveSmallIntegerField(_("solver time limit (s)"), default=20)
    teams_apart_at_office = models.BooleanField(
        _("teams never share the office on the same day"), default=True
    )
    min_office_days_per_team = models.PositiveSmallIntegerField(
        _("office days per team and week"), default=0
    )
    max_continuous_handling_minutes = models.PositiveSmallIntegerField(
        _("remind after handling contacts without a pause for (minutes)"), default=90
    )
    reminder_repeat_minutes = models.PositiveSmallIntegerField(
        _("repeat the reminder every (minutes)"), default=15
    )

    class Meta:
        verbose_name = _("planning settings")
        verbose_name_plural = _("planning settings")
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="one_planning_settings_per_org")
        ]


class QueuePlan(OrgOwned):
    """Planning settings of one queue: target, handle time, shrinkage and an uplift."""

    queue = models.OneToOneField(
        "routing.Queue", on_delete=models.CASCADE, related_name="plan", verbose_name=_("queue")
    )
    service_level = models.FloatField(_("service level target (share)"), default=0.8)
    answer_within_seconds = models.PositiveIntegerField(_("answered within (s)"), default=20)
    aht_seconds = models.PositiveIntegerField(_("average handle time (s)"), default=240)
    shrinkage = models.FloatField(_("shrinkage (share)"), default=0.1)
    patience_seconds = models.PositiveIntegerField(
        _("average patience (s), for Erlang A"), null=True, blank=True
    )
    uplift_factor = models.FloatField(_("uplift factor"), default=1.0)
    uplift_from = models.DateField(_("uplift from"), null=True, blank=True)
    uplift_until = models.DateField(_("uplift until"), null=True, blank=True)
    uplift_note = models.CharField(_("uplift note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("queue plan")
        verbose_name_plural = _("queue plans")


class ImportedVolume(OrgOwned):
    """Contacts per interval from an earlier system (history before Distans)."""

    queue = models.ForeignKey("routing.Queue", on_delete=models.CASCADE, related_name="+")
    interval_start = models.DateTimeField()
    contacts = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["queue", "interval_start"], name="one_imported_volume_per_interval"
            )
        ]


class ShiftTemplate(OrgOwned):
    """A kind of shift: its length, the window it may start in, and its breaks.

    ``breaks``: ``[{"label": "lunch", "duration_minutes": 30,
    "earliest_offset_minutes": 150, "latest_offset_minutes": 210}, …]`` (offsets from
    the shift start; windows ordered and not overlapping)."""

    name = models.CharField(_("name"), max_length=100)
    length_minutes = models.PositiveIntegerField(_("length (minutes)"))
    earliest_start = models.TimeField(_("earliest start"), default=dt.time(8, 0))
    latest_start = models.TimeField(_("latest start"), default=dt.time(10, 0))
    start_step_minutes = models.PositiveIntegerField(_("start every (minutes)"), default=30)
    breaks = models.JSONField(_("breaks"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("shift template")
        verbose_name_plural = _("shift templates")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="shift_template_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Check the template with the core (break windows ordered, inside the shift)."""
        from django.core.exceptions import ValidationError

        from distans.core.errors import CoreError
        from distans.core.scheduling.templates import expand_patterns
        from distans.planning.solving import core_template

        try:
            expand_patterns((core_template(self),), 15)
        except CoreError as error:
            raise ValidationError(str(error)) from error


class Availability(OrgOwned):
    """Contracted hours per week and when a person can work (simple)."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability"
    )
    min_hours_per_week = models.FloatField(_("contracted hours per week, at least"), default=0)
    max_hours_per_week = models.FloatField(_("hours per week, at most"), default=40)
    weekdays = models.JSONField(_("weekdays (0 = Monday)"), default=list, blank=True)
    earliest_start = models.TimeField(_("earliest start"), null=True, blank=True)
    latest_end = models.TimeField(_("latest end"), null=True, blank=True)

    class Meta:
        verbose_name = _("availability")
        verbose_name_plural = _("availabilities")


class Schedule(OrgOwned):
    """The shifts of one week (Monday ``week_start`` to Sunday)."""

    week_start = models.DateField(_("week starting"))
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ScheduleStatus.choices,
        default=ScheduleStatus.GENERATING,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    solver_status = models.CharField(max_length=32, blank=True)
    solve_seconds = models.FloatField(null=True, blank=True)
    paid_hours = models.FloatField(null=True, blank=True)
    # {"daily_service_levels": [...], "staffed": [[...]], "interval_minutes": 15, ...}
    stats = models.JSONField(default=dict, blank=True)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")
        ordering = ["-week_start", "-created_at"]
        indexes = [models.Index(fields=["organisation", "week_start"], name="schedule_org_week")]

    def __str__(self) -> str:
        return f"{self.week_start} ({self.status})"

    @property
    def solver_status_label(self) -> str:
        """The solver's status (OR-Tools' "OPTIMAL", "FEASIBLE"…) in the reader's words."""
        labels = {
            "OPTIMAL": _("optimal"),
            "FEASIBLE": _("feasible, not proven optimal"),
            "INFEASIBLE": _("no schedule possible"),
            "UNKNOWN": _("no answer in the time allowed"),
            "MODEL_INVALID": _("invalid model"),
        }
        return str(labels.get(self.solver_status, self.solver_status))


class Shift(OrgOwned):
    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="shifts")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shifts"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    template_name = models.CharField(max_length=100, blank=True)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=8, choices=WorkLocation.choices, blank=True)
    site = models.ForeignKey(
        "accounts.Site", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["starts_at", "person_id"]
        indexes = [models.Index(fields=["person", "starts_at"], name="shift_person_start")]


class ShiftBreak(OrgOwned):
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="breaks")
    label = models.CharField(max_length=32)
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]


class BreakReminder(OrgOwned):
    """A break reminder sent to a person (keeps them from repeating every minute)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(max_length=16, choices=ReminderReason.choices)
    sent_at = models.DateTimeField(default=timezone.now, db_index=True)
