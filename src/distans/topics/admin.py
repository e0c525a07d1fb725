from __future__ import annotations

from typing import Any

from distans.accounts.admin import OrgScopedAdmin, site
from distans.topics.models import SurgeAlert, Topic, TopicSettings


class TopicAdmin(OrgScopedAdmin):
    list_display = ("code", "name", "parent", "active", "ordering")
    list_filter = ("active",)
    search_fields = ("code", "name")


class SurgeAlertAdmin(OrgScopedAdmin):
    list_display = ("dimension", "key", "start", "detected_at", "score", "ongoing")
    # Alerts are detected, not written by hand: their times are shown, not edited.
    readonly_fields = ("start", "detected_at", "created_at", "updated_at")

    def has_add_permission(self, request: Any) -> bool:
        return False


class TopicSettingsAdmin(OrgScopedAdmin):
    readonly_fields = ("trained_at", "trained_contacts", "training_metrics")


site.register(Topic, TopicAdmin)
site.register(SurgeAlert, SurgeAlertAdmin)
site.register(TopicSettings, TopicSettingsAdmin)
