from django.contrib import admin

from distans.accounts.admin import OrgScopedAdmin, site
from distans.channels_chat.models import ChatWidget


@admin.register(ChatWidget, site=site)
class ChatWidgetAdmin(OrgScopedAdmin):
    list_display = ("name", "queue", "active", "key")
    readonly_fields = ("key", "created_at", "archived_at")  # archived by continuity plans, not by hand
