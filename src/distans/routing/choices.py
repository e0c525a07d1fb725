from django.db import models
from django.utils.translation import gettext_lazy as _


class Presence(models.TextChoices):
    AVAILABLE = "available", _("Available")
    BUSY = "busy", _("Busy")
    WRAP_UP = "wrap_up", _("Wrap-up")
    BREAK = "break", _("Break")
    AWAY = "away", _("Away (not responding)")
    OFFLINE = "offline", _("Offline")


class Strategy(models.TextChoices):
    LONGEST_IDLE = "longest_idle", _("Longest idle agent")
    LEAST_OCCUPIED = "least_occupied", _("Least occupied agent")
    ROUND_ROBIN = "round_robin", _("Round robin")
    BEST_SKILL = "best_skill", _("Best skill level first")


class FallbackKind(models.TextChoices):
    CALLBACK_OFFER = "callback_offer", _("Offer a callback")
    VOICEMAIL = "voicemail", _("Voicemail / leave a message")
    CLOSED_MESSAGE = "closed_message", _("Closed message")


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    TIMED_OUT = "timed_out", _("Timed out")
    CANCELLED = "cancelled", _("Cancelled")


class BreakReason(models.TextChoices):
    BREAK = "break", _("Break")
    LUNCH = "lunch", _("Lunch")
    MEETING = "meeting", _("Meeting")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other")
