from django.db import models
from django.utils.translation import gettext_lazy as _


class CallState(models.TextChoices):
    QUEUED = "queued", _("In queue")
    CONNECTING = "connecting", _("Connecting to an agent")
    ANSWERED = "answered", _("Answered")
    ENDED = "ended", _("Ended")
    ABANDONED = "abandoned", _("Abandoned")
    CALLBACK = "callback", _("Callback requested")
    FALLBACK = "fallback", _("Given the fallback")


class EndpointKind(models.TextChoices):
    SIP = "sip", _("Softphone (SIP)")
    MOBILE = "mobile", _("Mobile number")
