"""The Django admin, scoped: an organisation admin sees and edits only rows of their
own organisation; installation superusers see everything."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.db.models import ForeignKey, Model, QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from distans.accounts.audit import record_change
from distans.accounts.models import AuditEntry, Organisation, Person, Site, Team
from distans.accounts.permissions import has_permission

_BOOLEAN_ALT = {True: _("Yes"), False: _("No"), None: _("Unknown")}


def _translated_boolean_icon(value: bool | None) -> str:
    """Django's yes/no icon in lists and read-only fields, with its alt text translated
    (Django 5.2 writes alt="True"/"False": English on a Swedish page)."""
    from django.templatetags.static import static
    from django.utils.html import format_html

    name = {True: "yes", False: "no", None: "unknown"}[value]
    icon = static(f"admin/img/icon-{name}.svg")
    return format_html('<img src="{}" alt="{}">', icon, _BOOLEAN_ALT[value])


# Every caller imports it from this module when called (django.contrib.admin.utils,
# helpers), so replacing it here reaches lists and read-only fields alike.
admin_list._boolean_icon = _translated_boolean_icon


class DistansAdminSite(admin.AdminSite):
    site_header = _("Distans administration")
    site_title = _("Distans")

    def has_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, "admin.use")


site = DistansAdminSite(name="admin")


def _org_id(request: HttpRequest) -> int | None:
    return getattr(request.user, "organisation_id", None)


class OrgScopedAdmin(admin.ModelAdmin):
    """Rows and choices limited to the admin's organisation; organisation set on save."""

    org_field = "organisation"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.org_field}_id": _org_id(request)})

    def get_exclude(self, request: HttpRequest, obj: Model | None = None) -> Any:
        excluded = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser and self.org_field == "organisation":
            excluded.append("organisation")
        return excluded

    def formfield_for_foreignkey(
        self, db_field: ForeignKey[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> ModelChoiceField[Any] | None:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and not request.user.is_superuser:
            related = db_field.related_model
            if related is Organisation:
                field.queryset = Organisation.objects.filter(pk=_org_id(request))
            elif hasattr(related, "organisation"):
                field.queryset = field.queryset.filter(organisation_id=_org_id(request))
        return field

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not request.user.is_superuser and self.org_field == "organisation":
            obj.organisation_id = _org_id(request)
        super().save_model(request, obj, form, change)
        if obj.organisation_id:
            before, after = {}, {}
            for name in form.changed_data:
                secret = any(word in name for word in ("password", "secret", "key", "token"))
                before[name] = "…" if secret else form.initial.get(name)
                after[name] = "(…)" if secret else form.cleaned_data.get(name)
            record_change(
                obj.organisation,
                request.user,  # type: ignore[arg-type]
                "changed" if change else "created",
                obj,
                before if change else {},
                after,
            )

    def _allowed(self, request: HttpRequest) -> bool:
        return has_permission(request.user, "admin.use")

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._allowed(request)


@admin.register(Site, site=site)
class SiteAdmin(OrgScopedAdmin):
    list_display = ["name", "kind", "seat_capacity"]


@admin.register(Team, site=site)
class TeamAdmin(OrgScopedAdmin):
    list_display = ["name", "leader"]


@admin.register(Person, site=site)
class PersonAdmin(OrgScopedAdmin):
    list_display = ["full_name", "email", "team", "is_agent", "is_team_leader", "is_supervisor"]
    search_fields = ["full_name", "email"]
    fields = [
        "organisation",
        "full_name",
        "email",
        "phone",
        "language",
        "team",
        "is_agent",
        "is_team_leader",
        "is_supervisor",
        "is_planner",
        "is_org_admin",
        "default_site",
        "is_active",
    ]

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = list(self.fields)
        if not request.user.is_superuser:
            fields.remove("organisation")
        return fields


@admin.register(AuditEntry, site=site)
class AuditEntryAdmin(OrgScopedAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Organisation, site=site)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "time_zone"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(pk=_org_id(request))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return has_permission(request.user, "admin.use")

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)
