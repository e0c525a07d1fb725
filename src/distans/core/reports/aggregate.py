"""The interval aggregate: mergeable counts and sums per 15 minutes and dimension values.

One :class:`ContactCounts` is one row of the interval aggregate table, keyed by
``(interval start in UTC, GroupKey)``. Every field is a count or an integer sum of
milliseconds (plus one maximum), so rows merge by addition in any order with exact
results, and a roll-up to hour/day/week/month is a sum of rows. Metrics are computed
from the summed row (:mod:`.metrics`), never by averaging averages.

Service-level thresholds: rather than putting the threshold T in the key (one row per
T, a rebuild for every new T), each row stores "answered within t" and "abandoned
within t" for the fixed set :data:`THRESHOLDS_SECONDS`. An organisation can switch its
headline T (and its short-abandon threshold) among these values at any time without a
rebuild; another value would need a new column and a rebuild. "Within t" means
``waited <= t``, as Asterisk's app_queue counts it
(``(now - qe->start) <= qe->parent->servicelevel``, apps/app_queue.c).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from distans.core.errors import InvalidInput
from distans.core.reports.periods import interval_start, split_into_intervals
from distans.core.reports.records import AgentKey, ContactOutcome, GroupKey, LoggedInSpan, Outcome

#: Waits (seconds) for which every row keeps "answered within" and "abandoned within".
THRESHOLDS_SECONDS: tuple[int, ...] = (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300)
_THRESHOLDS_MS = tuple(t * 1000 for t in THRESHOLDS_SECONDS)
_N = len(THRESHOLDS_SECONDS)
_ZEROS = (0,) * _N

#: Flat column names of a row, in storage order (for the Django model and upserts).
COLUMN_NAMES: tuple[str, ...] = (
    ("offered", "answered", "abandoned", "other")
    + tuple(f"answered_within_{t}" for t in THRESHOLDS_SECONDS)
    + tuple(f"abandoned_within_{t}" for t in THRESHOLDS_SECONDS)
    + ("wait_answered_ms", "wait_abandoned_ms", "max_wait_ms", "talk_ms", "wrap_up_ms")
)
_MAX_WAIT_INDEX = COLUMN_NAMES.index("max_wait_ms")

AggregateKey = tuple[datetime, GroupKey]
LoggedInKey = tuple[datetime, AgentKey]


def threshold_index(seconds: int) -> int:
    """Position of ``seconds`` in :data:`THRESHOLDS_SECONDS`; InvalidInput if absent."""
    try:
        return THRESHOLDS_SECONDS.index(seconds)
    except ValueError:
        allowed = ", ".join(str(t) for t in THRESHOLDS_SECONDS)
        raise InvalidInput(
            f"threshold {seconds} s is not stored; choose one of {allowed}"
        ) from None


def seconds_to_ms(seconds: float) -> int:
    """Seconds as whole milliseconds (rounded half to even), the unit of stored sums."""
    return round(seconds * 1000)


@dataclass(frozen=True, slots=True)
class ContactCounts:
    """Counts and sums for a set of contacts (one interval row, or any merge of rows).

    ``offered`` = answered + abandoned + other. ``answered_within[i]`` and
    ``abandoned_within[i]`` count contacts whose wait was ``<= THRESHOLDS_SECONDS[i]``.
    Sums are milliseconds: waits of answered and of abandoned contacts, talk (handled)
    time and wrap-up time of answered contacts; ``max_wait_ms`` is the longest wait.
    """

    offered: int = 0
    answered: int = 0
    abandoned: int = 0
    other: int = 0
    answered_within: tuple[int, ...] = _ZEROS
    abandoned_within: tuple[int, ...] = _ZEROS
    wait_answered_ms: int = 0
    wait_abandoned_ms: int = 0
    max_wait_ms: int = 0
    talk_ms: int = 0
    wrap_up_ms: int = 0

    def __post_init__(self) -> None:
        if len(self.answered_within) != _N or len(self.abandoned_within) != _N:
            raise InvalidInput(f"an aggregate row needs {_N} values per threshold list")

    def __add__(self, other: ContactCounts) -> ContactCounts:
        return ContactCounts.from_flat(_merge_flat(self.to_flat(), other.to_flat()))

    @classmethod
    def from_outcome(cls, record: ContactOutcome) -> ContactCounts:
        """The row a single contact contributes (the delta of an incremental update)."""
        flat = [0] * len(COLUMN_NAMES)
        _add_outcome(flat, record)
        return cls.from_flat(flat)

    def answered_within_seconds(self, seconds: int) -> int:
        """Answered contacts that waited at most ``seconds``."""
        return self.answered_within[threshold_index(seconds)]

    def abandoned_within_seconds(self, seconds: int) -> int:
        """Abandoned contacts that waited at most ``seconds``."""
        return self.abandoned_within[threshold_index(seconds)]

    def to_flat(self) -> list[int]:
        """The row's values in :data:`COLUMN_NAMES` order."""
        return [
            self.offered,
            self.answered,
            self.abandoned,
            self.other,
            *self.answered_within,
            *self.abandoned_within,
            self.wait_answered_ms,
            self.wait_abandoned_ms,
            self.max_wait_ms,
            self.talk_ms,
            self.wrap_up_ms,
        ]

    @classmethod
    def from_flat(cls, values: Iterable[int]) -> ContactCounts:
        """Build a row from values in :data:`COLUMN_NAMES` order."""
        v = list(values)
        if len(v) != len(COLUMN_NAMES):
            raise InvalidInput(f"an aggregate row has {len(COLUMN_NAMES)} values, not {len(v)}")
        return cls(
            v[0], v[1], v[2], v[3], tuple(v[4 : 4 + _N]), tuple(v[4 + _N : 4 + 2 * _N]),
            *v[4 + 2 * _N :],
        )  # fmt: skip

    def to_columns(self) -> dict[str, int]:
        """The row as ``{column name: value}`` (for storing in the database)."""
        return dict(zip(COLUMN_NAMES, self.to_flat(), strict=True))

    @classmethod
    def from_columns(cls, columns: Mapping[str, int]) -> ContactCounts:
        """Build a row from a mapping with every name in :data:`COLUMN_NAMES`."""
        return cls.from_flat(int(columns[name]) for name in COLUMN_NAMES)


def _merge_flat(left: list[int], right: list[int]) -> list[int]:
    merged = [a + b for a, b in zip(left, right, strict=True)]
    merged[_MAX_WAIT_INDEX] = max(left[_MAX_WAIT_INDEX], right[_MAX_WAIT_INDEX])
    return merged


def add_flat(total: list[int], row: list[int]) -> None:
    """Add a flat row into ``total`` in place (sums add, the maximum wait is kept)."""
    longest = max(total[_MAX_WAIT_INDEX], row[_MAX_WAIT_INDEX])
    for i, value in enumerate(row):
        total[i] += value
    total[_MAX_WAIT_INDEX] = longest


def _add_outcome(flat: list[int], record: ContactOutcome) -> None:
    """Add one contact to a flat row in place."""
    waited_ms = seconds_to_ms(record.waited_seconds)
    flat[0] += 1
    if record.outcome is Outcome.ANSWERED:
        flat[1] += 1
        base = 4
        flat[-5] += waited_ms
        flat[-2] += seconds_to_ms(record.handled_seconds)
        flat[-1] += seconds_to_ms(record.wrap_up_seconds)
    elif record.outcome is Outcome.ABANDONED:
        flat[2] += 1
        base = 4 + _N
        flat[-4] += waited_ms
    else:
        flat[3] += 1
        base = -1
    if base >= 0:
        for i, limit_ms in enumerate(_THRESHOLDS_MS):
            if waited_ms <= limit_ms:
                flat[base + i] += 1
    if waited_ms > flat[_MAX_WAIT_INDEX]:
        flat[_MAX_WAIT_INDEX] = waited_ms


def aggregate_contacts(records: Iterable[ContactOutcome]) -> dict[AggregateKey, ContactCounts]:
    """Interval aggregate rows for ``records``: key (UTC interval start, GroupKey)."""
    rows: dict[AggregateKey, list[int]] = {}
    width = len(COLUMN_NAMES)
    for record in records:
        key = (interval_start(record.arrived_at), record.group_key)
        flat = rows.get(key)
        if flat is None:
            flat = rows[key] = [0] * width
        _add_outcome(flat, record)
    return {key: ContactCounts.from_flat(flat) for key, flat in rows.items()}


def merge_aggregates(
    *parts: Mapping[AggregateKey, ContactCounts],
) -> dict[AggregateKey, ContactCounts]:
    """Merge aggregate tables row by row (e.g. a day's rows into a rebuilt table)."""
    merged: dict[AggregateKey, ContactCounts] = {}
    for part in parts:
        for key, counts in part.items():
            existing = merged.get(key)
            merged[key] = counts if existing is None else existing + counts
    return merged


def aggregate_logged_in(spans: Iterable[LoggedInSpan]) -> dict[LoggedInKey, int]:
    """Logged-in milliseconds per (UTC interval start, AgentKey), spans split at quarters."""
    rows: dict[LoggedInKey, int] = {}
    for span in spans:
        for start, ms in split_into_intervals(span.started_at, span.ended_at):
            key = (start, span.agent_key)
            rows[key] = rows.get(key, 0) + ms
    return rows
