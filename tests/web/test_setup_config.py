"""Setup as data: ``distans config export`` / ``import`` (round trip into an empty
install, readable dry run, all or nothing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.factories import make_organisation, make_person

from distans.accounts.models import AuditEntry, Organisation, Site
from distans.channels_chat.models import ChatWidget
from distans.channels_email.models import Mailbox
from distans.cli.main import main
from distans.routing.models import Queue
from distans.setup import actions
from distans.setup.config import do_import_config, export_config
from distans.telephony.models import Line, TelephonySettings

pytestmark = pytest.mark.django_db


def build_setup() -> Organisation:
    org = make_organisation(name="Västerby kommun", slug="vasterby")
    admin = make_person(org, is_org_admin=True)
    actions.do_create_site(org, admin, "Rådhuset", "office", "Storgatan 1")
    actions.do_create_site(org, admin, "Hemma", "home")
    actions.do_create_team(org, admin, "Kundtjänst")
    vaxel = actions.do_save_queue(org, admin, None, {"name": "Växeln", "code": "vaxel", "always_open": True})
    bygg = actions.do_save_queue(
        org,
        admin,
        None,
        {
            "name": "Bygglov",
            "code": "bygglov",
            "channels": ["chat", "phone"],
            "weekly_hours": {"0": [["08:00", "12:00"], ["13:00", "16:30"]], "4": [["08:00", "15:00"]]},
            "holiday_country": "SE",
            "holiday_hours": {"se_julafton": [["08:00", "12:00"]]},
            "special_days": {"2026-12-28": [], "2026-12-23": [["08:00", "12:00"]]},
            "required_skills": {"bygglov": 3},
            "widening": [{"after_seconds": 60, "min_level": 1}],
            "overflow": [{"to": "vaxel", "after_seconds": 300, "when_no_agents": True, "when_longer_than": None}],
            "max_wait_seconds": 900,
            "waiting_texts": {"sv": {"closed": "Vi har stängt."}, "nb": {"closed": "Vi har stengt."}},
            "service_level_target": 0.9,
        },
    )
    actions.do_create_chat_widget(org, admin, bygg, "Webbchatt", ["https://www.vasterby.se"], {"sv": "Hej!"})
    actions.do_create_phone_line(org, admin, vaxel, "+4686000000", "Växeln")
    Mailbox.objects.create(organisation=org, queue=bygg, address="bygglov@vasterby.se", imap_host="imap.vasterby.se", imap_username="bygglov", imap_password="hemligt-imap", smtp_host="smtp.vasterby.se", smtp_password="hemligt-smtp")
    TelephonySettings.objects.create(organisation=org, webhook_url="https://pbx.vasterby.se/hook", webhook_secret="hemlig-nyckel", callback_valid_hours=4)
    return org


def wipe() -> None:
    for model in (Line, ChatWidget, Mailbox):
        model.objects.all().delete()
    Organisation.objects.all().delete()


def test_export_of_an_import_into_an_empty_install_equals_the_export(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    build_setup()
    path = tmp_path / "setup.json"
    assert main(["config", "export", "-o", str(path)]) == 0
    text = path.read_text()
    exported = json.loads(text)
    assert "hemligt" not in text and "hemlig-nyckel" not in text  # no secrets
    assert [q["code"] for q in exported["queues"]] == ["bygglov", "vaxel"]
    assert exported["skills"] == ["bygglov"]

    wipe()
    assert not Queue.objects.exists()
    assert main(["config", "import", "--dry-run", str(path)]) == 0
    dry = capsys.readouterr().out
    assert "+ queues bygglov: new" in dry and "weekly_hours" in dry
    assert not Organisation.objects.exists()  # a dry run stores nothing

    assert main(["config", "import", str(path)]) == 0
    org = Organisation.objects.get()
    assert export_config(org) == exported
    # The imported mailbox has no password (never in the file): set in the settings.
    assert Mailbox.objects.get().imap_password == ""
    assert AuditEntry.objects.for_org(org).filter(action="queue_created").count() == 2

    # Importing the same file again changes nothing.
    capsys.readouterr()
    assert main(["config", "import", str(path)]) == 0
    assert "0 item(s) changed" in capsys.readouterr().out


def test_a_changed_file_shows_a_readable_diff_and_keeps_what_it_does_not_name(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    org = build_setup()
    data = export_config(org)
    data["queues"] = [q for q in data["queues"] if q["code"] == "bygglov"]
    data["queues"][0]["weekly_hours"]["2"] = [["09:00", "11:00"]]
    data["sites"].append({"name": "Filialen", "kind": "office", "address": "", "seat_capacity": 4})
    path = tmp_path / "setup.json"
    path.write_text(json.dumps(data))
    assert main(["config", "import", "--dry-run", str(path)]) == 0
    out = capsys.readouterr().out
    assert "~ queues bygglov: changed" in out and '"2": [["09:00", "11:00"]]' in out
    assert "+ sites Filialen: new" in out
    assert "= queues vaxel: kept" in out
    assert "2 item(s) would change" in out
    assert not Site.objects.filter(name="Filialen").exists()
    assert main(["config", "import", str(path)]) == 0
    assert Queue.objects.get(code="bygglov").weekly_hours["2"] == [["09:00", "11:00"]]
    assert Queue.objects.filter(code="vaxel").exists()


def test_import_is_all_or_nothing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    org = build_setup()
    data = export_config(org)
    wipe()
    data["queues"][1]["weekly_hours"] = {"0": [["17:00", "08:00"]]}  # the last queue is invalid
    path = tmp_path / "setup.json"
    path.write_text(json.dumps(data))
    assert main(["config", "import", "--dry-run", str(path)]) == 1  # the dry run checks too
    assert "vaxel" in capsys.readouterr().err
    assert not Organisation.objects.exists()
    assert main(["config", "import", str(path)]) == 1
    assert "vaxel" in capsys.readouterr().err
    assert not Organisation.objects.exists() and not Queue.objects.exists() and not Site.objects.exists()
    with pytest.raises(Exception):  # noqa: B017
        do_import_config(None, {"distans_config": 99})


def test_the_demo_is_built_through_the_setup_actions_and_round_trips() -> None:
    from distans.channels_chat.demo import load_chat_demo
    from distans.telephony.demo import load_telephony_demo

    org = make_organisation(name="Västerby kommun – Kontaktcenter", slug="vasterby-demo")
    load_chat_demo(org)  # loads the routing demo's queues first
    load_telephony_demo(org)
    actions_logged = list(AuditEntry.objects.for_org(org).values_list("action", flat=True))
    assert actions_logged.count("queue_created") == 5
    assert actions_logged.count("chat_widget_created") == 1
    assert actions_logged.count("phone_line_created") == Line.objects.for_org(org).count() > 0
    exported = export_config(org)
    wipe()
    imported, _ = do_import_config(None, exported)
    assert export_config(imported) == exported
