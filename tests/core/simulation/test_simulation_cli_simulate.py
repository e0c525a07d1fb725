"""``distans plan simulate`` end to end."""

import json
from pathlib import Path

import pytest

from distans.cli.main import main

DAY = (
    "interval_start,calls,aht_seconds,agents,on_break\n"
    "2026-11-23T08:00:00+01:00,100,180,14,0\n"
    "2026-11-23T08:30:00+01:00,100,180,14,3\n"
)


def _write(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text(body)
    return str(path)


def test_json_has_spreads_and_intervals(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    day = _write(tmp_path, "day.csv", DAY)
    args = ["plan", "simulate", "--intervals", day, "--runs", "40", "--seed", "3"]
    assert main([*args, "--patience-seconds", "120", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["runs"] == 40
    assert 0 < result["service_level"]["p10"] <= result["service_level"]["mean"] <= 1
    assert result["abandon_rate"]["mean"] > 0
    first, second = result["intervals"]
    # Three of fourteen on a break in the second half hour hurt its service level.
    assert second["service_level"] < first["service_level"]
    assert main([*args, "--patience-seconds", "120", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == result  # seeded: same figures


def test_text_output_and_lognormal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    day = _write(tmp_path, "day.csv", DAY)
    assert main(["plan", "simulate", "--intervals", day, "--handle-distribution", "lognormal"]) == 0
    assert capsys.readouterr().out.startswith("30 runs, ")


def test_pools_are_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = (
        "interval_start,calls,aht_seconds,agents,pool\n"
        "08:00,50,180,8,office\n08:30,50,180,8,office\n"
        "08:00,50,180,0,home\n08:30,50,180,0,home\n"
    )
    day = _write(tmp_path, "pools.csv", body)
    args = ["plan", "simulate", "--intervals", day, "--interval-minutes", "30"]
    assert main([*args, "--patience-seconds", "60", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["pools"] == ["office", "home"]
    assert result["abandon_rate"]["mean"] == pytest.approx(0.5, abs=0.08)


def test_replay_of_a_log(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    day = _write(
        tmp_path,
        "day.csv",
        "interval_start,calls,aht_seconds,agents\n"
        "2026-11-23T08:00:00+01:00,0,180,1\n2026-11-23T08:30:00+01:00,0,180,1\n",
    )
    log = _write(
        tmp_path,
        "log.csv",
        "arrived_at,handle_seconds,patience_seconds\n"
        "2026-11-23T07:00:00+00:00,100,\n"
        "2026-11-23T08:00:10+01:00,50,\n"
        "2026-11-23T08:00:20+01:00,10,30\n",
    )
    assert main(["plan", "simulate", "--intervals", day, "--replay", log, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["runs"] == 1 and result["contacts"] == 3
    assert result["service_level"]["mean"] == pytest.approx(1 / 3)
    assert result["asa_seconds"]["mean"] == pytest.approx(45.0)


@pytest.mark.parametrize(
    ("day", "log", "message"),
    [
        ("interval_start,calls,aht_seconds\n08:00,1,180\n", None, "missing column(s) agents"),
        ("interval_start,calls,aht_seconds,agents\n08:00,1,180,2.5\n", None, "line 2: agents"),
        (DAY, "arrived_at,handle_seconds\n2026-11-23T08:00:05+01:00,x\n", "line 2: handle_seconds"),
        (
            DAY,
            "arrived_at,handle_seconds\n2026-11-23T06:00:00+01:00,5\n",
            "line 2: contact arrived",
        ),
        (DAY, "when,handle_seconds\n1,2\n", "line 1: the contact log needs"),
    ],
)
def test_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], day: str, log: str | None, message: str
) -> None:
    args = ["plan", "simulate", "--intervals", _write(tmp_path, "day.csv", day)]
    args += ["--interval-minutes", "30"]
    if log is not None:
        args += ["--replay", _write(tmp_path, "log.csv", log)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
