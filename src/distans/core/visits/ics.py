"""An iCalendar (RFC 5545) file for one visit: what the confirmation mail attaches.

``visit_ics`` writes one VEVENT in UTC with a stable UID (so a moved visit replaces
the old entry in the visitor's calendar and a cancellation removes it), CRLF line
ends, text escaped and lines folded at 75 octets.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from distans.core.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class IcsEvent:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str = ""
    description: str = ""
    url: str = ""
    sequence: int = 0
    organiser_name: str = ""
    organiser_email: str = ""


def _stamp(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput("Calendar times must be timezone-aware.")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(text: str) -> str:
    """Escape a TEXT value: backslash, semicolon, comma and line breaks."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets (continuations start with one space),
    never inside a UTF-8 character."""
    out: list[str] = []
    current = ""
    limit = 75
    for char in line:
        if len((current + char).encode()) > limit:
            out.append(current)
            current = " " + char
            limit = 75
        else:
            current += char
    out.append(current)
    return "\r\n".join(out)


def visit_ics(event: IcsEvent, *, stamp: datetime, cancelled: bool = False) -> str:
    """The calendar file (text); ``cancelled`` makes it a cancellation of the same UID."""
    if event.ends_at <= event.starts_at:
        raise InvalidInput("A visit must end after it starts.")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Distans//Visits//EN",
        "CALSCALE:GREGORIAN",
        f"METHOD:{'CANCEL' if cancelled else 'PUBLISH'}",
        "BEGIN:VEVENT",
        f"UID:{escape_text(event.uid)}",
        f"DTSTAMP:{_stamp(stamp)}",
        f"DTSTART:{_stamp(event.starts_at)}",
        f"DTEND:{_stamp(event.ends_at)}",
        f"SEQUENCE:{event.sequence}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    if event.url:
        lines.append(f"URL:{event.url}")
    if event.organiser_email:
        name = event.organiser_name.replace('"', "'")
        lines.append(f'ORGANIZER;CN="{name}":mailto:{event.organiser_email}')
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(fold(line) for line in lines) + "\r\n"
