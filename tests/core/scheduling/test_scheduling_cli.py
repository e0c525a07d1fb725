"""``distans plan schedule`` end to end on small JSON problems."""

import json

from distans.cli.main import main

HOURLY_DAY = [0] * 8 + [2] * 8 + [0] * 8
TEMPLATES = [
    {
        "name": "4h",
        "length_minutes": 240,
        "start_step_minutes": 60,
        "breaks": [
            {
                "label": "break",
                "duration_minutes": 60,
                "earliest_offset_minutes": 60,
                "latest_offset_minutes": 120,
            }
        ],
    }
]


def run_cli(tmp_path, problem, capsys, *extra):
    source = tmp_path / "problem.json"
    source.write_text(json.dumps(problem))
    code = main(
        ["plan", "schedule", "--input", str(source), "--time-limit", "5", "--workers", "1", *extra]
    )
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_schedule_cli_answers_with_shifts_and_breaks_inside_them(tmp_path, capsys):
    problem = {
        "interval_minutes": 60,
        "target": {"min_agents": 0},
        "days": [{"required_agents": HOURLY_DAY}],
        "templates": TEMPLATES,
    }
    code, out, _ = run_cli(tmp_path, problem, capsys)
    assert code == 0
    day = json.loads(out)["days"][0]
    assert all(n >= 2 for n in day["staffed"][8:16])
    for shift in day["shifts"]:
        for pause in shift["breaks"]:
            assert shift["start"] <= pause["start"] < pause["end"] <= shift["end"]


def test_schedule_cli_rosters_named_people(tmp_path, capsys):
    problem = {
        "interval_minutes": 60,
        "target": {"min_agents": 0},
        "days": [{"required_agents": [0] * 8 + [1] * 4 + [0] * 12}],
        "templates": [{"name": "4h", "length_minutes": 240, "start_step_minutes": 60}],
        "people": [{"name": "Astrid"}, {"name": "Ola", "available_days": []}],
    }
    code, out, _ = run_cli(tmp_path, problem, capsys)
    assert code == 0
    assignments = json.loads(out)["assignments"]
    assert [(a["person"], a["start"], a["end"]) for a in assignments] == [
        ("Astrid", "08:00", "12:00")
    ]


def test_schedule_cli_reports_infeasible_in_one_line(tmp_path, capsys):
    problem = {
        "interval_minutes": 60,
        "target": {"min_agents": 0},
        "days": [{"required_agents": HOURLY_DAY}],
        "templates": TEMPLATES,
        "people": [{"name": "alone"}],
    }
    code, _, err = run_cli(tmp_path, problem, capsys)
    assert code == 1
    assert err.startswith("distans: error: no roster") and err.count("\n") == 1


def test_schedule_cli_rejects_bad_input_in_one_line(tmp_path, capsys):
    code, _, err = run_cli(tmp_path, {"days": [{"required_agents": [1]}], "templates": []}, capsys)
    assert code == 1
    assert err.startswith("distans: error: schedule input") and err.count("\n") == 1
