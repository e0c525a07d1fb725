"""Announcements to staff, with proof per person: delivered, seen, acknowledged.

An announcement has its text in Swedish (required), Norwegian and English, Markdown
rendered and sanitised (``render.py``). Sending fixes its audience (``Receipt`` rows,
one per person); editing after sending keeps the old text (``Revision``) and may ask
everyone for a new acknowledgement (``ack_version``)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distans.accounts.models import OrgOwned
from distans.announcements.choices import AudienceKind, ChatStatus, Priority


class Announcement(OrgOwned):
    title_sv = models.CharField(_("title (Swedish)"), max_length=200)
    title_nb = models.CharField(_("title (Norwegian)"), max_length=200, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    body_sv = models.TextField(_("text (Swedish)"))
    body_nb = models.TextField(_("text (Norwegian)"), blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    priority = models.CharField(
        _("priority"), max_length=16, choices=Priority.choices, default=Priority.INFO
    )
    blocks_available = models.BooleanField(
        _("must be acknowledged before going available"), default=False
    )
    audience_kind = models.CharField(
        _("audience"), max_length=16, choices=AudienceKind.choices, default=AudienceKind.EVERYONE
    )
    #: ids (teams, sites, queues) or names (roles, skills) for the audience kinds that need them
    audience_values = models.JSONField(default=list, blank=True)
    articles = models.ManyToManyField(
        "desk.Article", blank=True, related_name="+", verbose_name=_("knowledge articles")
    )
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    send_at = models.DateTimeField(_("send at"), null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)
    by_email = models.BooleanField(_("also by e-mail"), default=False)
    to_chat = models.BooleanField(_("also to the chat tools"), default=False)
    remind_after_hours = models.PositiveSmallIntegerField(
        _("remind again after (hours)"), default=4
    )
    escalate_after_hours = models.PositiveSmallIntegerField(
        _("tell the team leader after (hours)"), default=8
    )
    version = models.PositiveIntegerField(default=1)
    #: the version whose acknowledgement is asked for
    ack_version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title_sv

    @property
    def must_acknowledge(self) -> bool:
        return self.priority == Priority.ACKNOWLEDGE

    def title_in(self, language: str) -> str:
        return str(getattr(self, f"title_{language}", "") or self.title_sv)

    def body_in(self, language: str) -> str:
        return str(getattr(self, f"body_{language}", "") or self.body_sv)


class Revision(OrgOwned):
    """The text of an announcement as it was before an edit after sending."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="revisions"
    )
    version = models.PositiveIntegerField()
    title_sv = models.CharField(max_length=200)
    body_sv = models.TextField()
    texts = models.JSONField(default=dict)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(default=timezone.now)
    asked_new_ack = models.BooleanField(default=False)

    class Meta:
        ordering = ["-version"]


class Receipt(OrgOwned):
    """One person's proof for one announcement."""

    announcement = models.ForeignKey(
        Announcement, on_delete=models.CASCADE, related_name="receipts"
    )
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    delivered_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_version = models.PositiveIntegerField(default=0)
    reminders = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    next_reminder_at = models.DateTimeField(null=True, blank=True, db_index=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    mail = models.ForeignKey(
        "channels_email.OutgoingMail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["announcement", "person"], name="announcement_one_receipt"
            )
        ]
        indexes = [
            models.Index(fields=["person", "acknowledged_version"], name="receipt_person_ack")
        ]


class ChatTarget(OrgOwned):
    """Where the organisation's or one team's chat tool listens: an Apprise URL
    (``mmosts://``, ``matrixs://``, ``zulip://``, ``msteams://``, ``slack://``, ``json://`` …)."""

    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("team (empty: the whole organisation)"),
    )
    url = models.CharField(_("Apprise URL"), max_length=500)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("chat tool")
        verbose_name_plural = _("chat tools")

    def __str__(self) -> str:
        return self.name


class ChatNotice(OrgOwned):
    """One message to one chat tool (recorded, retried like the e-mail outbox)."""

    target = models.ForeignKey(ChatTarget, on_delete=models.CASCADE, related_name="notices")
    announcement = models.ForeignKey(
        Announcement, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=300)
    body = models.TextField()
    status = models.CharField(max_length=8, choices=ChatStatus.choices, default=ChatStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)


class Phase(OrgOwned):
    """A phase of the home-working period, as published to staff: its name, dates, the
    rules in plain words and when it is reviewed. The phase whose dates hold today is
    the current one; its start is announced to everyone automatically."""

    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True)
    rules = models.TextField(
        _("rules"), help_text=_("Markdown: **bold**, *italic*, lists with -, links.")
    )
    review_on = models.DateField(_("reviewed"), null=True, blank=True)
    announcement = models.ForeignKey(
        Announcement, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        ordering = ["starts_on"]

    def __str__(self) -> str:
        return self.name


class Question(OrgOwned):
    """A staff question about work and rules. Answered privately (only the asker sees
    the answer) or to all (it joins the searchable staff FAQ)."""

    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("question"))
    asked_at = models.DateTimeField(default=timezone.now, db_index=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    to_all = models.BooleanField(_("answer to all (staff FAQ)"), default=False)

    class Meta:
        verbose_name = _("staff question")
        verbose_name_plural = _("staff questions")
        ordering = ["-asked_at"]


WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class NewsletterSettings(OrgOwned):
    """Whether the staff newsletter goes out by itself each week, and when (the
    organisation's time zone)."""

    weekly = models.BooleanField(_("send it every week"), default=False)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=WEEKDAYS, default=4)
    hour = models.PositiveSmallIntegerField(
        _("hour"), default=14, validators=[MinValueValidator(0), MaxValueValidator(23)]
    )

    class Meta:
        verbose_name = _("newsletter settings")
        verbose_name_plural = _("newsletter settings")
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="one_newsletter_settings")
        ]


class NewsletterIssue(OrgOwned):
    """One sending of the newsletter. At most one weekly (automatic) issue per ISO week
    and organisation, so several worker processes never send it twice."""

    week = models.CharField(max_length=8)  # ISO week, e.g. "2026-W49"
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic = models.BooleanField(default=False)
    recipients = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "week"],
                condition=models.Q(automatic=True),
                name="one_weekly_newsletter_per_week",
            )
        ]
