"""Opening hours: one calendar model for every channel and queue.

Public API: :class:`OpeningCalendar` (``is_open``, ``next_opening``, ``next_closing``,
``opening_intervals``), :class:`TimeRange`, :class:`DayOverride`, the built-in
holiday calendars (:func:`swedish_holidays`, :func:`norwegian_holidays`) and
:func:`easter_sunday`. See docs/dev/routing.md.
"""

from distans.core.calendar.easter import easter_sunday
from distans.core.calendar.holidays import (
    HOLIDAY_CALENDARS,
    Holiday,
    holidays_for,
    norwegian_holidays,
    swedish_holidays,
)
from distans.core.calendar.hours import DayHours, DayOverride, TimeRange
from distans.core.calendar.opening_calendar import OpeningCalendar

__all__ = [
    "HOLIDAY_CALENDARS",
    "DayHours",
    "DayOverride",
    "Holiday",
    "OpeningCalendar",
    "TimeRange",
    "easter_sunday",
    "holidays_for",
    "norwegian_holidays",
    "swedish_holidays",
]
