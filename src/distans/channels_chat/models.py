"""Chat widgets (one per website and queue) and the visitor sessions they open."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distans.accounts.models import LiveManager, OrgOwned, OrgQuerySet


def new_widget_key() -> str:
    return secrets.token_urlsafe(18)


class ChatWidget(OrgOwned):
    """The chat widget and web form an organisation embeds on its own website.

    ``key`` is public (it is in the script tag); what protects the widget is the
    Origin check against ``allowed_origins`` and the per-visitor and per-IP limits.
    """

    name = models.CharField(_("name"), max_length=200)
    key = models.CharField(_("public key"), max_length=64, unique=True, default=new_widget_key)
    queue = models.ForeignKey(
        "routing.Queue", on_delete=models.PROTECT, related_name="+", verbose_name=_("queue")
    )
    # ["https://www.example.se", "https://example.se"] — scheme, host and port, no path.
    allowed_origins = models.JSONField(_("allowed origins"), default=list, blank=True)
    # {"sv": "Hej! …", "nb": "Hei! …", "en": "Hello! …"}
    greetings = models.JSONField(_("greetings"), default=dict, blank=True)
    # The web form's topic choices until the topics app provides a tree.
    topics = models.JSONField(_("form topics"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # The launcher's and header's background ("#0b4f9c"; empty: the built-in), white
    # text on it: the settings page refuses colours below 4.5:1 contrast.
    colour = models.CharField(_("colour"), max_length=7, blank=True)
    # The web form's thank-you text per language ({"sv": …}; empty: the built-in).
    form_confirmation = models.JSONField(_("form confirmation"), default=dict, blank=True)
    #: the web form's optional fields: {"name"|"phone": "optional"|"required"|"hidden",
    #: "attachment": "optional"|"hidden"}; missing = optional (forms.FORM_FIELDS)
    form_fields = models.JSONField(_("web form fields"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Set when a continuity plan's temporary item that has history is put away: hidden
    # from the setup (default manager), kept for its history (``all_objects``).
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects: ClassVar[Any] = LiveManager()
    all_objects: ClassVar[Any] = OrgQuerySet.as_manager()

    class Meta:
        verbose_name = _("chat widget")
        verbose_name_plural = _("chat widgets")

    def __str__(self) -> str:
        return self.name

    def greeting(self, language: str) -> str:
        texts = self.greetings or {}
        return str(texts.get(language) or texts.get("sv") or next(iter(texts.values()), ""))


class ChatSession(OrgOwned):
    """One visitor's chat: a contact, bound to a random visitor token of which only the
    SHA-256 hash is stored."""

    widget = models.ForeignKey(ChatWidget, on_delete=models.CASCADE, related_name="sessions")
    contact = models.OneToOneField(
        "contacts.Contact", on_delete=models.CASCADE, related_name="chat_session"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    language = models.CharField(max_length=8, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now, db_index=True)
    transcripts_sent = models.PositiveSmallIntegerField(default=0)
