from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class VisitStatus(models.TextChoices):
    BOOKED = "booked", pgettext_lazy("visit status", "Booked")
    CHECKED_IN = "checked_in", pgettext_lazy("visit status", "Checked in")
    NO_SHOW = "no_show", pgettext_lazy("visit status", "Did not come")
    CANCELLED = "cancelled", pgettext_lazy("visit status", "Cancelled")


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
