"""Opening hours as people type them, and back: ``08:00–12:00, 13:00–17:00``.

The stored form is the one routing reads (``routing.Queue.weekly_hours``,
``special_days``, ``holiday_hours``: lists of ``["HH:MM", "HH:MM"]``); the pure core's
:class:`~distans.core.calendar.TimeRange` checks every range.
"""

from __future__ import annotations

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from distans.core.calendar import TimeRange
from distans.core.calendar.hours import normalise_ranges
from distans.core.errors import InvalidInput

_RANGE = re.compile(r"^\s*(\d{1,2}[:.]\d{2})\s*[-–—]\s*(\d{1,2}[:.]\d{2})\s*$")

Ranges = list[list[str]]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_ranges(text: str) -> Ranges:
    """``"08:00-12:00, 13:00-17:00"`` → ``[["08:00","12:00"], ["13:00","17:00"]]``;
    empty text → ``[]`` (closed). Raises ValidationError with a translated message."""
    text = (text or "").strip()
    if not text:
        return []
    ranges: list[TimeRange] = []
    for part in re.split(r"[,;]", text):
        if not part.strip():
            continue
        match = _RANGE.match(part)
        if match is None:
            raise ValidationError(
                _("“%(text)s” is not a time range such as 08:00–16:30.") % {"text": part.strip()}
            )
        start, end = (value.replace(".", ":") for value in match.groups())
        try:
            ranges.append(TimeRange.of(start, end))
        except InvalidInput:
            raise ValidationError(
                _("“%(text)s”: the start must be before the end, within 00:00–24:00.")
                % {"text": part.strip()}
            ) from None
    return [[_hhmm(r.start_minute), _hhmm(r.end_minute)] for r in normalise_ranges(tuple(ranges))]


def format_ranges(ranges: Ranges | None) -> str:
    return ", ".join(f"{start}–{end}" for start, end in ranges or [])


def parse_days(text: str) -> dict[str, Ranges]:
    """One day a line: ``2026-12-23 08:00–12:00`` (open with these hours) or
    ``2026-12-24`` alone (closed). Returns ``{"2026-12-23": [["08:00","12:00"]], …}``."""
    days: dict[str, Ranges] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        day_text, _sep, rest = line.partition(" ")
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            raise ValidationError(
                _("Line %(line)d: “%(text)s” does not start with a date such as 2026-12-24.")
                % {"line": number, "text": line}
            ) from None
        try:
            ranges = parse_ranges(rest)
        except ValidationError as exc:
            raise ValidationError(
                _("Line %(line)d: %(error)s") % {"line": number, "error": " ".join(exc.messages)}
            ) from None
        if day.isoformat() in days:
            raise ValidationError(
                _("Line %(line)d: %(day)s is given twice.") % {"line": number, "day": day}
            )
        days[day.isoformat()] = ranges
    return dict(sorted(days.items()))


def format_days(days: dict[str, Ranges] | None) -> str:
    return "\n".join(
        f"{day} {format_ranges(ranges)}".rstrip() for day, ranges in sorted((days or {}).items())
    )
