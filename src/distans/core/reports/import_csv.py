"""Stream a contact-history CSV into :class:`ContactOutcome` records and row errors.

Format (header row required, columns in any order, extra columns ignored)::

    arrived_at,queue,channel,topic,waited_seconds,handled_seconds,outcome[,agent,team,location,wrap_up_seconds]

- ``arrived_at``: ISO 8601, with an offset (``2020-03-02T08:15:00+01:00``, ``…Z``) or
  without (then read in the organisation's zone; an ambiguous autumn time is taken as
  the first occurrence, a spring-gap time as if the clock had not yet moved).
- ``waited_seconds``, ``handled_seconds``, ``wrap_up_seconds``: seconds (``12``, ``12.5``,
  ``12,5`` in a semicolon file) or ``H:MM:SS``; an empty handled or wrap-up time is 0.
- ``outcome``: ``answered``, ``abandoned`` (or ``other``), any case.

The reader is a generator over physical lines, so a file of millions of rows is read
in constant memory. A broken row is skipped and recorded as a :class:`RowError` with
its line number (the header is line 1) and a reason code; :data:`REASONS` has an
English message per code, marked for translation for the web side. Each line is parsed
on its own (fields cannot span lines), so a stray quote costs one row, not the rest.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from distans.core.errors import InvalidInput
from distans.core.reports.records import ContactOutcome, Outcome
from distans.core.text import text_problem


def gettext_noop(message: str) -> str:
    """Mark ``message`` for translation without translating it (makemessages finds it)."""
    return message


#: Reason code -> English message (the web side shows ``gettext(REASONS[code])``).
REASONS: dict[str, str] = {
    "csv_syntax": gettext_noop("The line is not valid CSV (check the quotes)."),
    "wrong_field_count": gettext_noop("The row has a different number of fields than the header."),
    "missing_value": gettext_noop("A required value is empty."),
    "bad_datetime": gettext_noop("The time is not an ISO 8601 date and time."),
    "bad_number": gettext_noop("The value is not a number of seconds."),
    "negative_number": gettext_noop("The number of seconds is negative."),
    "bad_outcome": gettext_noop("The outcome is not answered or abandoned."),
    "handled_when_abandoned": gettext_noop("An abandoned contact has a handling time."),
    "datetime_out_of_range": gettext_noop("The time is outside the years 1900 to 2999."),
    "number_too_large": gettext_noop("The number of seconds is too large (at most a year)."),
    "too_long": gettext_noop("The value is longer than the field allows."),
    "bad_character": gettext_noop("The value contains a character that cannot be stored."),
    "bad_encoding": gettext_noop(
        "The line is not in the file's encoding (save the file as UTF-8, or give --encoding)."
    ),
}

#: The longest text each column may hold (the stored columns' sizes).
MAX_CHARS = {"queue": 100, "channel": 16, "topic": 200, "agent": 200, "team": 100, "location": 100}
#: No contact waits, is handled or wrapped up for longer than this.
MAX_SECONDS = 366 * 24 * 3600.0
YEARS = (1900, 2999)

REQUIRED_COLUMNS = ("arrived_at", "queue", "channel", "waited_seconds", "outcome")
OPTIONAL_COLUMNS = ("topic", "handled_seconds", "wrap_up_seconds", "agent", "team", "location")
_OUTCOMES = {outcome.value: outcome for outcome in Outcome}


@dataclass(frozen=True, slots=True)
class RowError:
    """A skipped row: its line number, a reason code from :data:`REASONS`, and where."""

    line: int
    reason: str
    column: str = ""
    value: str = ""

    @property
    def message(self) -> str:
        """The reason in English (untranslated)."""
        return REASONS[self.reason]


class _RowProblem(Exception):
    def __init__(self, reason: str, column: str = "", value: str = "") -> None:
        super().__init__(reason)
        self.reason, self.column, self.value = reason, column, value


@dataclass
class ContactCsvReader:
    """Iterate over the valid records of a CSV; broken rows land in :attr:`errors`.

    ``lines`` is any iterable of text lines (an open file, ideally opened with
    ``encoding="utf-8-sig"``) or of byte lines (a file opened in binary), which are
    decoded with ``encoding`` one by one: a line that is not in that encoding costs
    its row, not the import. ``zone`` reads naive times. ``delimiter`` defaults to
    ``;`` when the header has more semicolons than commas, else ``,``. ``max_errors``
    caps the kept :attr:`errors` (``error_count`` still counts them all).
    """

    lines: Iterable[str]
    zone: ZoneInfo
    delimiter: str | None = None
    max_errors: int | None = None
    encoding: str = "utf-8-sig"
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    rows_read: int = 0
    records_read: int = 0

    def __iter__(self) -> Iterator[ContactOutcome]:
        lines = iter(self.lines)
        header_line = next(lines, None)
        if header_line is None:
            raise InvalidInput("the CSV file is empty; it needs a header row")
        if isinstance(header_line, bytes):
            try:
                header_line = header_line.decode(self.encoding)
            except UnicodeDecodeError:
                raise InvalidInput(
                    f"the header row is not {self.encoding} text (give --encoding)"
                ) from None
        header_line = header_line.lstrip("\ufeff").rstrip("\r\n")
        if self.delimiter is None:
            self.delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
        header = [name.strip().lower() for name in _split(header_line, self.delimiter)]
        missing = [name for name in REQUIRED_COLUMNS if name not in header]
        if missing:
            raise InvalidInput(f"the CSV header lacks column(s): {', '.join(missing)}")
        index = {
            name: header.index(name)
            for name in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
            if name in header
        }
        for line_number, line in enumerate(lines, start=2):
            if isinstance(line, bytes):
                try:
                    line = line.decode(self.encoding)
                except UnicodeDecodeError:
                    self.rows_read += 1
                    self._add_error(RowError(line_number, "bad_encoding"))
                    continue
            text = line.rstrip("\r\n")
            if not text.strip():
                continue
            self.rows_read += 1
            try:
                fields = _split(text, self.delimiter)
                if len(fields) != len(header):
                    raise _RowProblem("wrong_field_count", value=str(len(fields)))
                record = self._record(fields, index)
            except _RowProblem as problem:
                self._add_error(
                    RowError(line_number, problem.reason, problem.column, problem.value)
                )
                continue
            self.records_read += 1
            yield record

    def _add_error(self, error: RowError) -> None:
        self.error_count += 1
        if self.max_errors is None or len(self.errors) < self.max_errors:
            self.errors.append(error)

    def _record(self, fields: list[str], index: dict[str, int]) -> ContactOutcome:
        values = {name: fields[i].strip() for name, i in index.items()}
        for name, value in values.items():
            if text_problem(value) is not None:  # NUL, unpaired surrogates
                raise _RowProblem("bad_character", name, value[:40])
            if len(value) > MAX_CHARS.get(name, len(value)):
                raise _RowProblem("too_long", name, value[:40] + "…")
        for name in REQUIRED_COLUMNS:
            if not values[name]:
                raise _RowProblem("missing_value", name)
        outcome = _OUTCOMES.get(values["outcome"].lower())
        if outcome is None:
            raise _RowProblem("bad_outcome", "outcome", values["outcome"])
        comma_decimal = self.delimiter == ";"
        handled_text = values.get("handled_seconds", "")
        handled = _seconds("handled_seconds", handled_text, comma_decimal)
        if outcome is Outcome.ABANDONED and handled > 0:
            raise _RowProblem("handled_when_abandoned", "handled_seconds", handled_text)
        return ContactOutcome(
            arrived_at=_arrived_at(values["arrived_at"], self.zone),
            queue=values["queue"],
            channel=values["channel"].lower(),
            outcome=outcome,
            waited_seconds=_seconds("waited_seconds", values["waited_seconds"], comma_decimal),
            handled_seconds=handled,
            wrap_up_seconds=_seconds(
                "wrap_up_seconds", values.get("wrap_up_seconds", ""), comma_decimal
            ),
            topic=values.get("topic", ""),
            team=values.get("team", ""),
            agent=values.get("agent", ""),
            location=values.get("location", ""),
        )


def _split(line: str, delimiter: str) -> list[str]:
    if '"' not in line:
        return line.split(delimiter)
    try:
        rows = list(csv.reader([line], delimiter=delimiter, strict=True))
    except csv.Error:
        raise _RowProblem("csv_syntax") from None
    if len(rows) != 1:
        raise _RowProblem("csv_syntax")
    return rows[0]


def _arrived_at(text: str, zone: ZoneInfo) -> datetime:
    if len(text) < 13:  # a date alone is not a contact's arrival time
        raise _RowProblem("bad_datetime", "arrived_at", text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise _RowProblem("bad_datetime", "arrived_at", text) from None
    if not YEARS[0] <= parsed.year <= YEARS[1]:  # year 1 in a zone east of UTC overflows
        raise _RowProblem("datetime_out_of_range", "arrived_at", text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=zone)
    return parsed


def _seconds(column: str, text: str, comma_decimal: bool) -> float:
    if not text:
        return 0.0
    try:
        if ":" in text:
            hours, minutes, seconds = text.split(":")
            if not (minutes.isdigit() and len(minutes) == 2 and hours.isdigit()):
                raise ValueError(text)
            if len(hours) > 6:
                raise _RowProblem("number_too_large", column, text)
            number = int(hours) * 3600 + int(minutes) * 60 + float(seconds)
        else:
            number = float(text.replace(",", ".") if comma_decimal else text)
    except ValueError:
        raise _RowProblem("bad_number", column, text) from None
    if not math.isfinite(number):
        raise _RowProblem("bad_number", column, text)
    if number < 0:
        raise _RowProblem("negative_number", column, text)
    if number > MAX_SECONDS:
        raise _RowProblem("number_too_large", column, text)
    return number
