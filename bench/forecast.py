"""Forecast backtest on the Anonymous Bank call log (Jan–Mar 1999, Brown et al. 2005).

Demand = calls that asked for an agent (queued, or served), counted at vru_exit per
15-minute interval. One-week-ahead forecasts from every midnight between 5 Feb and 25
Mar; WAPE = Σ|actual − forecast| / Σ actual at 15-minute and at daily level, over
days with data. Baseline: mean of the last four same weekdays. Special days passed to
Distans' method: Purim (2 Mar 1999) and the eve of Passover (31 Mar) as half days.
Noon reforecast: the afternoon (12:00–24:00) of each test day, day-ahead forecast vs
reforecast from the morning's actuals.

    .venv/bin/python bench/forecast.py [--data ../shared/data/anonymous_bank_1999]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from distans.core.forecast.adjust import reforecast_rest_of_day
from distans.core.forecast.grid import DayGrid, grid_from_counts
from distans.core.forecast.methods import level_profile_forecast, profile_baseline

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "anonymous_bank_1999"
TYPES = {"PS", "PE", "IN", "NE", "NW", "TT"}
SPECIAL_DAYS = {date(1999, 3, 2): 0.5, date(1999, 3, 31): 0.5}


def load_bank(folder: Path, interval_minutes: int = 15) -> tuple[DayGrid, int, int]:
    """Return the grid, the malformed rows skipped, and the rows read."""
    cells = []
    malformed = read = 0
    for month in ("january", "february", "march"):
        with gzip.open(folder / f"{month}.txt.gz", "rt") as lines:
            next(lines)
            for line in lines:
                read += 1
                fields = line.rstrip("\n").split("\t")
                try:
                    if len(fields) != 17 or fields[4] not in TYPES or int(fields[8]) < 0:
                        raise ValueError(fields[:2])
                    day = date(1900 + int(fields[5][:2]), int(fields[5][2:4]), int(fields[5][4:6]))
                    hour, minute, _ = (int(x) for x in fields[7].split(":"))
                except ValueError:
                    malformed += 1
                    continue
                if fields[12] != "AGENT" and fields[9] == "0:00:00":
                    continue  # ended in the voice menu, never asked for an agent
                cells.append((day, (hour * 60 + minute) // interval_minutes, 1.0))
    return grid_from_counts(cells, interval_minutes), malformed, read


def wape(errors: float, actual: float) -> float:
    """Weighted absolute percentage error as a fraction."""
    return round(errors / actual, 4)


def run(
    data: Path = DEFAULT_DATA, interval_minutes: int = 15, horizon_days: int = 7
) -> dict[str, Any]:
    """Backtest the baseline and Distans' method; return WAPEs and the reforecast gain."""
    grid, malformed, read = load_bank(Path(data), interval_minutes)
    counts = grid.counts
    totals = counts.sum(axis=1)
    first_origin = grid.day_index(date(1999, 2, 5))
    last_origin = len(totals) - horizon_days
    sums = {name: [0.0, 0.0, 0.0] for name in ("baseline", "distans", "distans_no_special")}
    actual_sum = 0.0
    for origin in range(first_origin, last_origin + 1):
        past = DayGrid(grid.first_date, interval_minutes, counts[:origin])
        forecasts = {
            "baseline": profile_baseline(past, origin, horizon_days),
            "distans": level_profile_forecast(past, origin, horizon_days, SPECIAL_DAYS),
            "distans_no_special": level_profile_forecast(past, origin, horizon_days),
        }
        for offset in range(horizon_days):
            actual = counts[origin + offset]
            if actual.sum() == 0:
                continue
            actual_sum += actual.sum()
            for name, forecast in forecasts.items():
                sums[name][0] += np.abs(forecast[offset] - actual).sum()
                sums[name][1] += abs(forecast[offset].sum() - actual.sum())
    noon = 12 * 60 // interval_minutes
    before = after = afternoon = 0.0
    for row in range(first_origin, len(totals)):
        if totals[row] == 0:
            continue
        past = DayGrid(grid.first_date, interval_minutes, counts[:row])
        day_ahead = level_profile_forecast(past, row, 1, SPECIAL_DAYS)[0]
        updated = reforecast_rest_of_day(day_ahead, counts[row, :noon])
        actual = counts[row, noon:]
        afternoon += actual.sum()
        before += np.abs(day_ahead[noon:] - actual).sum()
        after += np.abs(updated[noon:] - actual).sum()
    result: dict[str, Any] = {
        "rows_read": read,
        "malformed_rows_skipped": malformed,
        "agent_calls": int(totals.sum()),
        "origins": last_origin - first_origin + 1,
        "horizon_days": horizon_days,
        "interval_minutes": interval_minutes,
    }
    for name, (interval_errors, day_errors, _) in sums.items():
        result[f"{name}_wape_interval"] = wape(interval_errors, actual_sum)
        result[f"{name}_wape_daily"] = wape(day_errors, actual_sum)
    result["noon_reforecast_afternoon_wape_before"] = wape(before, afternoon)
    result["noon_reforecast_afternoon_wape_after"] = wape(after, afternoon)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--interval-minutes", type=int, default=15)
    args = parser.parse_args()
    json.dump(run(args.data, args.interval_minutes), sys.stdout, indent=2)
    print()
