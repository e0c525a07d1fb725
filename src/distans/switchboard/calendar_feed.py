"""People's calendar feeds (ICS, RFC 5545): when are they busy?

Parsed with ``icalendar`` (the field's library: time zones, folded lines and escaped
values are where a hand-made parser goes wrong); repeats (RRULE) are expanded with
``dateutil`` (icalendar's own dependency) for the two weeks looked at."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import httpx
from django.conf import settings

from distans.switchboard.choices import AwayKind

MAX_BYTES = 2_000_000
TIMEOUT_SECONDS = 10


class FeedError(Exception):
    pass


@dataclass(frozen=True)
class Busy:
    start: dt.datetime
    end: dt.datetime
    kind: str


def fetch(url: str) -> bytes:
    if not url.startswith(("http://", "https://")):
        raise FeedError("not a web address")
    try:
        with httpx.stream("GET", url, timeout=TIMEOUT_SECONDS, follow_redirects=True) as response:
            if response.status_code != 200:
                raise FeedError(f"the calendar answered {response.status_code}")
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > MAX_BYTES:
                    raise FeedError("the calendar is larger than 2 MB")
                chunks.append(chunk)
    except httpx.HTTPError as exc:
        raise FeedError(f"the calendar could not be read: {exc}") from exc
    return b"".join(chunks)


def _aware(value: dt.date | dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    return dt.datetime.combine(value, dt.time(0), tzinfo=zone)


def busy_events(data: bytes, start: dt.datetime, end: dt.datetime) -> list[Busy]:
    """Busy events overlapping [start, end): all-day ones are leave, others meetings.
    Free (TRANSP:TRANSPARENT) and cancelled events are skipped; weekly and daily
    repeats (RRULE) are expanded in the window."""
    import icalendar
    from dateutil.rrule import rrulestr

    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise FeedError(f"not a calendar: {str(exc)[:100]}") from exc
    found: list[Busy] = []
    for event in calendar.walk("VEVENT"):
        if (
            str(event.get("TRANSP", "")).upper() == "TRANSPARENT"
            or str(event.get("STATUS", "")).upper() == "CANCELLED"
        ):
            continue
        if event.get("DTSTART") is None:
            continue
        raw_start = event.decoded("DTSTART")
        all_day = not isinstance(raw_start, dt.datetime)
        first = _aware(raw_start, zone)
        if event.get("DTEND") is not None:
            last = _aware(event.decoded("DTEND"), zone)
        elif event.get("DURATION") is not None:
            last = first + event.decoded("DURATION")
        else:
            last = first + (dt.timedelta(days=1) if all_day else dt.timedelta(0))
        length = last - first
        starts = [first]
        if event.get("RRULE") is not None:
            try:
                text = event["RRULE"].to_ical()
                rule = rrulestr(text.decode() if isinstance(text, bytes) else str(text), dtstart=first)
                starts = list(rule.between(start - length, end, inc=True))
            except (ValueError, TypeError):
                starts = [first]
        kind = AwayKind.LEAVE if all_day else AwayKind.MEETING
        for begin in starts:
            finish = begin + length
            if finish > start and begin < end:
                found.append(Busy(begin, finish, kind))
    found.sort(key=lambda b: b.start)
    return found[:500]
