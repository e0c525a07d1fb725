"""Planning's settings in the admin, scoped to the admin's organisation."""

from __future__ import annotations

from django.contrib import admin

from distans.accounts.admin import OrgScopedAdmin, site
from distans.planning.models import Availability, PlanningSettings, QueuePlan, ShiftTemplate


@admin.register(PlanningSettings, site=site)
class PlanningSettingsAdmin(OrgScopedAdmin):
    list_display = ("interval_minutes", "teams_apart_at_office", "max_continuous_handling_minutes")


@admin.register(QueuePlan, site=site)
class QueuePlanAdmin(OrgScopedAdmin):
    list_display = ("queue", "service_level", "answer_within_seconds", "aht_seconds", "shrinkage")


@admin.register(ShiftTemplate, site=site)
class ShiftTemplateAdmin(OrgScopedAdmin):
    list_display = ("name", "length_minutes", "earliest_start", "latest_start", "is_active")


@admin.register(Availability, site=site)
class AvailabilityAdmin(OrgScopedAdmin):
    list_display = ("person", "min_hours_per_week", "max_hours_per_week")
