"""Validate the report definitions on the Anonymous Bank log, computed two ways.

(a) ``direct``: straight from the raw tab-separated files with plain loops, written
    here without any Distans code; (b) ``core``: the log converted to the import CSV by
    ``bench/bank_log.py``, parsed by ``distans.core.reports.import_csv``, aggregated per
    15 minutes, rolled up to months in Asia/Jerusalem and turned into metrics by
    ``distans.core.reports``. Monthly offered, answered, abandoned, short abandons, ASA,
    AHT and both service levels (T = 20 s and 60 s; short abandons <= 5 s excluded, and
    once more counted as Asterisk does) must agree exactly; ``agree`` says whether they do.

Run: ``.venv/bin/python bench/reports_validation.py --data ../shared/data/anonymous_bank_1999``
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bank_log
from distans.core.reports import Granularity, MetricOptions, aggregate_contacts, build_report
from distans.core.reports.import_csv import ContactCsvReader

THRESHOLDS = (20, 60)
SHORT = 5
MONTH_NAMES = {"january": 1, "february": 2, "march": 3}


def _sec(clock: str) -> int:
    hours, minutes, seconds = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + int(seconds)


def direct_monthly(data: Path) -> dict[str, dict[str, Any]]:
    """Monthly figures straight from the raw files (same rules as bank_log.py)."""
    calls: dict[str, list[tuple[str, int, int]]] = defaultdict(
        list
    )  # month -> (outcome, wait, service)
    for name in MONTH_NAMES:
        with gzip.open(data / f"{name}.txt.gz", "rt", encoding="latin-1") as raw:
            next(raw)
            for line in raw:
                f = line.rstrip("\r\n").split("\t")
                ok = (
                    len(f) == 17
                    and f[4] in ("PS", "PE", "IN", "NE", "NW", "TT")
                    and f[12] in ("AGENT", "HANG")
                    and f[11].isdigit()
                    and f[15].isdigit()
                )
                if not ok:
                    continue
                queued = f[9] != "0:00:00"
                if not queued and f[12] == "HANG":
                    continue
                arrival_clock = _sec(f[9] if queued else f[7])
                year, month, day = 1900 + int(f[5][:2]), int(f[5][2:4]), int(f[5][4:])
                if arrival_clock < _sec(f[6]) - 12 * 3600:  # after midnight: next day
                    last_day = 31 if month in (1, 3) else 28
                    if day == last_day:
                        month += 1
                key = f"{year}-{month:02d}"
                wait = int(f[11]) if queued else 0
                calls[key].append((f[12], wait, int(f[15]) if f[12] == "AGENT" else 0))
    result = {}
    for key, rows in sorted(calls.items()):
        for exclude in (True, False):
            answered = [(w, s) for o, w, s in rows if o == "AGENT"]
            abandoned = [w for o, w, _ in rows if o == "HANG"]
            short = sum(1 for w in abandoned if w <= SHORT)
            kept_abandoned = [w for w in abandoned if w > SHORT] if exclude else abandoned
            figures: dict[str, Any] = {
                "offered": len(answered) + len(kept_abandoned),
                "answered": len(answered),
                "abandoned": len(kept_abandoned),
                "short_abandoned": short,
                "asa_seconds": sum(w for w, _ in answered) / len(answered),
                "aht_seconds": sum(s for _, s in answered) / len(answered),
            }
            for t in THRESHOLDS:
                fast = sum(1 for w, _ in answered if w <= t)
                fast_abandoned = sum(1 for w in kept_abandoned if w <= t)
                figures[f"service_level_{t}"] = fast / len(answered)
                figures[f"service_level_2_{t}"] = (fast + fast_abandoned) / (
                    len(answered) + len(kept_abandoned)
                )
            result[f"{key} {'excl' if exclude else 'incl'}_short"] = figures
    return result


def core_monthly(data: Path) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """Monthly figures through the CSV import and the core aggregation API."""
    stats: Counter[str] = Counter()
    started = time.perf_counter()
    reader = ContactCsvReader(bank_log.convert(data, stats), bank_log.JERUSALEM)
    rows = aggregate_contacts(reader)
    aggregated = time.perf_counter()
    result: dict[str, dict[str, Any]] = {}
    for exclude in (True, False):
        reports = {
            t: build_report(
                rows,
                Granularity.MONTH,
                bank_log.JERUSALEM,
                options=MetricOptions(service_level_seconds=t, exclude_short_abandons=exclude),
            )
            for t in THRESHOLDS
        }
        for index, row in enumerate(reports[THRESHOLDS[0]]):
            m = row.metrics
            figures: dict[str, Any] = {
                "offered": m.offered,
                "answered": m.answered,
                "abandoned": m.abandoned,
                "short_abandoned": m.short_abandoned,
                "asa_seconds": m.asa_seconds,
                "aht_seconds": m.aht_seconds,
            }
            for t in THRESHOLDS:
                other = reports[t][index].metrics
                figures[f"service_level_{t}"] = other.service_level
                figures[f"service_level_2_{t}"] = other.service_level_2
            result[f"{row.period} {'excl' if exclude else 'incl'}_short"] = figures
    info = {
        "import_errors": reader.error_count,
        "records": reader.records_read,
        "interval_rows": len(rows),
        "conversion_counts": dict(sorted(stats.items())),
        "import_and_aggregate_seconds": round(aggregated - started, 2),
        "report_seconds": round(time.perf_counter() - aggregated, 3),
    }
    return result, info


def run(data: str = bank_log.DEFAULT_DATA) -> dict[str, Any]:
    """Both computations, their differences and whether they agree exactly."""
    path = Path(data)
    direct = direct_monthly(path)
    core, info = core_monthly(path)
    differences = {
        f"{period} {name}": {"direct": figures.get(name), "core": core.get(period, {}).get(name)}
        for period, figures in direct.items()
        for name in figures
        if core.get(period, {}).get(name) != figures[name]
    }
    if set(core) != set(direct):
        differences["periods"] = {"direct": sorted(direct), "core": sorted(core)}
    return {
        "source": str(data),
        "agree": not differences,
        "differences": differences,
        "monthly": core,
        "core": info,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=bank_log.DEFAULT_DATA)
    args = parser.parse_args()
    json.dump(run(args.data), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
