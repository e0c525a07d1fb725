"""``distans plan forecast`` end to end on a small made-up history."""

import csv
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from distans.cli.main import main

ZONE = ZoneInfo("Europe/Stockholm")


def write_counts(path, weeks=6, broken=2):
    """Every day 08:00-10:00, 4 contacts per 15 min on weekdays, none at weekends."""
    start = datetime(2026, 1, 5, tzinfo=ZONE)
    with open(path, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["interval_start", "count"])
        for day in range(7 * weeks):
            moment = start + timedelta(days=day)
            if moment.weekday() >= 5:
                continue
            for slot in range(8):
                writer.writerow([(moment + timedelta(hours=8, minutes=15 * slot)).isoformat(), 4])
        for _ in range(broken):
            writer.writerow(["yesterday-ish", "x"])


def test_forecast_cli_writes_a_week_and_counts_broken_rows(tmp_path, capsys):
    history = tmp_path / "history.csv"
    out = tmp_path / "forecast.csv"
    write_counts(history)
    code = main(
        [
            "plan",
            "forecast",
            "--history",
            str(history),
            "--interval-minutes",
            "15",
            "--horizon-days",
            "7",
            "--as-of",
            "2026-02-16T00:00",
            "--out",
            str(out),
            "--holidays",
            "",
        ]
    )
    assert code == 0
    assert "skipped 2 malformed" in capsys.readouterr().err
    rows = list(csv.DictReader(open(out)))
    assert len(rows) == 7 * 96
    assert rows[0]["interval_start"] == "2026-02-16T00:00:00+01:00"
    by_start = {r["interval_start"]: float(r["forecast"]) for r in rows}
    assert by_start["2026-02-16T08:00:00+01:00"] == 4.0
    assert by_start["2026-02-21T08:00:00+01:00"] == 0.0  # Saturday
    assert sum(by_start.values()) == 5 * 8 * 4


def test_forecast_cli_closes_a_swedish_holiday(tmp_path):
    history = tmp_path / "history.csv"
    out = tmp_path / "forecast.csv"
    write_counts(history, weeks=14)
    main(
        [
            "plan",
            "forecast",
            "--history",
            str(history),
            "--as-of",
            "2026-04-06T00:00",
            "--horizon-days",
            "1",
            "--out",
            str(out),
        ]
    )
    assert sum(float(r["forecast"]) for r in csv.DictReader(open(out))) == 0  # Easter Monday


def test_forecast_cli_rejects_a_file_without_the_columns(tmp_path, capsys):
    history = tmp_path / "history.csv"
    history.write_text("when,how_many\n2026-01-01T00:00,3\n")
    assert main(["plan", "forecast", "--history", str(history)]) == 1
    assert "arrived_at" in capsys.readouterr().err
