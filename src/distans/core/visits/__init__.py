"""Visits by appointment: which slots a service can offer, and the calendar file.

Public API: :class:`ServiceRules`, :class:`Booked`, :class:`Slot`, :func:`compute_slots`,
:func:`choose_staff`, :func:`day_load` (slots.py) and :func:`visit_ics` (ics.py).
See docs/dev/visits.md.
"""

from distans.core.visits.ics import IcsEvent, visit_ics
from distans.core.visits.slots import (
    Booked,
    ServiceRules,
    Slot,
    choose_staff,
    compute_slots,
    day_load,
)

__all__ = [
    "Booked",
    "IcsEvent",
    "ServiceRules",
    "Slot",
    "choose_staff",
    "compute_slots",
    "day_load",
    "visit_ics",
]
