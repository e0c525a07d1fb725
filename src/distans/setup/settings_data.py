"""A queue's settings as plain data: what the settings page edits, the audit log
records (before/after) and ``distans config export`` writes. Overflow rules name
their target queue by code, so the data moves between installs."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from distans.core.errors import InvalidInput
from distans.routing.convert import calendar_of
from distans.routing.models import Queue

QUEUE_FIELDS = (
    "name",
    "code",
    "channels",
    "strategy",
    "offer_timeout_seconds",
    "wrap_up_seconds",
    "max_consecutive_timeouts",
    "priority",
    "aging_per_minute",
    "required_skills",
    "widening",
    "overflow",
    "max_wait_seconds",
    "fallback",
    "closed_fallback",
    "callback_valid_hours",
    "service_level_seconds",
    "service_level_target",
    "is_switchboard",
    "always_open",
    "weekly_hours",
    "holiday_country",
    "holiday_hours",
    "special_days",
    "waiting_texts",
)

TEXT_LANGUAGES = ("sv", "nb", "en")
TEXT_KINDS = ("waiting", "closed", "callback")


def queue_settings(queue: Queue) -> dict[str, Any]:
    return {name: getattr(queue, name) for name in QUEUE_FIELDS}


def apply_queue_settings(queue: Queue, data: dict[str, Any]) -> None:
    """Set ``data``'s fields on ``queue`` and check them all (model rules, opening
    hours through the calendar). Raises ValidationError; saves nothing."""
    unknown = set(data) - set(QUEUE_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown queue settings: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    for name, value in data.items():
        setattr(queue, name, value)
    # The queue's one constraint (its code, unique in the organisation) includes the
    # organisation, excluded here: the callers check the code themselves.
    queue.full_clean(
        exclude=["organisation", "round_robin_after"],
        validate_unique=False,
        validate_constraints=False,
    )
    always_open = queue.always_open
    queue.always_open = False  # the hours are checked even while they do not apply
    try:
        calendar_of(queue, queue.organisation.time_zone)
    except (InvalidInput, ValueError, TypeError, AttributeError):
        raise ValidationError(_("The opening hours are not valid.")) from None
    finally:
        queue.always_open = always_open
    if not isinstance(queue.channels, list):
        raise ValidationError(_("The channels must be a list."))
    for rule in queue.overflow or []:
        if not isinstance(rule, dict) or not rule.get("to"):
            raise ValidationError(_("Every overflow rule needs a queue to overflow to."))
    for step in queue.widening or []:
        if not isinstance(step, dict) or not isinstance(step.get("after_seconds"), int):
            raise ValidationError(_("Every widening step needs a number of seconds."))
