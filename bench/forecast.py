"""Forecast backtest: Distans beside the baseline and statsforecast (MSTL, AutoETS).

Main case: the large bank center of ../shared/data/bank_calls_2003 (5-minute arrivals,
weekdays 07:00–21:05, 3 March – 25 July 2003), read with the product's own history
reader into 15-minute intervals. Rolling one-week-ahead backtest: from every midnight,
forecast the next 7 days; WAPE = Σ|actual − forecast| / Σ actual per 15-minute interval
and per day, over days with contacts. The span is split in two: **development**
(origins 7 April – 16 May; constants were chosen here) and **validation** (origins 19
May – 18 July, the last ten weeks, not used for choosing anything). The center's two
weekday closures in the span (Memorial Day 26 May, 4 July) are passed as special days
(the organisation's own calendar); the data gaps of 4 and 7 April are not.

Peers, on the Monday origins of each split (forecasting Monday–Friday) because they
are slow: statsforecast ``MSTL(season_length=[57, 285])`` with an AutoETS trend, fitted
on the open intervals only (57 a day, closed days dropped), forecasts clipped at 0; and
``AutoETS(season_length=5)`` on the open days' totals times the mean same-weekday
intraday shape of the last 12 weeks (AutoETS straight on the 57-interval series
collapsed to ~100 % WAPE at 11 s an origin, so it is not run). Also reported: the Poisson noise floor (WAPE of a
perfect forecast of the mean, Σ√(2λ/π) / Σλ with λ = actual) and the noon reforecast
(afternoon WAPE of the day-ahead forecast vs the one updated from the morning).

statsforecast is only needed here: ``pip install -e '.[bench]'`` (the product never
imports it); without it the peers are reported as skipped.

Secondary case (if present): the Anonymous Bank 1999 log (~1,500 calls a day, noisy).

    .venv/bin/python bench/forecast.py [--bank2003 FILE.csv] [--bank1999 FOLDER]
        [--no-statsforecast]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from distans.core.forecast.adjust import reforecast_rest_of_day
from distans.core.forecast.grid import DayGrid, grid_from_counts
from distans.core.forecast.history_csv import read_history
from distans.core.forecast.methods import level_profile_forecast, profile_baseline

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data"
DEFAULT_BANK2003 = SHARED / "bank_calls_2003" / "bank_calls_2003-03-03_2003-07-25.csv"
DEFAULT_BANK1999 = SHARED / "anonymous_bank_1999"
CLOSED_2003 = {date(2003, 5, 26): 0.0, date(2003, 7, 4): 0.0}
SPLITS_2003 = {
    "development": (date(2003, 4, 7), date(2003, 5, 16)),
    "validation": (date(2003, 5, 19), date(2003, 7, 18)),
}
OPEN_SLOTS_2003 = slice(28, 85)  # 07:00 … 21:00 (the 21:00 interval holds 21:00 and 21:05)
TYPES = {"PS", "PE", "IN", "NE", "NW", "TT"}
SPECIAL_1999 = {date(1999, 3, 2): 0.5, date(1999, 3, 31): 0.5}
HORIZON = 7

Forecaster = Callable[[DayGrid, int, int], NDArray[np.float64]]


def load_bank2003(path: Path) -> DayGrid:
    """The 5-minute counts as a 15-minute grid, through the product's CSV reader."""
    with open(path, encoding="utf-8") as lines:
        return read_history(lines, 15, ZoneInfo("UTC")).grid


def load_bank1999(folder: Path, interval_minutes: int = 15) -> tuple[DayGrid, int, int]:
    """Agent-seeking calls at vru_exit; return the grid, malformed rows and rows read."""
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
    """Weighted absolute percentage error in per cent."""
    return round(100 * errors / actual, 2) if actual else float("nan")


def backtest(grid: DayGrid, origins: list[int], methods: dict[str, Forecaster]) -> dict[str, Any]:
    """Interval and daily WAPE of each method from ``origins`` (HORIZON days each)."""
    counts = grid.counts
    totals = counts.sum(axis=1)
    sums = {name: [0.0, 0.0] for name in methods}
    actual_sum = noise = 0.0
    seconds = dict.fromkeys(methods, 0.0)
    for origin in origins:
        past = DayGrid(grid.first_date, grid.interval_minutes, counts[:origin])
        for name, method in methods.items():
            started = time.perf_counter()
            forecast = method(past, origin, HORIZON)
            seconds[name] += time.perf_counter() - started
            for offset in range(HORIZON):
                row = origin + offset
                if row >= len(totals) or totals[row] == 0:
                    continue
                sums[name][0] += float(np.abs(forecast[offset] - counts[row]).sum())
                sums[name][1] += abs(float(forecast[offset].sum()) - totals[row])
        for offset in range(HORIZON):
            row = origin + offset
            if row < len(totals) and totals[row] > 0:
                actual_sum += totals[row]
                noise += float(np.sqrt(2 * counts[row] / np.pi).sum())
    out: dict[str, Any] = {
        "origins": len(origins),
        "poisson_floor_wape_interval": wape(noise, actual_sum),
    }
    for name, (interval_errors, day_errors) in sums.items():
        out[name] = {
            "wape_interval": wape(interval_errors, actual_sum),
            "wape_daily": wape(day_errors, actual_sum),
            "seconds_per_origin": round(seconds[name] / max(1, len(origins)), 3),
        }
    return out


def statsforecast_methods(open_slots: slice) -> dict[str, Forecaster]:
    """MSTL and AutoETS on the open intervals of open days; {} without statsforecast."""
    try:
        from statsforecast.models import MSTL, AutoETS
    except ImportError:
        return {}
    per_day = open_slots.stop - open_slots.start

    def fit(make: Callable[[], Any]) -> Forecaster:
        def forecaster(past: DayGrid, origin: int, days: int) -> NDArray[np.float64]:
            totals = past.counts.sum(axis=1)
            open_rows = [r for r in range(len(totals)) if totals[r] > 0]
            series = np.concatenate([past.counts[r, open_slots] for r in open_rows])
            # the days ahead that open: weekdays, minus the known closures (special days)
            ahead = [
                k
                for k in range(days)
                if past.date_of(origin + k).weekday() < 5
                and past.date_of(origin + k) not in CLOSED_2003
            ]
            mean = make().forecast(y=series.astype(float), h=per_day * len(ahead))["mean"]
            out = np.zeros((days, past.slots))
            for i, k in enumerate(ahead):
                out[k, open_slots] = np.clip(mean[i * per_day : (i + 1) * per_day], 0, None)
            return out

        return forecaster

    def daily_ets(past: DayGrid, origin: int, days: int) -> NDArray[np.float64]:
        """AutoETS (season 5) on open days' totals × the 12-week same-weekday shape."""
        totals = past.counts.sum(axis=1)
        open_rows = [r for r in range(len(totals)) if totals[r] > 0]
        ahead = [
            k
            for k in range(days)
            if past.date_of(origin + k).weekday() < 5
            and past.date_of(origin + k) not in CLOSED_2003
        ]
        level = AutoETS(season_length=5).forecast(y=totals[open_rows].astype(float), h=len(ahead))
        out = np.zeros((days, past.slots))
        for i, k in enumerate(ahead):
            rows = [r for r in open_rows if (origin + k - r) % 7 == 0][-12:]
            shape = (past.counts[rows] / totals[rows, None]).mean(axis=0)
            out[k] = max(0.0, float(level["mean"][i])) * shape
        return out

    return {
        "statsforecast_mstl": fit(
            lambda: MSTL(
                season_length=[per_day, 5 * per_day], trend_forecaster=AutoETS(model="ZZN")
            )
        ),
        "statsforecast_autoets_daily_x_profile": daily_ets,
    }


def noon_reforecast(grid: DayGrid, rows: list[int], special: dict[date, float]) -> dict[str, float]:
    """Afternoon WAPE of the day-ahead forecast, before and after the noon reforecast."""
    noon = 12 * 60 // grid.interval_minutes
    before = after = afternoon = 0.0
    totals = grid.counts.sum(axis=1)
    for row in rows:
        if totals[row] == 0:
            continue
        past = DayGrid(grid.first_date, grid.interval_minutes, grid.counts[:row])
        day_ahead = level_profile_forecast(past, row, 1, special)[0]
        updated = reforecast_rest_of_day(day_ahead, grid.counts[row, :noon])
        actual = grid.counts[row, noon:]
        afternoon += actual.sum()
        before += np.abs(day_ahead[noon:] - actual).sum()
        after += np.abs(updated[noon:] - actual).sum()
    return {
        "afternoon_wape_day_ahead": wape(before, afternoon),
        "afternoon_wape_at_noon": wape(after, afternoon),
    }


def run_bank2003(path: Path, with_peers: bool = True) -> dict[str, Any]:
    """Both splits of the 2003 bank: daily origins for ours, Monday origins with peers."""
    grid = load_bank2003(path)
    ours: dict[str, Forecaster] = {
        "baseline_mean_last_4_same_weekdays": lambda p, o, h: profile_baseline(p, o, h),
        "distans": lambda p, o, h: level_profile_forecast(p, o, h, CLOSED_2003),
        "distans_without_special_days": lambda p, o, h: level_profile_forecast(p, o, h),
    }
    peers = statsforecast_methods(OPEN_SLOTS_2003) if with_peers else {}
    result: dict[str, Any] = {
        "data": path.name,
        "days": len(grid.counts),
        "calls": int(grid.counts.sum()),
        "interval_minutes": grid.interval_minutes,
        "horizon_days": HORIZON,
        "statsforecast": "included" if peers else "skipped (pip install -e '.[bench]')",
    }
    for split, (first, last) in SPLITS_2003.items():
        origins = list(range(grid.day_index(first), grid.day_index(last) + 1))
        mondays = [o for o in origins if grid.date_of(o).weekday() == 0]
        result[split] = {
            "first_origin": first.isoformat(),
            "last_origin": last.isoformat(),
            "every_midnight": backtest(grid, origins, ours),
            "monday_origins": backtest(grid, mondays, {**ours, **peers}),
            "noon_reforecast": noon_reforecast(
                grid, list(range(origins[0], origins[-1] + HORIZON)), CLOSED_2003
            ),
        }
    return result


def run_bank1999(folder: Path) -> dict[str, Any]:
    """The Anonymous Bank: every midnight from 5 February, with its two half days."""
    grid, malformed, read = load_bank1999(folder)
    origins = list(range(grid.day_index(date(1999, 2, 5)), len(grid.counts) - HORIZON + 1))
    methods: dict[str, Forecaster] = {
        "baseline_mean_last_4_same_weekdays": lambda p, o, h: profile_baseline(p, o, h),
        "distans": lambda p, o, h: level_profile_forecast(p, o, h, SPECIAL_1999),
    }
    return {
        "rows_read": read,
        "malformed_rows_skipped": malformed,
        "agent_calls": int(grid.counts.sum()),
        "every_midnight": backtest(grid, origins, methods),
    }


def run(
    bank2003: Path = DEFAULT_BANK2003, bank1999: Path = DEFAULT_BANK1999, peers: bool = True
) -> dict[str, Any]:
    """Every case whose data is present."""
    out: dict[str, Any] = {}
    if bank2003.exists():
        out["bank_calls_2003"] = run_bank2003(bank2003, peers)
    if (bank1999 / "january.txt.gz").exists():
        out["anonymous_bank_1999"] = run_bank1999(bank1999)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bank2003", type=Path, default=DEFAULT_BANK2003)
    parser.add_argument("--bank1999", type=Path, default=DEFAULT_BANK1999)
    parser.add_argument("--no-statsforecast", action="store_true")
    args = parser.parse_args()
    json.dump(run(args.bank2003, args.bank1999, not args.no_statsforecast), sys.stdout, indent=2)
    print()
