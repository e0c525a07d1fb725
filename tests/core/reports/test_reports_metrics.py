"""Hand-computed cases for every metric and both service-level conventions."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from distans.core.errors import InvalidInput
from distans.core.reports import (
    THRESHOLDS_SECONDS,
    ContactCounts,
    ContactOutcome,
    MetricOptions,
    Outcome,
    aggregate_contacts,
    compute_metrics,
)

STOCKHOLM = ZoneInfo("Europe/Stockholm")
AT = datetime(2026, 3, 2, 8, 3, tzinfo=STOCKHOLM)


def contact(outcome: Outcome, waited: float, handled: float = 0, wrap: float = 0) -> ContactOutcome:
    return ContactOutcome(
        arrived_at=AT,
        queue="Skola",
        channel="phone",
        outcome=outcome,
        waited_seconds=waited,
        handled_seconds=handled,
        wrap_up_seconds=wrap,
    )


def one_interval() -> ContactCounts:
    """5 answered (waits 0, 10, 20, 21, 60), 4 abandoned (3, 5, 6, 30), 1 other (40)."""
    answered = [
        contact(Outcome.ANSWERED, w, handled=h, wrap=10)
        for w, h in [(0, 100), (10, 200), (20, 300), (21, 400), (60, 500)]
    ]
    abandoned = [contact(Outcome.ABANDONED, w) for w in (3, 5, 6, 30)]
    (counts,) = aggregate_contacts([*answered, *abandoned, contact(Outcome.OTHER, 40)]).values()
    return counts


def test_default_options_exclude_short_abandons() -> None:
    # given T = 20 s and short abandons (<= 5 s: the waits 3 and 5) excluded
    metrics = compute_metrics(one_interval())
    # then offered and abandoned lose the 2 short abandons
    assert (metrics.offered, metrics.answered, metrics.abandoned) == (8, 3 + 2, 2)
    assert metrics.short_abandoned == 2
    assert metrics.other == 1
    # SL1: answered within 20 s (0, 10, 20: "within" is <=, as in app_queue) / answered
    assert metrics.service_level == 3 / 5
    # SL2: (3 answered + 1 abandoned (6 s) within 20 s) / (5 answered + 2 abandoned)
    assert metrics.service_level_2 == 4 / 7
    assert metrics.abandon_rate == 2 / 8
    assert metrics.asa_seconds == pytest.approx((0 + 10 + 20 + 21 + 60) / 5)
    assert metrics.talk_seconds == 300
    assert metrics.wrap_up_seconds == 10
    assert metrics.aht_seconds == 310
    assert metrics.max_wait_seconds == 60
    assert metrics.handled_hours == pytest.approx(1550 / 3600)


def test_counting_short_abandons_like_asterisk() -> None:
    metrics = compute_metrics(one_interval(), MetricOptions(exclude_short_abandons=False))
    assert (metrics.offered, metrics.abandoned, metrics.short_abandoned) == (10, 4, 2)
    assert metrics.service_level == 3 / 5  # SL1 ignores abandons entirely
    # SL2 = (3 + 3 abandoned within 20 s: 3, 5, 6) / (5 + 4)
    assert metrics.service_level_2 == 6 / 9
    assert metrics.abandon_rate == 4 / 10


def test_threshold_below_short_abandon_threshold_counts_no_abandons_within() -> None:
    options = MetricOptions(service_level_seconds=5, short_abandon_seconds=10)
    metrics = compute_metrics(one_interval(), options)
    # short = abandoned within 10 s = 3 (3, 5, 6); none of the remaining (30) within 5 s
    assert metrics.short_abandoned == 3
    assert metrics.abandoned_within_threshold == 0
    assert metrics.service_level == 1 / 5  # only the 0 s wait
    assert metrics.service_level_2 == 1 / (5 + 1)


def test_longer_threshold() -> None:
    metrics = compute_metrics(one_interval(), MetricOptions(service_level_seconds=60))
    assert metrics.service_level == 5 / 5
    assert metrics.service_level_2 == (5 + 2) / (5 + 2)


def test_occupancy_needs_logged_in_time() -> None:
    counts = one_interval()
    assert compute_metrics(counts).occupancy is None
    half_hour_ms = 30 * 60 * 1000
    metrics = compute_metrics(counts, logged_in_ms=half_hour_ms)
    assert metrics.occupancy == pytest.approx(1550 / 1800)
    assert metrics.logged_in_hours == 0.5


def test_empty_counts_give_none_not_zero_division() -> None:
    metrics = compute_metrics(ContactCounts())
    assert metrics.offered == 0
    assert metrics.service_level is None
    assert metrics.service_level_2 is None
    assert metrics.asa_seconds is None
    assert metrics.aht_seconds is None


def test_threshold_outside_the_stored_set_is_refused() -> None:
    with pytest.raises(InvalidInput, match="threshold 25 s"):
        MetricOptions(service_level_seconds=25)


def test_fractional_waits_are_compared_in_milliseconds() -> None:
    (counts,) = aggregate_contacts(
        [contact(Outcome.ANSWERED, 20.0004), contact(Outcome.ANSWERED, 20.001)]
    ).values()
    # 20.0004 s rounds to 20 000 ms (within 20 s); 20.001 s is 20 001 ms (not within)
    assert counts.answered_within_seconds(20) == 1


@settings(max_examples=80, deadline=None)
@given(
    waits=st.lists(
        st.tuples(st.sampled_from(list(Outcome)), st.integers(0, 400)), min_size=1, max_size=40
    ),
    threshold=st.sampled_from(THRESHOLDS_SECONDS),
    short=st.sampled_from(THRESHOLDS_SECONDS[:3]),
    exclude=st.booleans(),
)
def test_metric_invariants(
    waits: list[tuple[Outcome, int]], threshold: int, short: int, exclude: bool
) -> None:
    (counts,) = aggregate_contacts([contact(o, w) for o, w in waits]).values()
    options = MetricOptions(threshold, short, exclude)
    m = compute_metrics(counts, options)
    assert m.offered == m.answered + m.abandoned + m.other
    assert m.offered + (m.short_abandoned if exclude else 0) == len(waits)
    for value in (m.service_level, m.service_level_2, m.abandon_rate):
        assert value is None or 0 <= value <= 1
    # brute force from the raw waits
    answered = [w for o, w in waits if o is Outcome.ANSWERED]
    abandoned = [w for o, w in waits if o is Outcome.ABANDONED and not (exclude and w <= short)]
    if answered:
        assert m.service_level == sum(w <= threshold for w in answered) / len(answered)
    if answered or abandoned:
        within = sum(w <= threshold for w in answered) + sum(w <= threshold for w in abandoned)
        assert m.service_level_2 == within / (len(answered) + len(abandoned))
