"""Surge detection on real traffic: the Anonymous Bank's calls by type, January–March 1999.

    .venv/bin/python bench/surges.py [--data ../shared/data/anonymous_bank_1999] [--runs 20]

Counts: calls per local hour (Asia/Jerusalem wall clock) per call type (PS, NW, NE,
TT, IN, PE), arrival as in bench/bank_log.py. Three figures, for the shipped detector
(day-level negative binomial, ``SurgeSettings()``) beside an hourly negative binomial
CUSUM and the detector before issue 22 (Poisson, no closed days, no new-topic rule):

* **False alerts** on the real, untouched traffic, per type, scaled to a quarter by
  the share of the quarter that is tested (the first 4 weeks only build the baseline).
* **Detection delay** of injected shifts: from a weekday opening hour in March on
  (one at which the untouched series is in no alert episode; a type whose March is
  one long episode has none — "quiet_start_hours": 0),
  every real call of the type is doubled with probability 0.4 or 0.6 (a +40 %/+60 %
  shift that keeps the real day-to-day variation); delay = opening hours (hours whose
  all-type slot mean is ≥ 5 calls) from the shift's start to the end of the alerting
  hour; missed = no alert within 10 days. Also on PS thinned to about 50 calls a day
  (each call kept with probability 50 / PS's mean per day).
* **New topic**: a type with no past, arriving by the center's hourly profile and
  growing linearly from 2 to 60 a day over 20 days from a March weekday; the figure is
  the day it was flagged against the day it first reached 10 contacts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bank_log import DEFAULT_DATA, JERUSALEM, convert
from distans.core.topics.surges import SurgeSettings, detect_surges

FIRST = datetime(1999, 1, 1, tzinfo=JERUSALEM)
DAYS = 90
LEGACY = SurgeSettings(  # the detector before issue 22, with its defaults
    model="poisson", new_topic_count=0, closed_days_missing=False, cusum_ratio=1.5,
    cusum_threshold=6.0, tail_probability=1e-5, level_days=0,
)  # fmt: skip
HOURLY_NB = SurgeSettings(model="nb", cusum_threshold=10.0, tail_probability=1e-7)
SHIPPED = SurgeSettings()


def hourly_counts(data: Path) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Calls per local hour per type, 1 January 00:00 – 31 March 24:00."""
    stats: Counter[str] = Counter()
    naive_first = FIRST.replace(tzinfo=None)
    counts: dict[str, np.ndarray] = {}
    for line in convert(data, stats):
        if line.startswith("arrived_at"):
            continue
        fields = line.split(",")
        at = datetime.fromisoformat(fields[0]).replace(tzinfo=None)
        index = int((at - naive_first).total_seconds() // 3600)
        if 0 <= index < DAYS * 24:
            counts.setdefault(fields[1], np.zeros(DAYS * 24))[index] += 1
    return counts, dict(stats)


def _tested_share(settings: SurgeSettings) -> float:
    """Share of the quarter's days that are tested (after min_history_weeks)."""
    return (DAYS - 7 * settings.min_history_weeks) / DAYS


def false_alerts(counts: dict[str, np.ndarray], settings: SurgeSettings) -> dict[str, Any]:
    alerts = detect_surges(counts, first_bin_at=FIRST, settings=settings)
    by_type = Counter(a.topic for a in alerts)
    scale = 1.0 / _tested_share(settings)
    return {
        "alerts_tested_span": dict(sorted(by_type.items())),
        "per_type_per_quarter": {
            t: round(by_type.get(t, 0) * scale, 2) for t in sorted(counts)
        },
        "mean_per_type_per_quarter": round(len(alerts) * scale / len(counts), 2),
        "alerts": [
            {"type": a.topic, "start": a.start.isoformat(), "detected_at": a.detected_at.isoformat(),
             "observed": a.observed, "expected": round(a.expected, 1), "method": a.method}
            for a in alerts
        ],
    }  # fmt: skip


def _open_hours(counts: dict[str, np.ndarray]) -> np.ndarray:
    total = sum(counts.values())
    weekly = total[: 12 * 168].reshape(12, 168).mean(axis=0)  # type: ignore[union-attr]
    slot = np.arange(DAYS * 24) % 168
    return weekly[slot] >= 5.0


def _delay(
    alerts: list[Any], topic: str, start: int, open_hour: np.ndarray, limit_hours: int
) -> float | None:
    begin = FIRST + timedelta(hours=start)
    for alert in alerts:
        if alert.topic != topic or alert.detected_at < begin:
            continue
        end = int((alert.detected_at - FIRST).total_seconds() // 3600) + 1
        if end - start > limit_hours:
            return None
        return float(open_hour[start:end].sum())
    return None


def _in_episode(alerts: list[Any], topic: str) -> np.ndarray:
    """Hours during which the topic is in an alert episode (from start to its end)."""
    busy = np.zeros(DAYS * 24, dtype=bool)
    for alert in alerts:
        if alert.topic != topic:
            continue
        first = int((alert.start - FIRST).total_seconds() // 3600)
        end = (
            int((alert.ended_at - FIRST).total_seconds() // 3600)
            if alert.ended_at is not None
            else DAYS * 24
        )
        busy[first:end] = True
    return busy


def injected_shifts(
    counts: dict[str, np.ndarray], settings: SurgeSettings, runs: int, seed: int = 22
) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    open_hour = _open_hours(counts)
    per_day = {t: float(v.sum() / DAYS) for t, v in counts.items()}
    march = (31 + 28) * 24
    candidates = [h for h in range(march, DAYS * 24 - 10 * 24) if open_hour[h]]
    series = dict(counts)
    thinned = rng.binomial(counts["PS"].astype(int), 50.0 / per_day["PS"]).astype(float)
    series["PS thinned to ~50/day"] = thinned
    result: dict[str, Any] = {}
    for topic in ("PS", "NW", "NE", "PS thinned to ~50/day", "TT"):
        base = series[topic]
        row: dict[str, Any] = {"calls_per_day": round(float(base.sum() / DAYS), 1)}
        for increase in (0.4, 0.6):
            delays: list[float | None] = []
            source = "PS" if topic.startswith("PS") else topic
            others = {t: v for t, v in counts.items() if t != source}
            busy = _in_episode(
                detect_surges({topic: base, **others}, first_bin_at=FIRST, settings=settings),
                topic,
            )
            quiet = [h for h in candidates if not busy[h]]
            row["quiet_start_hours"] = len(quiet)
            if not quiet:
                continue
            for _ in range(runs):
                start = int(rng.choice(quiet))
                shifted = base.copy()
                extra = rng.binomial(base[start:].astype(int), increase)
                shifted[start:] += extra
                alerts = detect_surges(
                    {topic: shifted, **others}, first_bin_at=FIRST, settings=settings
                )
                delays.append(_delay(alerts, topic, start, open_hour, 10 * 24))
            found = [d for d in delays if d is not None]
            row[f"+{round(increase * 100)}%"] = {
                "found_share": round(len(found) / runs, 2),
                "within_4_open_hours": round(sum(d <= 4 for d in found) / runs, 2),
                "median_open_hours": round(float(np.median(found)), 1) if found else None,
                "p90_open_hours": round(float(np.percentile(found, 90)), 1) if found else None,
            }
        result[topic] = row
    return result


def new_topic(counts: dict[str, np.ndarray], settings: SurgeSettings, runs: int) -> dict[str, Any]:
    rng = np.random.default_rng(7)
    total = sum(counts.values())
    weekly = total[: 12 * 168].reshape(12, 168).mean(axis=0)  # type: ignore[union-attr]
    march_days = [d for d in range(59, DAYS - 20) if weekly[(d * 24) % 168 + 12] >= 5]
    lags: list[int | None] = []
    for _ in range(runs):
        first_day = int(rng.choice(march_days))
        series = np.zeros(DAYS * 24)
        for k, day in enumerate(range(first_day, DAYS)):
            level = 2.0 + (60.0 - 2.0) * min(k, 19) / 19
            profile = weekly[(np.arange(day * 24, day * 24 + 24)) % 168]
            daily = profile.sum()
            if daily <= 0:
                continue
            series[day * 24 : day * 24 + 24] = rng.poisson(level * profile / daily)
        daily_counts = series.reshape(-1, 24).sum(axis=1)
        reached = [d for d in range(first_day, DAYS) if daily_counts[d] >= 10]
        alerts = detect_surges({**counts, "NEW": series}, first_bin_at=FIRST, settings=settings)
        flagged = [a for a in alerts if a.topic == "NEW"]
        if not reached:
            continue
        if not flagged:
            lags.append(None)
            continue
        flagged_day = (flagged[0].detected_at.date() - FIRST.date()).days
        lags.append(flagged_day - reached[0])
    found = [lag for lag in lags if lag is not None]
    return {
        "runs": len(lags),
        "flagged_share": round(len(found) / max(1, len(lags)), 2),
        "flagged_on_the_day_it_reached_10": round(sum(x <= 0 for x in found) / max(1, len(lags)), 2),
        "days_after_reaching_10": dict(sorted(Counter(found).items())),
    }  # fmt: skip


def threshold_sweep(counts: dict[str, np.ndarray], runs: int) -> dict[str, Any]:
    """False alerts against +40 % detection for other CUSUM thresholds (shipped model)."""
    from dataclasses import replace

    result: dict[str, Any] = {}
    for threshold in (4.0, 6.0, 8.0, 12.0):
        settings = replace(SHIPPED, cusum_threshold=threshold)
        shifts = injected_shifts(counts, settings, runs)
        result[f"h={threshold:g}"] = {
            "false_alerts_per_type_per_quarter": false_alerts(counts, settings)[
                "mean_per_type_per_quarter"
            ],
            "+40% within 4 open hours": {
                t: shifts[t].get("+40%", {}).get("within_4_open_hours") for t in shifts
            },
            "+40% median open hours": {
                t: shifts[t].get("+40%", {}).get("median_open_hours") for t in shifts
            },
        }
    return result


def run(data: Path, runs: int) -> dict[str, Any]:
    counts, stats = hourly_counts(data)
    result: dict[str, Any] = {
        "machine_cores": os.cpu_count(),
        "calls_per_type": {t: int(v.sum()) for t, v in sorted(counts.items())},
        "log_rows": stats.get("rows"),
    }
    detectors = (
        ("day-level negative binomial (shipped)", SHIPPED),
        ("hourly negative binomial, h=10", HOURLY_NB),
        ("Poisson (before)", LEGACY),
    )
    for name, settings in detectors:
        result[name] = {
            "false_alerts": false_alerts(counts, settings),
            "injected_shifts": injected_shifts(counts, settings, runs),
            "new_topic": new_topic(counts, settings, runs),
        }
    result["threshold_sweep (day-level negative binomial)"] = threshold_sweep(
        counts, max(5, runs // 2)
    )
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(DEFAULT_DATA))
    parser.add_argument("--runs", type=int, default=20)
    options = parser.parse_args()
    print(json.dumps(run(options.data, options.runs), ensure_ascii=False, indent=2))
