"""Who read which contact, searchable by the organisation's admins (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from distans.accounts.admin import OrgScopedAdmin, site
from distans.contacts.models import ContactRead, RetentionPolicy


@admin.register(ContactRead, site=site)
class ContactReadAdmin(OrgScopedAdmin):
    list_display = ("at", "contact_id", "person_name", "what")
    list_filter = ("what",)
    search_fields = ("=contact__id", "person_name", "person__email")
    date_hierarchy = "at"
    ordering = ("-at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def get_search_results(self, request: HttpRequest, queryset: Any, search_term: str) -> Any:
        if search_term.strip().isdigit() and len(search_term.strip()) > 18:
            return queryset.none(), False  # past a bigint: no case has that number
        return super().get_search_results(request, queryset, search_term)


@admin.register(RetentionPolicy, site=site)
class RetentionPolicyAdmin(OrgScopedAdmin):
    list_display = ("contact_content_days", "chat_transcript_days", "email_body_days",
                    "attachment_days", "visitor_log_days", "audit_days")  # fmt: skip
