"""Weekly check-ins, daily team meetings and anonymous pulse surveys.

Check-ins are personal: who talked to whom, when and how, with private notes that only
the person's team leader and HR (organisation admins) read.

Pulse answers are anonymous by design — nothing stored with an answer points to a
person, to a moment finer than the ISO week, or to the order in which people answered:

* scores are **tallies** (how many answered 4 to this question in this team this week),
  never one row per person; a team's whole grid (question × value, from zero) is made
  at its first answer and every answer rewrites all of it, so neither which rows exist
  nor their physical order (PostgreSQL appends every updated row) tells what was
  answered last;
* comments have a random UUID key and no time of their own, and the round's comments
  are rewritten in random order at each new one;
* who took part is kept apart (``PulseParticipation``), one row per person created for
  everyone when the week's round opens (shuffled), and an answer rewrites every row of
  the round, so its order is never the order of answering;
* a team smaller than :data:`STORAGE_FLOOR` answers into the organisation's bucket
  (``team`` empty), so a team of one or two cannot be read off the tables.

``tests/web/test_wellbeing_anonymity.py`` checks these properties on the tables.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distans.accounts.models import OrgOwned
from distans.wellbeing.choices import Category, CheckInKind, CheckInStatus, QuestionKind

#: A team with fewer active members than this stores its answers with the organisation.
STORAGE_FLOOR = 3


class WellbeingSettings(OrgOwned):
    """One row per organisation (created with the defaults when first read)."""

    min_scores = models.PositiveSmallIntegerField(
        _("fewest answers before scores are shown"), default=5
    )
    min_comments = models.PositiveSmallIntegerField(
        _("fewest comments before comments are shown"), default=10
    )
    questions_per_week = models.PositiveSmallIntegerField(_("questions per week"), default=4)
    pool_weeks = models.PositiveSmallIntegerField(
        _("weeks a small team's answers may be pooled over"), default=4
    )
    checkin_days = models.PositiveSmallIntegerField(
        _("days before a person counts as not checked on"), default=7
    )

    class Meta:
        verbose_name = _("wellbeing settings")
        verbose_name_plural = _("wellbeing settings")
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="wellbeing_settings_one")
        ]


class CheckIn(OrgOwned):
    """A planned or held one-to-one talk between a team leader and one of their people."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="checkins",
        verbose_name=_("person"),
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team leader"),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=CheckInStatus.choices, default=CheckInStatus.PLANNED
    )
    kind = models.CharField(
        _("how"), max_length=16, choices=CheckInKind.choices, default=CheckInKind.CALL
    )
    planned_for = models.DateField(_("planned for"), null=True, blank=True)
    held_on = models.DateField(_("held on"), null=True, blank=True, db_index=True)
    #: private: the person's team leader and HR (organisation admins) only
    notes = models.TextField(_("private notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-held_on", "-planned_for", "-created_at"]


class FollowUp(OrgOwned):
    """Something a check-in left to do (order a headset, ask IT, talk again on Friday)."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="follow_ups")
    text = models.CharField(_("follow-up"), max_length=500)
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["done_at", "due_on", "pk"]


class CheckInReminder(OrgOwned):
    """The daily reminder to a team leader about people not checked on (one a day)."""

    leader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    overdue = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["leader", "day"], name="checkin_reminder_daily")
        ]


class TeamMeeting(OrgOwned):
    """The team's daily meeting (video or in person) and who attended."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("present")
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("team meeting")
        verbose_name_plural = _("team meetings")
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["team", "day"], name="team_meeting_daily")]


class PulseQuestion(OrgOwned):
    """A question of the organisation's bank (seeded from ``bank.py``)."""

    code = models.SlugField(max_length=40)
    category = models.CharField(_("area"), max_length=16, choices=Category.choices)
    kind = models.CharField(_("scale"), max_length=8, choices=QuestionKind.choices)
    text_sv = models.CharField(_("question (Swedish)"), max_length=300)
    text_nb = models.CharField(_("question (Norwegian)"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("pulse question")
        verbose_name_plural = _("pulse questions")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="pulse_question_code")
        ]

    def __str__(self) -> str:
        return self.text_sv

    def text_in(self, language: str) -> str:
        return str(getattr(self, f"text_{language}", "") or self.text_sv)

    @property
    def top(self) -> int:
        return 10 if self.kind == QuestionKind.ENPS else 5

    @property
    def bottom(self) -> int:
        return 0 if self.kind == QuestionKind.ENPS else 1


class PulseRound(OrgOwned):
    """One ISO week's survey: the questions asked that week (fixed when it opens)."""

    iso_year = models.PositiveSmallIntegerField()
    iso_week = models.PositiveSmallIntegerField()
    question_ids = models.JSONField(default=list)

    class Meta:
        ordering = ["-iso_year", "-iso_week"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "iso_year", "iso_week"], name="pulse_round_weekly"
            )
        ]

    @property
    def label(self) -> str:
        return f"{self.iso_year}-W{self.iso_week:02d}"


class PulseParticipation(OrgOwned):
    """Whether a person has answered a round — kept apart from the answers, with no
    time; every row is created when the round opens, so their order says nothing."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    answered = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="pulse_participation_once")
        ]


class PulseTally(OrgOwned):
    """How many in a team gave ``value`` to a question in a round. No person, no time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(PulseQuestion, on_delete=models.CASCADE, related_name="+")
    #: empty: the organisation's bucket (a team below the storage floor)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    value = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)


class PulseComment(OrgOwned):
    """An anonymous comment, answerable by a leader who never learns its writer."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    round = models.ForeignKey(PulseRound, on_delete=models.CASCADE, related_name="+")
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("comment"))
    reply = models.TextField(_("answer"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)
