"""The topics command line: train, suggest --evaluate and surges, with bad input lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from distans.cli.main import main
from distans.core.topics.simulation import simulate_hourly_counts

ROWS = [
    ("Vaccination", "När får jag vaccin?"),
    ("Vaccination", "Hur bokar jag vaccinationen?"),
    ("Vaccination", "Får jeg vaksine hos fastlegen?"),
    ("Vaccination", "Vilket vaccin ges till äldre?"),
    ("Skola", "Är skolan stängd?"),
    ("Skola", "Gäller skolplikten nu?"),
    ("Skola", "Når åpner skolen?"),
    ("Skola", "Har gymnasiet distansundervisning?"),
    ("Bygglov", "Behöver jag bygglov för altan?"),
    ("Bygglov", "Hur lång tid tar bygglovet?"),
    ("Bygglov", "Må jeg søke byggetillatelse?"),
    ("Bygglov", "Kan grannen överklaga bygglovet?"),
]


def _write_jsonl(path: Path, rows: list[tuple[str, str]], extra: str = "") -> Path:
    lines = [json.dumps({"text": t, "topic": topic}, ensure_ascii=False) for topic, t in rows]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def test_train_then_suggest_with_evaluate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given training lines with two bad ones (line 13 not JSON, line 14 without topic)
    data = _write_jsonl(tmp_path / "train.jsonl", ROWS, 'not json\n{"text": "hej"}\n')
    model_dir = tmp_path / "model"
    # When training
    assert main(["topics", "train", "--data", str(data), "--model", str(model_dir)]) == 0
    out, err = capsys.readouterr()
    # Then the bad lines are reported with their numbers and the rest is learnt
    assert "train.jsonl:13: skipped" in err and "train.jsonl:14: skipped" in err
    assert json.loads(out)["n"] == len(ROWS)
    # When suggesting for labelled texts with --evaluate
    test = _write_jsonl(
        tmp_path / "test.jsonl",
        [
            ("Skola", "Stänger skolorna?"),
            ("Bygglov", "bygglov för garage"),
            ("Vaccination", "vaccinet"),
        ],
    )
    args = ["topics", "suggest", "--model", str(model_dir), "--data", str(test), "--evaluate"]
    assert main([*args, "--top", "2"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    # Then one line per text with up to two suggestions, then the summary object
    assert len(lines) == 4
    assert all(len(line["suggestions"]) <= 2 for line in lines[:3])
    assert lines[0]["suggestions"][0]["topic"] == "Skola"
    summary = lines[-1]
    assert set(summary) == {"n", "accuracy", "top3_accuracy", "macro_f1", "texts_per_s"}
    assert summary["n"] == 3
    assert summary["accuracy"] == 1.0
    assert 0.0 <= summary["macro_f1"] <= 1.0 and summary["texts_per_s"] > 0


def test_suggest_refuses_a_missing_model(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = _write_jsonl(tmp_path / "x.jsonl", ROWS[:1])
    assert main(["topics", "suggest", "--model", str(tmp_path), "--data", str(data)]) == 1
    assert "not a topic model directory" in capsys.readouterr().err


def test_surges_command_prints_json_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given 10 weeks of hourly counts with a +300 % surge on Tuesday of week 9, and
    # another topic that only has a row now and then (missing rows are zero)
    rng = np.random.default_rng(3)
    start = 8 * 168 + 24 + 9
    counts = simulate_hourly_counts(rng, 10, 300.0, start, 48, 3.0)
    monday = datetime(2026, 1, 5, tzinfo=UTC)
    lines = ["datetime,topic,count", f"{monday.isoformat()},Skola,1"]
    for hour, n in enumerate(counts):
        if n:
            lines.append(f"{(monday + timedelta(hours=hour)).isoformat()},Corona,{int(n)}")
    csv_path = tmp_path / "counts.csv"
    csv_path.write_text("\n".join(lines) + "\nbroken,row,1\n", encoding="utf-8")
    code = main(["topics", "surges", "--counts", str(csv_path), "--timezone", "UTC"])
    assert code == 0
    out, err = capsys.readouterr()
    assert "skipped" in err
    alerts = [json.loads(line) for line in out.splitlines()]
    assert alerts, "the injected surge was not detected"
    assert set(alerts[0]) >= {"topic", "start", "detected_at", "score"}
    assert {a["topic"] for a in alerts} == {"Corona"}
    surge_start = (monday + timedelta(hours=start)).isoformat()
    assert alerts[-1]["detected_at"] >= surge_start


def test_bad_lines_are_numbered_and_skipped_nothing_else_lost() -> None:
    from distans.core.topics.labelled_lines import parse_labelled_lines

    lines = [
        '\ufeff{"text": "Är skolan stängd?", "topic": "Skola"}\n'.encode(),
        b"\xff\xfe broken bytes\n",
        b"\n",
        b'["not", "an object"]\n',
        b'{"text": "utan topic"}\n',
        b'{"text": 5, "topic": "Skola"}\n',
        b'{"text": "tom topic", "topic": " "}\n',
        '{"text": "Bygglov för altan", "topic": "Bygglov"}\n'.encode(),
    ]
    parsed = parse_labelled_lines(lines, topic_required=True)
    assert parsed.texts == ["Är skolan stängd?", "Bygglov för altan"]
    assert parsed.topics == ["Skola", "Bygglov"]
    assert [n for n, _ in parsed.bad_lines] == [2, 4, 5, 6, 7]
    # Without --evaluate, a line without topic is still a text to suggest for
    assert parse_labelled_lines(lines, topic_required=False).texts[1] == "utan topic"
