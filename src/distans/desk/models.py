"""The agent desktop's own rows: wrap-up topics (until the topic tree lands), canned
answers, "ask a colleague" threads and the team's knowledge articles."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distans.accounts.models import OrgOwned


class TopicChoice(OrgOwned):
    """A flat wrap-up topic. Swappable: ``desk.topics.topic_names`` is the only reader,
    and the topics app replaces it with its tree."""

    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("wrap-up topic")
        verbose_name_plural = _("wrap-up topics")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="desk_topic_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class CannedAnswer(OrgOwned):
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))

    class Meta:
        verbose_name = _("canned answer")
        verbose_name_plural = _("canned answers")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Consultation(OrgOwned):
    """An internal thread on a case: an agent asks colleagues (seed 002)."""

    contact = models.ForeignKey(
        "contacts.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    started_by = models.ForeignKey("accounts.Person", on_delete=models.CASCADE, related_name="+")
    participants = models.ManyToManyField("accounts.Person", related_name="consultations")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-updated_at"]


class ConsultationMessage(OrgOwned):
    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey("accounts.Person", on_delete=models.CASCADE, related_name="+")
    body = models.TextField(_("message"))
    mentions = models.ManyToManyField("accounts.Person", blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class Article(OrgOwned):
    """A knowledge article the team keeps current (seed 003)."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    updated_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_by = models.ForeignKey(
        "accounts.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.title


class ArticleRead(OrgOwned):
    """When a person last opened an article: "new/changed since you last looked"."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="reads")
    person = models.ForeignKey("accounts.Person", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "person"], name="desk_one_read_per_person")
        ]
