"""Continuity plans (plan B, C, D …): a named change of the whole setup, applied and
undone as one action. See docs/dev/continuity.md."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distans.accounts.models import OrgOwned


class Plan(OrgOwned):
    """A prepared plan. ``changes`` is the plan's document (``plan_data``): the
    queues, widgets, phone lines, sites, topics, schedule rules, staffing targets and
    the announcement the plan sets, in the same shape as ``distans config export``."""

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Scheduled switching (the periodic job in tasks.py).
    activate_at = models.DateTimeField(_("activate at"), null=True, blank=True)
    deactivate_at = models.DateTimeField(_("deactivate at"), null=True, blank=True)

    class Meta:
        verbose_name = _("continuity plan")
        verbose_name_plural = _("continuity plans")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="continuity_plan_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Activation(OrgOwned):
    """One period a plan was in force: who switched it on and off, when, what it
    changed, and the setup before it (what deactivation restores)."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="activations")
    activated_at = models.DateTimeField(default=timezone.now)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deactivated_at = models.DateTimeField(null=True, blank=True)
    deactivated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    before = models.JSONField(default=dict)  # the state the plan's items had before
    after = models.JSONField(default=dict)  # the state the plan set
    summary = models.JSONField(default=list, blank=True)  # readable lines of what changed
    announcement = models.ForeignKey(
        "announcements.Announcement",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("plan activation")
        verbose_name_plural = _("plan activations")
        ordering = ["-activated_at"]
        constraints = [
            # At most one plan in force per organisation.
            models.UniqueConstraint(
                fields=["organisation"],
                condition=models.Q(active=True),
                name="continuity_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} ({self.activated_at:%Y-%m-%d %H:%M})"
