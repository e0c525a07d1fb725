from django.db import models
from django.utils.translation import gettext_lazy as _


class AbsenceKind(models.TextChoices):
    SICK = "sick", _("Sick")
    CHILD_SICK = "child_sick", _("Care of a sick child")
    OTHER = "other", _("Other absence")


class ReportedVia(models.TextChoices):
    DESK = "desk", _("In Distans")
    API = "api", _("Phone or API")
    LEADER = "leader", _("By the team leader")


class ReadinessItem(models.TextChoices):
    HEADSET = "headset", _("Headset")
    SCREEN = "screen", _("Screen")
    PHONE = "phone", _("Phone or smartphone")
    SOFTPHONE = "softphone", _("VPN and softphone test")
    NETWORK = "network", _("Home network")


class ReadinessStatus(models.TextChoices):
    NOT_CHECKED = "not_checked", _("Not checked")
    OK = "ok", _("Works")
    PROBLEM = "problem", _("Problem")


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class SwapStatus(models.TextChoices):
    ASKED = "asked", _("Waiting for the colleague")
    AGREED = "agreed", _("Waiting for the leader")
    APPROVED = "approved", _("Approved")
    DECLINED = "declined", _("Declined by the colleague")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class BreakOutcome(models.TextChoices):
    TAKEN = "taken", _("Taken")
    SHORTENED = "shortened", _("Shortened")
    SKIPPED = "skipped", _("Skipped")
