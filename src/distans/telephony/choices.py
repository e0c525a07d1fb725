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
    CONSULTING = "consulting", _("On hold while the agent consults")
    TRANSFERRING = "transferring", _("Being put through")
    TRANSFERRED = "transferred", _("Put through")


class TransferMode(models.TextChoices):
    BLIND = "blind", _("Put through at once")
    CONSULT = "consult", _("Consult first")
    COMPLETE = "complete", _("Put through after consulting")
    CANCEL = "cancel", _("Back to the caller")


class EndpointKind(models.TextChoices):
    SIP = "sip", _("Softphone (SIP)")
    MOBILE = "mobile", _("Mobile number")
