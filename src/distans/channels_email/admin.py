from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from distans.accounts.admin import OrgScopedAdmin, site
from distans.channels_email.models import Mailbox, OutgoingMail


class MailboxForm(forms.ModelForm):
    class Meta:
        model = Mailbox
        fields = "__all__"
        widgets = {
            "imap_password": forms.PasswordInput(render_value=False),
            "smtp_password": forms.PasswordInput(render_value=False),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # secrets are never shown back: empty keeps the stored one
            for name in ("imap_password", "smtp_password"):
                self.fields[name].required = False
                self.fields[name].help_text = _("Leave empty to keep the saved password.")

    def clean_imap_password(self) -> str:
        return self.cleaned_data.get("imap_password") or (self.instance.imap_password if self.instance.pk else "")

    def clean_smtp_password(self) -> str:
        return self.cleaned_data.get("smtp_password") or (self.instance.smtp_password if self.instance.pk else "")


@admin.register(Mailbox, site=site)
class MailboxAdmin(OrgScopedAdmin):
    form = MailboxForm
    list_display = ["address", "queue", "active", "last_fetched_at", "last_error", "last_error_at"]
    list_filter = ["active"]
    search_fields = ["address"]
    readonly_fields = ["last_fetched_at", "last_error", "last_error_at", "uidvalidity", "last_uid"]
    fieldsets = [
        (None, {"fields": ["organisation", "queue", "address", "active", "auto_acknowledge"]}),
        (
            _("Incoming (IMAP)"),
            {
                "fields": [
                    "imap_host",
                    "imap_port",
                    "use_ssl",
                    "imap_username",
                    "imap_password",
                    "folder",
                ]
            },
        ),
        (
            _("Outgoing (SMTP)"),
            {
                "fields": [
                    "smtp_host",
                    "smtp_port",
                    "smtp_use_tls",
                    "smtp_username",
                    "smtp_password",
                    "from_name",
                ]
            },
        ),
        (_("Handling"), {"fields": ["case_tag_template", "max_message_bytes"]}),
        (_("Status"), {"fields": readonly_fields}),
    ]

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        if request.user.is_superuser:
            return self.fieldsets
        first = [f for f in self.fieldsets[0][1]["fields"] if f != "organisation"]
        return [(None, {"fields": first}), *self.fieldsets[1:]]


@admin.register(OutgoingMail, site=site)
class OutgoingMailAdmin(OrgScopedAdmin):
    """Every mail Distans sent or tries to send, with its state; read only, except
    "try again now" for mail that failed."""

    list_display = [
        "created_at",
        "purpose",
        "recipients",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = ["status", "purpose"]
    search_fields = ["recipients", "subject"]
    exclude = ["raw"]
    actions = ["try_again_now"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.action(description=_("Try to send again now"))
    def try_again_now(self, request: HttpRequest, queryset: Any) -> None:
        from distans.channels_email.outbox import retry_now

        count = retry_now(queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)s e-mail will be tried again now.",
                "%(count)s e-mails will be tried again now.",
                count,
            )
            % {"count": count},
        )
