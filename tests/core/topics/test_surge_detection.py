"""Surge detection: seasonal baseline, injected surges, quiet series, CSV rules."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from distans.core.errors import InvalidInput
from distans.core.topics.count_table import parse_count_csv
from distans.core.topics.simulation import simulate_hourly_counts, weekly_profile
from distans.core.topics.surges import DAY, SurgeSettings, detect_surges, expected_counts

MONDAY = datetime(2026, 1, 5, tzinfo=UTC)


def test_expected_count_is_the_winsorised_same_slot_mean() -> None:
    # Given three past weeks with 2, 4 and 30 in one slot (period 2 bins for brevity)
    counts = np.array([2.0, 0.0, 4.0, 0.0, 30.0, 0.0, 0.0, 0.0])
    settings = SurgeSettings(baseline_weeks=3, min_history_weeks=2, baseline_margin=0.0)
    mu = expected_counts(counts, 2, settings)
    # Then the 30 is clipped to 4: (2 + 4 + 4 + 0.5) / 3, and short history is not tested
    assert mu[6] == pytest.approx(10.5 / 3)
    assert np.isnan(mu[:4]).all()


def test_weekly_profile_sums_to_one_and_is_busier_on_weekdays() -> None:
    profile = weekly_profile()
    assert profile.sum() == pytest.approx(1.0)
    assert profile[24 * 2 + 10] > 5 * profile[24 * 5 + 10]  # Wednesday vs Saturday 10:00


@pytest.mark.parametrize("increase", [1.0, 3.0])
def test_injected_surge_is_detected_within_a_day(increase: float) -> None:
    # Given 10 weeks of a topic at 300 contacts/week, surging from Tuesday 09:00 in week 9
    rng = np.random.default_rng(6)
    start = 8 * 168 + 24 + 9
    counts = simulate_hourly_counts(rng, 10, 300.0, start, 72, increase)
    # When detecting surges
    alerts = detect_surges({"Corona": counts}, first_bin_at=MONDAY)
    # Then the surge is found within 24 hours of its start, with a score above 1
    surge_start = MONDAY + timedelta(hours=start)
    found = [a for a in alerts if surge_start <= a.detected_at < surge_start + timedelta(hours=24)]
    assert found, alerts
    assert found[0].topic == "Corona"
    assert found[0].score > 1.0
    assert found[0].start <= found[0].detected_at
    assert not [a for a in alerts if a.detected_at < surge_start]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_surge_free_series_gives_no_alert(seed: int) -> None:
    rng = np.random.default_rng(seed)
    counts = {f"topic {i}": simulate_hourly_counts(rng, 6, 200.0) for i in range(3)}
    assert detect_surges(counts, first_bin_at=MONDAY) == []


def test_one_event_against_a_tenth_expected_is_not_an_alarm() -> None:
    # Given a slot that was empty for eight weeks, then holds 1, 2 and 4 events
    counts = np.zeros(9 * 7)
    counts[8 * 7 : 8 * 7 + 3] = [1, 2, 4]
    alerts = detect_surges({"Rare": counts}, first_bin_at=MONDAY, bin_size=DAY)
    # Then nothing is raised: a topic without a past is flagged when a day reaches 10
    assert alerts == []
    counts[8 * 7 + 3] = 6
    assert detect_surges({"Rare": counts}, first_bin_at=MONDAY, bin_size=DAY) == []
    counts[8 * 7 + 3] = 10
    alerts = detect_surges({"Rare": counts}, first_bin_at=MONDAY, bin_size=DAY)
    assert [(a.method, a.observed) for a in alerts] == [("new", 10)]


def test_now_ignores_later_bins() -> None:
    counts = np.zeros(9 * 7)
    counts[-1] = 50
    now = MONDAY + timedelta(days=9 * 7 - 1)
    assert detect_surges({"x": counts}, first_bin_at=MONDAY, bin_size=DAY, now=now) == []
    assert detect_surges({"x": counts}, first_bin_at=MONDAY, bin_size=DAY, now=now + DAY)


def test_bad_series_are_refused() -> None:
    with pytest.raises(InvalidInput):
        detect_surges({"x": [1.0, -1.0]}, first_bin_at=MONDAY)
    with pytest.raises(InvalidInput):
        detect_surges({"x": [1.0]}, first_bin_at=MONDAY, bin_size=timedelta(hours=5))


def test_missing_csv_rows_count_as_zero_and_same_bin_rows_add_up() -> None:
    text = (
        "date,topic,count\n"
        "2026-03-02,Corona,3\n"
        "2026-03-05,Corona,4\n"
        "2026-03-05,Corona,1\n"
        "2026-03-03,Skola,2\n"
    )
    table = parse_count_csv(io.StringIO(text), ZoneInfo("Europe/Stockholm"))
    assert table.bin_size == DAY
    assert table.first_bin_at.date().isoformat() == "2026-03-02"
    assert table.counts["Corona"].tolist() == [3, 0, 0, 5]
    assert table.counts["Skola"].tolist() == [0, 2, 0, 0]


def test_csv_datetimes_are_floored_to_local_hours_and_bad_rows_reported() -> None:
    text = (
        "datetime,topic,count\n"
        "2026-03-02T09:15:00+01:00,A,1\n"
        "2026-03-02T09:45:00,A,2\n"
        "2026-03-02T10:05:00Z,A,1\n"
        "yesterday,A,1\n"
        "2026-03-02T10:00:00,A,-3\n"
        "2026-03-02T10:00:00,,1\n"
    )
    table = parse_count_csv(io.StringIO(text), ZoneInfo("Europe/Stockholm"))
    # 10:05Z is 11:05 in Stockholm (winter time)
    assert table.counts["A"].tolist() == [3, 0, 1]
    assert [line for line, _ in table.bad_lines] == [5, 6, 7]


def test_csv_without_a_time_column_is_refused() -> None:
    with pytest.raises(InvalidInput, match="'date' or 'datetime'"):
        parse_count_csv(io.StringIO("day,topic,count\n"), ZoneInfo("UTC"))


def test_a_new_topic_growing_from_nothing_is_caught_from_its_first_day() -> None:
    # Given nine quiet weeks of daily counts, then a new topic at 3, 4, 8 a day
    counts = np.zeros(9 * 7 + 3)
    counts[-3:] = [3, 4, 8]
    alerts = detect_surges({"Corona": counts}, first_bin_at=MONDAY, bin_size=DAY)
    # Then it alerts on the day the count reaches the minimum, dating the start back
    assert len(alerts) == 1
    assert alerts[0].start == MONDAY + DAY * (9 * 7)
    assert alerts[0].detected_at == MONDAY + DAY * (9 * 7 + 2)
    assert alerts[0].observed == 15 and alerts[0].ongoing
