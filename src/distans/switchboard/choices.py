from django.db import models
from django.utils.translation import gettext_lazy as _


class EntrySource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    CSV = "csv", _("CSV file")
    LDAP = "ldap", _("LDAP / Active Directory")


class AwayKind(models.TextChoices):
    MEETING = "meeting", _("In a meeting")
    LUNCH = "lunch", _("At lunch")
    LEAVE = "leave", _("On leave")
    SICK = "sick", _("Off sick")
    TRAVEL = "travel", _("Travelling")
    ELSEWHERE = "elsewhere", _("Working elsewhere")


class AwaySource(models.TextChoices):
    SELF = "self", _("Set by the person")
    CALENDAR = "calendar", _("From the calendar")


class MessageVia(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
