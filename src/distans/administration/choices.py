from django.db import models
from django.utils.translation import gettext_lazy as _


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Gave up")


class WebhookEvent(models.TextChoices):
    """Events an outgoing webhook may subscribe to: the routing event log's names
    (``core.routing.decisions.EventName``) of what happens to contacts."""

    CONTACT_QUEUED = "contact_queued", _("A contact arrived in a queue")
    ACCEPTED = "accepted", _("An agent took a contact")
    TRANSFERRED = "transferred", _("A contact was transferred")
    OVERFLOWED = "overflowed", _("A contact overflowed to another queue")
    FALLBACK_GIVEN = "fallback_given", _("A waiting contact was given a fallback")
    CALLBACK_REQUESTED = "callback_requested", _("A callback was requested")
    ABANDONED = "abandoned", _("A contact was abandoned")
    COMPLETED = "completed", _("A contact was completed")
