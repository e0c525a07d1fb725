"""Absence (sick, care of a sick child, other), readiness for home work (a checklist
per person and IT problems), and shift swaps between colleagues."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distans.absence.choices import (
    AbsenceKind,
    ProblemStatus,
    ReadinessItem,
    ReadinessStatus,
    ReportedVia,
    SwapStatus,
)
from distans.accounts.models import OrgOwned


class AbsenceSettings(OrgOwned):
    """One row per organisation (defaults without one)."""

    home_readiness_required = models.BooleanField(
        _("only people ready for home work are scheduled at home"), default=False
    )

    class Meta:
        verbose_name = _("absence settings")
        verbose_name_plural = _("absence settings")
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="one_absence_settings_per_org")
        ]


class Absence(OrgOwned):
    """A person away from work from ``starts_at`` through the local day ``last_day``."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AbsenceKind.choices)
    starts_at = models.DateTimeField(_("from"), default=timezone.now)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    reported_at = models.DateTimeField(default=timezone.now)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    via = models.CharField(max_length=8, choices=ReportedVia.choices, default=ReportedVia.DESK)
    ended_at = models.DateTimeField(null=True, blank=True)  # back at work early

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["-first_day", "-starts_at"]
        indexes = [
            models.Index(fields=["organisation", "first_day", "last_day"], name="absence_org_days")
        ]


class ReadinessCheck(OrgOwned):
    """One item of a person's home-work checklist, with its status and date."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="readiness"
    )
    item = models.CharField(_("item"), max_length=16, choices=ReadinessItem.choices)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ReadinessStatus.choices,
        default=ReadinessStatus.NOT_CHECKED,
    )
    checked_on = models.DateField(_("checked on"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("readiness check")
        verbose_name_plural = _("readiness checks")
        constraints = [
            models.UniqueConstraint(fields=["person", "item"], name="one_readiness_check_per_item")
        ]


class ItProblem(OrgOwned):
    """An IT problem reported by a person, on IT's list until resolved."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="it_problems"
    )
    item = models.CharField(_("item"), max_length=16, choices=ReadinessItem.choices, blank=True)
    description = models.TextField(_("description"), max_length=2000)
    status = models.CharField(
        _("status"), max_length=16, choices=ProblemStatus.choices, default=ProblemStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer = models.CharField(_("answer"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("IT problem")
        verbose_name_plural = _("IT problems")
        ordering = ["-created_at"]


class SwapRequest(OrgOwned):
    """A person asks a colleague to take their shift (and, optionally, to give theirs
    in return); the colleague agrees, then a leader approves and the shifts change."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    shift = models.ForeignKey("planning.Shift", on_delete=models.CASCADE, related_name="+")
    return_shift = models.ForeignKey(
        "planning.Shift", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=16, choices=SwapStatus.choices, default=SwapStatus.ASKED)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("shift swap")
        verbose_name_plural = _("shift swaps")
        ordering = ["-created_at"]
