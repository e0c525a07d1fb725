"""Planning's settings in the admin, scoped to the admin's organisation. Saving goes
through planning's actions (the demo builds its planning data through the same ones)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.http import HttpRequest

from distans.accounts.admin import OrgScopedAdmin, _org_id, site
from distans.accounts.models import Person
from distans.planning import actions
from distans.planning.models import Availability, PlanningSettings, QueuePlan, ShiftTemplate


def _actor(request: HttpRequest) -> Person:
    return cast(Person, request.user)


def _form_data(form: Any) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}


@admin.register(PlanningSettings, site=site)
class PlanningSettingsAdmin(OrgScopedAdmin):
    list_display = ("interval_minutes", "teams_apart_at_office", "max_continuous_handling_minutes")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not _actor(request).is_superuser:
            obj.organisation_id = _org_id(request)
        saved = actions.do_save_planning_settings(
            obj.organisation, _actor(request), _form_data(form)
        )
        obj.pk = saved.pk


@admin.register(QueuePlan, site=site)
class QueuePlanAdmin(OrgScopedAdmin):
    list_display = ("queue", "service_level", "answer_within_seconds", "aht_seconds", "shrinkage")


@admin.register(ShiftTemplate, site=site)
class ShiftTemplateAdmin(OrgScopedAdmin):
    list_display = ("name", "length_minutes", "earliest_start", "latest_start", "is_active")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not _actor(request).is_superuser:
            obj.organisation_id = _org_id(request)
        actions.do_save_shift_template(obj.organisation, _actor(request), obj, _form_data(form))


@admin.register(Availability, site=site)
class AvailabilityAdmin(OrgScopedAdmin):
    list_display = ("person", "min_hours_per_week", "max_hours_per_week")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change and "person" in form.changed_data:  # moved to someone else: a plain save
            super().save_model(request, obj, form, change)
            return
        saved = actions.do_save_availability(_actor(request), obj.person, _form_data(form))
        obj.pk = saved.pk
