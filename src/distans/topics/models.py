"""The topic tree per organisation, surge alerts, and the suggestion model's state."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distans.accounts.models import OrgOwned

PATH_SEPARATOR = " › "


class Topic(OrgOwned):
    """A node of the topic tree (e.g. Corona › Vaccination). Leaves are chosen at wrap-up."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        verbose_name=_("parent"),
    )  # fmt: skip
    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    ordering = models.IntegerField(_("order"), default=0)
    # Words that suggest this topic before any contact was registered (cold start).
    keywords = models.JSONField(_("keywords"), default=list, blank=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["ordering", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="topic_unique_code")
        ]

    def __str__(self) -> str:
        return self.name


class SurgeAlert(OrgOwned):
    """A topic (or queue) running significantly above its expected arrivals."""

    dimension = models.CharField(max_length=16, default="topic")  # "topic", "queue", "cluster"
    key = models.CharField(_("topic"), max_length=200)
    start = models.DateTimeField(_("since"))
    detected_at = models.DateTimeField(_("detected at"))
    score = models.FloatField(_("observed ÷ expected"))
    observed = models.IntegerField(default=0)
    expected = models.FloatField(default=0.0)
    method = models.CharField(max_length=16)
    ongoing = models.BooleanField(default=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("surge alert")
        verbose_name_plural = _("surge alerts")
        ordering = ["-detected_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "dimension", "key", "start"], name="surge_unique_episode"
            )
        ]


class TopicSettings(OrgOwned):
    """Per organisation: surge sensitivity and the suggestion model's training state."""

    surge_bin_minutes = models.PositiveIntegerField(_("surge bin (minutes)"), default=60)
    surge_threshold = models.FloatField(_("surge CUSUM threshold"), default=8.0)
    surge_tail_probability = models.FloatField(_("surge spike probability"), default=1e-9)
    surge_min_count = models.PositiveIntegerField(_("surge minimum count"), default=5)
    trained_at = models.DateTimeField(_("suggestions trained at"), null=True, blank=True)
    trained_contacts = models.PositiveIntegerField(_("contacts trained on"), default=0)
    training_metrics = models.JSONField(_("training results"), default=dict, blank=True)

    class Meta:
        verbose_name = _("topic settings")
        verbose_name_plural = _("topic settings")
        constraints = [
            models.UniqueConstraint(fields=["organisation"], name="one_topic_settings_per_org")
        ]
