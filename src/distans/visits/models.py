"""Visits by appointment: the services visitors can book, the visits (the visitor log,
deleted after ``VisitSettings.keep_days``) and the days a site closed for visits."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from distans.accounts.models import OrgOwned
from distans.visits.choices import ACTIVE_STATUSES, CancelledBy, MeetingMode, VisitStatus

DEFAULT_MEETING_PATTERN = "https://meet.jit.si/{org}-{token}"


def new_token() -> str:
    return secrets.token_urlsafe(12)


class VisitService(OrgOwned):
    """Something a visitor can book ("Bygglovsmöte", "ID-kontroll")."""

    name = models.CharField(_("name (Swedish)"), max_length=120)
    name_nb = models.CharField(_("name (Norwegian)"), max_length=120, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    site = models.ForeignKey(
        "accounts.Site", on_delete=models.PROTECT, related_name="+", verbose_name=_("site")
    )
    # Its opening hours: the queue's, on the one opening calendar (holidays included).
    hours_queue = models.ForeignKey(
        "routing.Queue",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opening hours of"),
        help_text=_(
            "Visits are booked within this queue's opening hours, holidays and special days."
        ),
    )
    duration_minutes = models.PositiveSmallIntegerField(_("length (minutes)"), default=30)
    buffer_minutes = models.PositiveSmallIntegerField(
        _("buffer after each visit (minutes)"), default=0
    )
    min_notice_hours = models.PositiveSmallIntegerField(_("book at least (hours) ahead"), default=2)
    horizon_days = models.PositiveSmallIntegerField(_("book at most (days) ahead"), default=30)
    capacity_per_slot = models.PositiveSmallIntegerField(_("visitors per slot"), default=1)
    capacity_per_day = models.PositiveSmallIntegerField(
        _("visitors per day, at most"), null=True, blank=True
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("staff who take it"),
        help_text=_("Slots follow their published shifts. Nobody chosen: the opening hours alone."),
    )
    meeting_mode = models.CharField(
        _("meeting"), max_length=10, choices=MeetingMode.choices, default=MeetingMode.SITE
    )
    reminder_hours = models.PositiveSmallIntegerField(
        _("remind (hours) before"), default=24, help_text=_("0: no reminder.")
    )
    active = models.BooleanField(_("bookable"), default=True)

    class Meta:
        verbose_name = _("visit service")
        verbose_name_plural = _("visit services")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "name"], name="visit_service_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str | None = None) -> str:
        language = (language or get_language() or "sv")[:2]
        if language == "nb" and self.name_nb:
            return self.name_nb
        if language == "en" and self.name_en:
            return self.name_en
        return self.name


class VisitSettings(OrgOwned):
    """One row per organisation."""

    keep_days = models.PositiveSmallIntegerField(
        _("keep the visitor log (days)"),
        default=30,
        help_text=_("Visits are deleted this many days after they took place."),
    )
    meeting_pattern = models.CharField(
        _("digital meeting link"),
        max_length=300,
        default=DEFAULT_MEETING_PATTERN,
        help_text=_("{org} and {token} are filled in, e.g. https://meet.jit.si/{org}-{token}."),
    )
    sms_reminders = models.BooleanField(_("remind by SMS too"), default=True)
    booking_only = models.BooleanField(
        _("walk-in desk closed: visits by appointment only"),
        default=False,
        help_text=_(
            "Shown on the public booking page and the day's visits. A continuity plan "
            "can switch it on while the plan is in force."
        ),
    )

    class Meta:
        verbose_name = _("visit settings")
        verbose_name_plural = _("visit settings")
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="one_visit_settings_per_org")
        ]


class Visit(OrgOwned):
    """One booking. ``seat`` (1 … the slot's capacity) makes a double booking of a
    place impossible in the database: no two active visits of a service share a start
    and a seat."""

    service = models.ForeignKey(VisitService, on_delete=models.CASCADE, related_name="visits")
    site = models.ForeignKey("accounts.Site", on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    seat = models.PositiveSmallIntegerField(default=1)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("with"),
    )
    name = models.CharField(_("name"), max_length=120)
    email = models.EmailField(_("e-mail"), max_length=254)
    phone = models.CharField(_("mobile phone"), max_length=32, blank=True)
    language = models.CharField(max_length=5, default="sv")
    digital = models.BooleanField(_("digital meeting"), default=False)
    meeting_url = models.CharField(max_length=400, blank=True)
    token = models.CharField(max_length=32, default=new_token, unique=True)
    sequence = models.PositiveSmallIntegerField(default=0)  # the .ics SEQUENCE
    # Where the visitor booked (scheme and host): the links in later mail start here.
    link_base = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=VisitStatus.choices, default=VisitStatus.BOOKED
    )
    note = models.TextField(_("note"), blank=True, max_length=4000)
    created_at = models.DateTimeField(default=timezone.now)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.CharField(max_length=12, choices=CancelledBy.choices, blank=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "starts_at", "seat"],
                condition=Q(status__in=[s.value for s in ACTIVE_STATUSES]),
                name="visit_one_visitor_per_seat",
            )
        ]
        indexes = [models.Index(fields=["site", "starts_at"], name="visit_site_start")]

    def __str__(self) -> str:
        return f"{self.name} {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class ClosedDay(OrgOwned):
    """A site closed for visits on a local date ("close this day")."""

    site = models.ForeignKey("accounts.Site", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        constraints = [
            models.UniqueConstraint(fields=["site", "day"], name="visit_closed_day_once")
        ]
