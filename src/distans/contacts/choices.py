from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    CHAT = "chat", _("Chat")
    FORM = "form", _("Web form")
    CALLBACK = "callback", _("Callback")


class ContactStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered")
    ACTIVE = "active", _("In progress")
    COMPLETED = "completed", _("Completed")
    ABANDONED = "abandoned", _("Abandoned")
    FALLBACK = "fallback", _("Given the fallback")


class MessageDirection(models.TextChoices):
    INBOUND = "in", _("From the customer")
    OUTBOUND = "out", _("To the customer")
    INTERNAL = "internal", _("Internal note")
    SYSTEM = "system", _("System")


OPEN_STATUSES = (ContactStatus.WAITING, ContactStatus.OFFERED, ContactStatus.ACTIVE)
QUEUED_STATUSES = (ContactStatus.WAITING, ContactStatus.OFFERED)
