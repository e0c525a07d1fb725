from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckInKind(models.TextChoices):
    CALL = "call", _("Phone call")
    VIDEO = "video", _("Video call")
    IN_PERSON = "in_person", _("In person")


class CheckInStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Category(models.TextChoices):
    WELLBEING = "wellbeing", _("Wellbeing")
    WORKLOAD = "workload", _("Workload")
    REMOTE = "remote", _("Remote work")
    LEADERSHIP = "leadership", _("Leadership")
    ENPS = "enps", _("eNPS")


class QuestionKind(models.TextChoices):
    SCALE = "scale", _("Scale 1–5")
    ENPS = "enps", _("Scale 0–10 (eNPS)")
