from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduleStatus(models.TextChoices):
    GENERATING = "generating", _("Being generated")
    DRAFT = "draft", _("Draft")
    FAILED = "failed", _("Failed")
    PUBLISHED = "published", _("Published")
    REPLACED = "replaced", _("Replaced")


class WorkLocation(models.TextChoices):
    OFFICE = "office", _("Office")
    HOME = "home", _("Home")


class ReminderReason(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled break")
    CONTINUOUS = "continuous", _("Long without a pause")
