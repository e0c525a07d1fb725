"""Report metrics computed from one summed :class:`ContactCounts` row.

Definitions (T = the service-level threshold, s = the short-abandon threshold; "within"
means waited <= the threshold, as Asterisk's app_queue counts it):

- **offered** = answered + abandoned + other; **abandoned** counts customers who hung
  up in queue. **short_abandoned** = abandoned within s (default 5 s). With
  ``exclude_short_abandons`` (the default) short abandons are removed from offered,
  abandoned and the service-level-2 terms, as most contact centers do (they are
  mostly wrong numbers and hang-ups during the greeting); switch it off to count as
  Asterisk does.
- **service_level** (convention 1) = answered within T / answered — Asterisk's
  ``ServicelevelPerf``; **service_level_2** (convention 2) = (answered within T +
  abandoned within T) / (answered + abandoned) — Asterisk's ``ServicelevelPerf2``.
  Source: Asterisk ``configs/samples/queues.conf.sample`` ("SL = (total calls answered
  within threshold / total calls answered) * 100; SL2 = ((calls answered within
  threshold + calls abandoned within threshold) / (answered calls + abandoned calls))
  * 100") and ``apps/app_queue.c`` (QueueStatus). We return fractions 0–1, and ``None``
  where Asterisk prints 0 because the denominator is 0.
- **asa_seconds** = sum of waits of answered contacts / answered (average speed of
  answer). **talk_seconds** = handled time / answered; **wrap_up_seconds** = wrap-up
  time / answered; **aht_seconds** = (handled + wrap-up) / answered (average handle
  time, the usual definition, e.g. Cleveland, "Call Center Management on Fast
  Forward"). **abandon_rate** = abandoned / offered.
- **occupancy** = (handled + wrap-up time) / logged-in time, when logged-in time is
  given for the same period and group (team, agent or location). Handle time is
  counted in the interval the contact arrived in, so a 15-minute occupancy can exceed
  1; over hours and days the effect is small.

Ratios divide exact integers (milliseconds over count * 1000), so the same counts give
bit-identical floats however they were summed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from distans.core.errors import InvalidInput
from distans.core.reports.aggregate import ContactCounts, threshold_index


@dataclass(frozen=True, slots=True)
class MetricOptions:
    """An organisation's report settings (both thresholds from ``THRESHOLDS_SECONDS``)."""

    service_level_seconds: int = 20
    short_abandon_seconds: int = 5
    exclude_short_abandons: bool = True

    def __post_init__(self) -> None:
        threshold_index(self.service_level_seconds)
        threshold_index(self.short_abandon_seconds)


@dataclass(frozen=True, slots=True)
class PeriodMetrics:
    """The metrics of one report row (see the module docstring for definitions)."""

    offered: int
    answered: int
    abandoned: int
    short_abandoned: int
    other: int
    answered_within_threshold: int
    abandoned_within_threshold: int
    service_level: float | None
    service_level_2: float | None
    abandon_rate: float | None
    asa_seconds: float | None
    max_wait_seconds: float
    talk_seconds: float | None
    wrap_up_seconds: float | None
    aht_seconds: float | None
    handled_hours: float
    logged_in_hours: float | None
    occupancy: float | None

    def as_dict(self) -> dict[str, Any]:
        """The metrics as a plain dict (JSON-ready)."""
        return asdict(self)


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def compute_metrics(
    counts: ContactCounts,
    options: MetricOptions | None = None,
    logged_in_ms: int | None = None,
) -> PeriodMetrics:
    """Compute every report metric from one summed aggregate row.

    ``logged_in_ms`` is the agents' logged-in time for the same period and group, if
    known; without it occupancy and logged-in hours are ``None``.
    """
    options = options or MetricOptions()
    if logged_in_ms is not None and logged_in_ms < 0:
        raise InvalidInput("logged-in time must not be negative")
    t = threshold_index(options.service_level_seconds)
    s = threshold_index(options.short_abandon_seconds)
    short = counts.abandoned_within[s]
    abandoned_within_t = counts.abandoned_within[t]
    offered, abandoned = counts.offered, counts.abandoned
    if options.exclude_short_abandons:
        offered -= short
        abandoned -= short
        # abandoned within T but not within s: within max(T, s) minus within s.
        abandoned_within_t = counts.abandoned_within[max(t, s)] - short
    answered = counts.answered
    answered_within_t = counts.answered_within[t]
    handled_ms = counts.talk_ms + counts.wrap_up_ms
    answered_ms = answered * 1000
    return PeriodMetrics(
        offered=offered,
        answered=answered,
        abandoned=abandoned,
        short_abandoned=short,
        other=counts.other,
        answered_within_threshold=answered_within_t,
        abandoned_within_threshold=abandoned_within_t,
        service_level=_ratio(answered_within_t, answered),
        service_level_2=_ratio(answered_within_t + abandoned_within_t, answered + abandoned),
        abandon_rate=_ratio(abandoned, offered),
        asa_seconds=_ratio(counts.wait_answered_ms, answered_ms),
        max_wait_seconds=counts.max_wait_ms / 1000,
        talk_seconds=_ratio(counts.talk_ms, answered_ms),
        wrap_up_seconds=_ratio(counts.wrap_up_ms, answered_ms),
        aht_seconds=_ratio(handled_ms, answered_ms),
        handled_hours=handled_ms / 3_600_000,
        logged_in_hours=None if logged_in_ms is None else logged_in_ms / 3_600_000,
        occupancy=None if not logged_in_ms else handled_ms / logged_in_ms,
    )
