"""Telephony: queue lines, the organisation's PBX settings and one row per call."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distans.accounts.models import LiveManager, OrgOwned, OrgQuerySet
from distans.telephony.choices import CallState


class TelephonySettings(OrgOwned):
    """How Distans talks to this organisation's PBX / telephony provider."""

    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret = models.CharField(_("webhook signing secret"), max_length=200, blank=True)
    callback_max_attempts = models.PositiveIntegerField(_("callback attempts"), default=3)
    callback_valid_hours = models.PositiveIntegerField(_("callback valid for (hours)"), default=8)
    prefer_mobile_at_home = models.BooleanField(
        _("ring agents working from home on their mobile"), default=True
    )

    class Meta:
        verbose_name = _("telephony settings")
        verbose_name_plural = _("telephony settings")
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="one_telephony_settings_per_org")
        ]


class Line(OrgOwned):
    """A queue line ("slinga") or the switchboard number, mapped to a queue."""

    number = models.CharField(_("number"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    queue = models.ForeignKey("routing.Queue", on_delete=models.PROTECT, verbose_name=_("queue"))
    # Set when a continuity plan's temporary item that has history is put away: hidden
    # from the setup (default manager), kept for its history (``all_objects``).
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects: ClassVar[Any] = LiveManager()
    all_objects: ClassVar[Any] = OrgQuerySet.as_manager()

    class Meta:
        verbose_name = _("line")
        verbose_name_plural = _("lines")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="line_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"


class Call(OrgOwned):
    contact = models.OneToOneField("contacts.Contact", on_delete=models.CASCADE, related_name="call")
    call_id = models.CharField(_("call id"), max_length=200)
    line = models.ForeignKey(Line, null=True, blank=True, on_delete=models.SET_NULL)
    caller_number = models.CharField(_("caller"), max_length=40, blank=True)
    state = models.CharField(max_length=16, choices=CallState.choices, default=CallState.QUEUED)
    endpoint_kind = models.CharField(max_length=8, blank=True)
    endpoint_address = models.CharField(max_length=200, blank=True)
    callback_number = models.CharField(max_length=40, blank=True)
    callback_attempts = models.PositiveIntegerField(default=0)
    transfer_number = models.CharField(_("put through to"), max_length=40, blank=True)
    callback_valid_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "call_id"], name="call_unique_id")
        ]
