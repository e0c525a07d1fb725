"""``distans plan staffing`` end to end (the command is a thin shell over the core)."""

import json
from pathlib import Path

import pytest

from distans.cli.main import main

EXAMPLE = ["plan", "staffing", "--calls", "100", "--interval-minutes", "30", "--aht-seconds", "180"]


def test_published_example_text(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*EXAMPLE, "--target", "80/20", "--shrinkage", "0.3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("14 agents (20 rostered")
    assert "88.8 %" in out


def test_json_with_patience_has_every_field(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*EXAMPLE, "--patience-seconds", "120", "--shrinkage", "0.3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("agents", "agents_with_shrinkage", "traffic_erlangs", "service_level", "p_wait"):
        assert key in result
    assert result["traffic_erlangs"] == 10.0
    assert result["agents"] == 12
    assert result["agents_with_shrinkage"] == 18
    assert 0 < result["abandon_rate"] < 0.1
    assert result["service_level"] >= 0.8


def test_fixed_agents_are_evaluated(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*EXAMPLE, "--agents", "13", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["agents"] == 13
    assert result["required_agents"] == 14
    assert result["service_level"] == pytest.approx(0.7956, abs=5e-4)
    assert "abandon_rate" not in result


def test_overloaded_asa_is_null_not_infinity(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*EXAMPLE, "--agents", "9", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["asa_seconds"] is None
    assert result["service_level"] == 0.0


def test_a_whole_day_from_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    day = tmp_path / "day.csv"
    day.write_text(
        "interval_start,calls,aht_seconds\n"
        "2026-11-23T08:00:00+01:00,100,180\n"
        "2026-11-23T08:30:00+01:00,0,180\n"
        "2026-11-23T09:00:00+01:00,200,180\n"
    )
    assert main(["plan", "staffing", "--intervals", str(day)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["agents"] for line in lines] == [14, 0, 24]
    assert lines[0]["interval_start"] == "2026-11-23T08:00:00+01:00"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("interval_start,calls,aht_seconds\n08:00,100,180\n08:30,x,180\n", "line 3: calls 'x'"),
        ("interval_start,calls,aht_seconds\n08:00,100\n", "line 2: expected 3 fields"),
        ("interval_start,calls,aht_seconds\n08:00,100,0\n", "line 2: aht_seconds must be positive"),
        ("interval_start,calls\n08:00,100\n", "line 1: missing column(s) aht_seconds"),
    ],
)
def test_broken_csv_rows_name_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: str, message: str
) -> None:
    day = tmp_path / "day.csv"
    day.write_text(body)
    assert main(["plan", "staffing", "--intervals", str(day), "--interval-minutes", "30"]) == 1
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_missing_inputs_are_a_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "staffing", "--calls", "10"]) == 1
    assert "--aht-seconds" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--calls", "1e22", "--aht-seconds", "180"], "more than a million agents"),
        (["--calls", "1e308", "--aht-seconds", "1e308"], "traffic must be finite"),
        (["--calls", "100", "--aht-seconds", "180", "--interval-minutes", "0"], "--interval-minutes must be positive"),
        (["--calls", "100", "--aht-seconds", "180", "--agents", "99999999999999999999"], "--agents"),
    ],
)
def test_huge_or_zero_numbers_are_a_clear_error_not_a_hang(
    capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main(["plan", "staffing", *extra]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_intervals_file_not_utf8_or_not_a_date_names_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day = tmp_path / "day.csv"
    day.write_bytes("interval_start,calls,aht_seconds\n08:00,100,180\n08:30,1,180 # kö\n".encode("latin-1"))
    assert main(["plan", "staffing", "--intervals", str(day), "--interval-minutes", "30"]) == 1
    assert "UTF-8" in capsys.readouterr().err
    day.write_text("interval_start,calls,aht_seconds\n08:00,100,180\nnot-a-date,100,180\n")
    assert main(["plan", "staffing", "--intervals", str(day), "--interval-minutes", "30"]) == 1
    err = capsys.readouterr().err
    assert "line 3: interval_start 'not-a-date'" in err
    day.write_text("interval_start,calls,aht_seconds\n08:00,100,180\n")
    assert main(["plan", "staffing", "--intervals", str(day), "--interval-minutes", "0"]) == 1
    assert "--interval-minutes must be positive" in capsys.readouterr().err
