from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")


# A seat stays taken unless the visit is cancelled.
ACTIVE_STATUSES = (VisitStatus.BOOKED, VisitStatus.CHECKED_IN, VisitStatus.NO_SHOW)


class MeetingMode(models.TextChoices):
    SITE = "site", _("At the office only")
    DIGITAL = "digital", _("Digital meeting only")
    CHOICE = "choice", _("The visitor chooses")


class CancelledBy(models.TextChoices):
    VISITOR = "visitor", _("the visitor")
    STAFF = "staff", _("staff")
    CLOSED_DAY = "closed_day", _("the day was closed")
