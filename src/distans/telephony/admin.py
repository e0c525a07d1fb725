from django.contrib import admin

from distans.accounts.admin import OrgScopedAdmin, site
from distans.telephony.models import Line, TelephonySettings


@admin.register(Line, site=site)
class LineAdmin(OrgScopedAdmin):
    list_display = ["name", "number", "queue"]
    readonly_fields = ("archived_at",)  # archived by continuity plans, not by hand


@admin.register(TelephonySettings, site=site)
class TelephonySettingsAdmin(OrgScopedAdmin):
    list_display = ["webhook_url", "callback_max_attempts", "callback_valid_hours"]
