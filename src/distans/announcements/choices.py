from django.db import models
from django.utils.translation import gettext_lazy as _


class Priority(models.TextChoices):
    INFO = "info", _("Information")
    IMPORTANT = "important", _("Important")
    ACKNOWLEDGE = "acknowledge", _("Must be acknowledged")


class AudienceKind(models.TextChoices):
    EVERYONE = "everyone", _("Everyone")
    TEAMS = "teams", _("Teams")
    SITES = "sites", _("Sites")
    ROLES = "roles", _("Roles")
    SKILLS = "skills", _("Skills")
    QUEUES = "queues", _("Queues")
    HOME_TODAY = "home_today", _("Working from home today")
    OFFICE_TODAY = "office_today", _("At the office today")
    ON_SHIFT_TODAY = "on_shift_today", _("On shift today")


class ChatStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
