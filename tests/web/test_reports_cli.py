"""``distans import contacts`` and ``distans report summary`` end to end."""

from __future__ import annotations

import json

import pytest
from tests.factories import make_organisation

from distans.cli.main import main
from distans.reports.models import ImportedContact

pytestmark = pytest.mark.django_db(transaction=True)

CSV = """arrived_at,queue,channel,topic,waited_seconds,handled_seconds,outcome,agent
2020-03-02T08:05:00,skola,phone,Skolplikt,12,300,answered,anna
2020-03-02T08:20:00,skola,phone,Skolplikt,40,200,answered,anna
2020-03-02T08:25:00,skola,phone,Corona,3,0,abandoned,
2020-03-02T08:40:00,skola,phone,Corona,50,0,abandoned,
not-a-time,skola,phone,Corona,5,0,answered,
2020-03-03T09:00:00,bygg,phone,Bygglov,10,600,answered,
2020-03-03T09:10:00,bygg,phone,Bygglov,-3,0,abandoned,
2020-03-03T09:15:00,bygg,phone,Bygglov,5,1,maybe,
"""


def test_import_then_summary_by_day(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation(slug="kommun", time_zone="Europe/Stockholm")
    path = tmp_path / "history.csv"
    path.write_text(CSV, encoding="utf-8")
    assert main(["import", "contacts", str(path), "--organisation", "kommun"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["imported"] == 5
    assert json.loads(out.out)["skipped"] == 3
    assert f"{path}:6: skipped" in out.err and f"{path}:8: skipped" in out.err
    assert f"{path}:9: skipped" in out.err
    assert ImportedContact.objects.filter(organisation=org).count() == 5

    args = [
        "report",
        "summary",
        "--from",
        "2020-03-02",
        "--to",
        "2020-03-03",
        "--organisation",
        "kommun",
    ]
    assert main([*args, "--by", "day"]) == 0
    days = json.loads(capsys.readouterr().out)
    assert [d["period"] for d in days] == ["2020-03-02", "2020-03-03"]
    first = days[0]
    # The 3-second abandon is a short abandon (<= 5 s) and leaves offered by default.
    assert (first["offered"], first["answered"], first["abandoned"]) == (3, 2, 1)
    assert first["service_level"] == 0.5  # 12 s within 20 s, 40 s not
    assert first["service_level_2"] == pytest.approx(1 / 3)
    assert first["asa_seconds"] == 26.0
    assert first["aht_seconds"] == 250.0
    assert set(first) == {"period", "offered", "answered", "abandoned", "service_level",
                          "service_level_2", "asa_seconds", "aht_seconds"}  # fmt: skip

    assert main([*args, "--by", "hour", "--queue", "bygg", "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("period,offered,answered")
    assert len(lines) == 1 + 48  # empty hours are listed too
    assert [line for line in lines if not line.split(",")[1] == "0"][1:] == [
        next(line for line in lines if line.startswith("2020-03-03T09:00+01:00,1,1,0,"))
    ]


def test_missing_column_is_one_line_error(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    make_organisation(slug="solo")
    path = tmp_path / "bad.csv"
    path.write_text("arrived_at,queue\n2020-01-01T08:00:00,a\n", encoding="utf-8")
    assert main(["import", "contacts", str(path), "--organisation", "solo"]) != 0
    assert "lacks column" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_report_rebuild_recomputes_from_the_event_log(capsys) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_organisation, make_queue

    from distans.cli.main import main
    from distans.reports.models import IntervalAggregate
    from distans.routing import actions as routing_actions

    org = make_organisation(slug="rebuild-org")
    queue = make_queue(org)
    routing_actions.do_create_contact(queue, "phone")
    contact = routing_actions.do_create_contact(queue, "phone")
    routing_actions.do_abandon_contact(contact)
    assert main(["report", "rebuild", "--organisation", "rebuild-org"]) == 0
    assert "rebuilt" in capsys.readouterr().out
    assert IntervalAggregate.objects.filter(organisation=org).exists()
    assert main(["report", "rebuild", "--organisation", "nope"]) == 1


def test_import_skips_hostile_rows_with_their_line_numbers_and_keeps_the_rest(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    """Year 1, 1e300 seconds, a topic longer than the column, a NUL and a line that is
    not UTF-8 each cost their own row (with its line number), never the import."""
    org = make_organisation(slug="kommun", time_zone="Europe/Stockholm")
    good = "2020-03-02T08:05:00,skola,phone,Skolplikt,12,300,answered\n"
    rows = [
        b"arrived_at,queue,channel,topic,waited_seconds,handled_seconds,outcome\n",
        good.encode(),
        b"0001-01-01T00:00:00,skola,phone,Skolplikt,12,300,answered\n",  # line 3
        b"2020-03-02T08:06:00,skola,phone,Skolplikt,1e300,300,answered\n",  # line 4
        ("2020-03-02T08:07:00,skola,phone," + "T" * 300 + ",12,300,answered\n").encode(),  # 5
        b"2020-03-02T08:08:00,skola,phone,Skol\x00plikt,12,300,answered\n",  # line 6
        "2020-03-02T08:09:00,skola,phone,Sjukfrånvaro,12,300,answered\n".encode("latin-1"),  # 7
        b"9999-12-31T23:59:59+00:00,skola,phone,Skolplikt,12,99999999999999999999,answered\n",  # 8
        good.replace("08:05", "08:10").encode(),
    ]
    path = tmp_path / "history.csv"
    path.write_bytes(b"".join(rows))
    assert main(["import", "contacts", str(path), "--organisation", "kommun"]) == 0
    out = capsys.readouterr()
    summary = json.loads(out.out)
    assert (summary["imported"], summary["skipped"]) == (2, 6), out.err
    for line in (3, 4, 5, 6, 7, 8):
        assert f"{path}:{line}: skipped" in out.err
    assert "Traceback" not in out.err
    assert ImportedContact.objects.filter(organisation=org).count() == 2


def test_import_of_a_file_in_another_encoding_is_read_with_encoding(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    make_organisation(slug="kommun", time_zone="Europe/Stockholm")
    path = tmp_path / "history.csv"
    path.write_bytes(
        "arrived_at,queue,channel,topic,waited_seconds,handled_seconds,outcome\n"
        "2020-03-02T08:05:00,skola,phone,Sjukfrånvaro,12,300,answered\n".encode("cp1252")
    )
    assert main(["import", "contacts", str(path), "--organisation", "kommun"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["skipped"] == 1 and "--encoding" in out.err
    assert main(["import", "contacts", str(path), "--organisation", "kommun", "--encoding", "cp1252"]) == 0
    assert json.loads(capsys.readouterr().out)["imported"] == 1
    assert ImportedContact.objects.get().topic == "Sjukfrånvaro"


def test_the_readers_column_sizes_are_the_stored_columns_sizes() -> None:
    from distans.core.reports.import_csv import MAX_CHARS

    for name, size in MAX_CHARS.items():
        assert ImportedContact._meta.get_field(name).max_length == size, name
