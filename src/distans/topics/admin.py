from __future__ import annotations

from distans.accounts.admin import OrgScopedAdmin, site
from distans.topics.models import SurgeAlert, Topic, TopicSettings


class TopicAdmin(OrgScopedAdmin):
    list_display = ("code", "name", "parent", "active", "ordering")
    list_filter = ("active",)
    search_fields = ("code", "name")


class SurgeAlertAdmin(OrgScopedAdmin):
    list_display = ("dimension", "key", "start", "detected_at", "score", "ongoing")


site.register(Topic, TopicAdmin)
site.register(SurgeAlert, SurgeAlertAdmin)
site.register(TopicSettings, OrgScopedAdmin)
