"""The switchboard (issue 19, point 2): the directory and its CSV import, search,
away statuses from people and calendars, messages by e-mail and SMS, and putting a
call through the telephony contract (blind and after consulting)."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest
from django.test import Client
from django.utils import translation
from tests.factories import PASSWORD, make_agent, make_organisation, make_person, make_queue

from distans import sms as sms_adapter
from distans.accounts.actions import do_create_api_token
from distans.accounts.models import AuditEntry
from distans.channels_email.models import OutgoingMail
from distans.contacts.models import Contact
from distans.core.errors import InvalidInput, StateConflict
from distans.routing import actions as routing
from distans.routing.models import Offer
from distans.switchboard import actions, queries
from distans.switchboard.models import AwayStatus, DirectoryEntry, PhoneMessage, SearchTerm
from distans.telephony.models import Call, Line

pytestmark = pytest.mark.django_db
STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")

CSV = """namn;titel;avdelning;nyckelord;telefon;mobil;e-post
Åsa Öberg;Bygglovshandläggare;Samhällsbyggnadsförvaltningen;bygglov rivningslov;+46555 200 01;+46701234567;asa.oberg@kommun.example
Per Strand;Rektor;Barn- och utbildningsförvaltningen;skola;+4655520002;;per.strand@kommun.example
;Namnlös;Ingen;;;;
Lena Dahl;Socialsekreterare;Socialförvaltningen;;telefon!;;lena.dahl@kommun.example
Nils Wallin;Miljöinspektör;Miljö- och hälsoskyddskontoret;avlopp;;;inte-en-adress
"""


def _import(org, text: str = CSV, actor=None):  # type: ignore[no-untyped-def]
    return actions.do_import_directory_csv(org.pk, actor, text.encode())


def test_csv_import_reports_broken_lines_by_number_and_keeps_the_rest() -> None:
    org = make_organisation()
    admin = make_person(org, is_org_admin=True)
    with translation.override("en"):
        result = _import(org, actor=admin)
    assert (result.created, result.updated) == (2, 0)
    lines = {line: problem for line, problem in result.problems}
    assert sorted(lines) == [4, 5, 6]
    assert (
        "name is missing" in lines[4]
        and "phone number" in lines[5]
        and "e-mail address" in lines[6]
    )
    assert set(DirectoryEntry.objects.for_org(org).values_list("name", flat=True)) == {
        "Åsa Öberg",
        "Per Strand",
    }
    entry = AuditEntry.objects.get(organisation=org, action="directory.imported_csv")
    assert (
        entry.actor == admin
        and entry.changes["after"]["created"] == 2
        and entry.changes["after"]["problems"] == 3
    )


def test_a_second_import_updates_by_email_and_never_deletes() -> None:
    org = make_organisation()
    _import(org)
    again = "namn;titel;e-post\nÅsa Öberg;Enhetschef bygglov;asa.oberg@kommun.example\n"
    result = _import(org, again)
    assert (result.created, result.updated, result.kept) == (0, 1, 1)
    asa = DirectoryEntry.objects.get(email="asa.oberg@kommun.example")
    assert asa.title == "Enhetschef bygglov" and asa.department == "Samhällsbyggnadsförvaltningen"
    assert DirectoryEntry.objects.for_org(org).count() == 2  # Per is still there
    assert queries.find(org.pk, "enhetschef")[0] == asa
    assert queries.find(org.pk, "bygglovshandl") == []  # the old title's words are gone


def test_an_unreadable_file_is_refused_with_a_reason() -> None:
    org = make_organisation()
    with pytest.raises(InvalidInput):
        _import(org, "title;department\nRektor;Skola\n")
    with pytest.raises(InvalidInput):
        actions.do_import_directory_csv(org.pk, None, b"\x00\x01\x02")


def test_search_by_name_department_role_keyword_and_number_prefix() -> None:
    org, other = make_organisation(), make_organisation()
    _import(org)
    _import(other, "namn;titel\nÅsa Öberg;Rektor\n")
    names = lambda q: [e.name for e in queries.find(org.pk, q)]  # noqa: E731
    assert names("åsa") == ["Åsa Öberg"]
    assert names("OBERG") == ["Åsa Öberg"]  # case and diacritics folded
    assert names("samhällsbygg") == ["Åsa Öberg"]
    assert names("rivnings") == ["Åsa Öberg"]
    assert names("rektor") == ["Per Strand"]
    assert names("0002") == ["Per Strand"]  # the extension
    assert names("per skola") == ["Per Strand"]
    assert names("per bygglov") == []
    assert names("   ") == []
    assert SearchTerm.objects.filter(organisation=other).count() > 0
    assert all(e.organisation_id == org.pk for e in queries.find(org.pk, "a"))


def _entry(org, name: str = "Åsa Öberg", **fields) -> DirectoryEntry:  # type: ignore[no-untyped-def]
    return actions.do_save_entry(org.pk, None, {"name": name, **fields})


def test_away_texts_in_swedish() -> None:
    org = make_organisation()
    entry = _entry(org)
    now = dt.datetime(2026, 12, 3, 9, 30, tzinfo=STOCKHOLM)  # a Thursday
    meeting = AwayStatus(
        entry=entry, kind="meeting", starts_at=now, until=now.replace(hour=14, minute=0)
    )
    leave = AwayStatus(
        entry=entry, kind="leave", starts_at=now, until=dt.datetime(2026, 12, 7, tzinfo=STOCKHOLM)
    )
    with translation.override("sv"):
        assert queries.away_text(meeting, now) == "I möte till 14:00"
        assert queries.away_text(leave, now) == "Ledig till måndag"
    with translation.override("nb"):
        assert queries.away_text(leave, now) == "Fri til mandag"


def test_own_status_wins_over_the_calendar_and_an_agents_presence_shows() -> None:
    org = make_organisation()
    queue = make_queue(org)
    agent = make_agent(org, [queue], email="anna@kommun.example", presence="available")
    anna = _entry(org, "Anna Agent", email="anna@kommun.example")
    assert anna.person == agent
    with translation.override("sv"):
        assert queries.presence_of([anna])[anna.pk].text == "Kontaktcenter: Tillgänglig"
    from django.utils import timezone

    now = timezone.now()
    AwayStatus.objects.create(
        organisation=org,
        entry=anna,
        kind="meeting",
        starts_at=now - dt.timedelta(minutes=5),
        until=now + dt.timedelta(hours=1),
        source="calendar",
    )
    actions.do_set_away(anna, "lunch", now + dt.timedelta(minutes=30))
    assert queries.presence_of([anna])[anna.pk].css == "away"
    with translation.override("en"):
        assert queries.presence_of([anna])[anna.pk].text.startswith("At lunch until")
    actions.do_clear_away(anna)
    with translation.override("en"):
        assert queries.presence_of([anna])[anna.pk].text.startswith("In a meeting until")
    with pytest.raises(InvalidInput):
        actions.do_set_away(anna, "meeting", now - dt.timedelta(minutes=1))


ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//EN\r
BEGIN:VEVENT\r
UID:1\r
DTSTART;TZID=Europe/Stockholm:20261203T130000\r
DTEND;TZID=Europe/Stockholm:20261203T140000\r
SUMMARY:Hemlig budgetgenomg\xc3\xa5ng\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:2\r
DTSTART;VALUE=DATE:20261207\r
DTEND;VALUE=DATE:20261209\r
SUMMARY:Semester\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:3\r
DTSTART;TZID=Europe/Stockholm:20261204T100000\r
DTEND;TZID=Europe/Stockholm:20261204T110000\r
TRANSP:TRANSPARENT\r
SUMMARY:Ledig tid\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:4\r
DTSTART;TZID=Europe/Stockholm:20261101T080000\r
DTEND;TZID=Europe/Stockholm:20261101T083000\r
RRULE:FREQ=WEEKLY;BYDAY=FR\r
SUMMARY:Veckom\xc3\xb6te\r
END:VEVENT\r
END:VCALENDAR\r
"""


def test_a_calendar_feed_becomes_away_statuses_without_titles() -> None:
    org = make_organisation()
    entry = _entry(org, calendar_url="https://cal.example/asa.ics")
    now = dt.datetime(2026, 12, 3, 9, 0, tzinfo=STOCKHOLM)
    assert actions.do_fetch_calendar(entry, now=now, data=ICS) == 4  # meeting, leave, 2 Fridays
    rows = list(AwayStatus.objects.filter(entry=entry).order_by("starts_at"))
    assert [(r.kind, r.starts_at.astimezone(STOCKHOLM).strftime("%d %H:%M")) for r in rows] == [
        ("meeting", "03 13:00"),
        ("meeting", "04 08:00"),
        ("leave", "07 00:00"),
        ("meeting", "11 08:00"),
    ]
    assert all(r.source == "calendar" and r.note == "" for r in rows)
    at_one = now.replace(hour=13, minute=15)
    with translation.override("sv"):
        assert queries.presence_of([entry], at_one)[entry.pk].text == "I möte till 14:00"
    # The next fetch replaces them; a broken feed keeps the last good ones and says why.
    assert actions.do_fetch_calendar(entry, now=now, data=b"not a calendar") == 0
    entry.refresh_from_db()
    assert entry.calendar_error and AwayStatus.objects.filter(entry=entry).count() == 4


def test_a_message_goes_by_email_through_the_outbox_or_by_sms(
    django_capture_on_commit_callbacks, settings
) -> None:
    org = make_organisation()
    operator = make_person(org, is_agent=True)
    asa = _entry(org, email="asa@kommun.example", mobile="+46701234567")
    from django.core import mail as sent_mail

    with django_capture_on_commit_callbacks(execute=True):
        message = actions.do_take_message(
            asa,
            operator,
            {
                "caller_name": "Bo Medborgare",
                "caller_number": "+46705550000",
                "text": "Undrar över bygglovet.",
                "via": "email",
                "call_back": True,
            },
        )
    mail = OutgoingMail.objects.get(pk=message.outgoing_mail_id)
    assert mail.recipients == "asa@kommun.example" and mail.purpose == "phone_message"
    assert "Bo Medborgare" in mail.subject and b"+46705550000" in bytes(mail.raw)
    assert mail.status == "sent", mail.last_error  # the system mail path, no mailbox needed
    delivered = sent_mail.outbox[-1]
    assert delivered.to == ["asa@kommun.example"] and "Undrar över bygglovet." in delivered.body
    # no SMS gateway set up: nothing is claimed to have gone out
    settings.DISTANS_SMS_ADAPTER = ""
    unsent = actions.do_take_message(
        asa, operator, {"text": "Ring Bo", "via": "sms", "caller_number": "+46705550000"}
    )
    assert unsent.sms_status == "not_configured"
    settings.DISTANS_SMS_ADAPTER = "distans.sms.RecordingSmsAdapter"
    sms_adapter.clear_recorded()
    sms = actions.do_take_message(
        asa, operator, {"text": "Ring Bo", "via": "sms", "caller_number": "+46705550000"}
    )
    assert sms.sms_status == "sent"
    (recorded,) = sms_adapter.recorded()
    assert recorded.to == "+46701234567" and "Ring Bo" in recorded.text
    nobody = _entry(org, "Utan Adress")
    with pytest.raises(InvalidInput):
        actions.do_take_message(nobody, operator, {"text": "Hej", "via": "email"})
    with pytest.raises(InvalidInput):
        actions.do_take_message(asa, operator, {"text": "  ", "via": "email"})
    assert PhoneMessage.objects.count() == 3
    actions.do_finish_message(message)
    actions.do_finish_message(unsent)
    assert queries.messages_for(asa, open_only=True).get() == sms


@pytest.fixture
def switchboard_call(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    org = make_organisation()
    vaxel = make_queue(org, code="vaxel", is_switchboard=True)
    Line.objects.create(organisation=org, number="+4655510000", name="Växeln", queue=vaxel)
    operator = make_agent(org, [vaxel], is_agent=True)
    key, _ = do_create_api_token(org, "pbx", scopes=["telephony.adapter"])
    pbx = Client(headers={"Authorization": f"Bearer {key}"})

    def api(method: str, path: str, data: dict | None = None):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            if method == "get":
                return pbx.get(path).json()
            return pbx.post(path, json.dumps(data or {}), content_type="application/json").json()

    api(
        "post",
        "/api/telephony/calls",
        {"call_id": "v-1", "line": "+4655510000", "caller_number": "+46709998877"},
    )
    with django_capture_on_commit_callbacks(execute=True):
        routing.do_set_presence(operator, "available")
    with django_capture_on_commit_callbacks(execute=True):
        routing.do_accept_offer(operator, Offer.objects.get().pk)
    api("post", "/api/telephony/calls/v-1/events", {"event": "answered"})
    per = _entry(org, "Per Strand", phone="+4655520002")
    return org, operator, per, api, Call.objects.get(call_id="v-1")


def test_a_blind_transfer_puts_the_call_through_and_ends_the_operators_part(
    switchboard_call,
) -> None:  # type: ignore[no-untyped-def]
    org, operator, per, api, call = switchboard_call
    assert [c.pk for c in queries.my_calls(operator)] == [call.pk]
    actions.do_put_through(operator, call.pk, "blind", per)
    assert api("get", "/api/telephony/calls/v-1/route")["route"] == {
        "action": "transfer",
        "number": "+4655520002",
    }
    done = api(
        "post", "/api/telephony/calls/v-1/events", {"event": "transferred", "number": "+4655520002"}
    )
    assert done["state"] == "transferred"
    contact = Contact.objects.get(pk=call.contact_id)
    assert contact.status != "active" and contact.topic == "transferred"
    assert queries.my_calls(operator) == []


def test_consulting_first_holds_the_caller_then_goes_back_or_through(switchboard_call) -> None:  # type: ignore[no-untyped-def]
    org, operator, per, api, call = switchboard_call
    actions.do_put_through(operator, call.pk, "consult", per)
    assert api("get", "/api/telephony/calls/v-1/route")["route"] == {
        "action": "consult",
        "number": "+4655520002",
    }
    with pytest.raises(StateConflict):
        actions.do_put_through(operator, call.pk, "blind", per)
    actions.do_put_through(operator, call.pk, "cancel", None)
    assert api("get", "/api/telephony/calls/v-1/route")["route"]["action"] == "connect"
    with pytest.raises(StateConflict):
        actions.do_put_through(operator, call.pk, "complete", None)
    actions.do_put_through(operator, call.pk, "consult", per)
    actions.do_put_through(operator, call.pk, "complete", None)
    assert api("get", "/api/telephony/calls/v-1/route")["route"] == {
        "action": "transfer",
        "number": "+4655520002",
    }


def test_only_the_operator_on_the_call_can_put_it_through(switchboard_call) -> None:  # type: ignore[no-untyped-def]
    org, operator, per, api, call = switchboard_call
    colleague = make_agent(org, [], is_agent=True)
    with pytest.raises(StateConflict):
        actions.do_put_through(colleague, call.pk, "blind", per)
    stranger = make_agent(make_organisation(), [], is_agent=True)
    with pytest.raises(StateConflict):
        actions.do_put_through(stranger, call.pk, "blind", per)
    assert Call.objects.get(pk=call.pk).state == "answered"


# ------------------------------------------------------------------------------ pages


def _client(person) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    assert client.login(email=person.email, password=PASSWORD)
    return client


def test_the_console_finds_as_you_type_and_takes_a_message_in_swedish() -> None:
    org = make_organisation()
    _import(org)
    operator = make_person(org, is_agent=True, language="sv")
    client = _client(operator)
    page = client.get("/switchboard/")
    assert page.status_code == 200 and "Hitta en person" in page.content.decode()
    hits = client.get(
        "/switchboard/search/", {"q": "rivningslov"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Åsa Öberg" in hits and "Per Strand" not in hits
    asa = DirectoryEntry.objects.get(name="Åsa Öberg")
    panel = client.get(
        f"/switchboard/entry/{asa.pk}/", headers={"HX-Request": "true"}
    ).content.decode()
    assert "Ta ett meddelande" in panel
    sent = client.post(
        f"/switchboard/entry/{asa.pk}/message/",
        {
            "text": "Ring tillbaka",
            "via": "email",
            "caller_number": "+46705550000",
            "call_back": "on",
        },
        headers={"HX-Request": "true"},
    )
    assert sent.status_code == 200 and "på väg med e-post" in sent.content.decode()
    bad = client.post(f"/switchboard/entry/{asa.pk}/message/", {"text": "", "via": "email"})
    assert bad.status_code == 400 and PhoneMessage.objects.count() == 1


def test_anyone_sets_their_own_away_status_and_marks_messages_done() -> None:
    org = make_organisation()
    planner = make_person(
        org, is_planner=True, is_agent=False, email="sara@kommun.example", language="sv"
    )
    own = _entry(org, "Sara Lund", email="sara@kommun.example")
    client = _client(planner)
    assert client.get("/switchboard/away/").status_code == 200
    assert client.get("/switchboard/").status_code == 403  # the console is for operators
    from django.utils import timezone

    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    saved = client.post(
        "/switchboard/away/",
        {
            "action": "set",
            "kind": "meeting",
            "until_date": tomorrow,
            "until_time": "14:00",
            "note": "Hos Miljö",
        },
    )
    assert saved.status_code == 302
    away = AwayStatus.objects.get(entry=own)
    assert away.kind == "meeting" and away.note == "Hos Miljö"
    assert timezone.localtime(away.until).strftime("%H:%M") == "14:00"
    message = actions.do_take_message(own, planner, {"text": "Ring", "via": "email"})
    assert client.post(f"/switchboard/messages/{message.pk}/done/").status_code == 302
    message.refresh_from_db()
    assert message.done_at is not None
    client.post("/switchboard/away/", {"action": "clear"})
    assert not AwayStatus.objects.filter(entry=own).exists()


def test_the_directory_page_imports_a_csv_upload_for_admins_only() -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    org = make_organisation()
    admin = make_person(org, is_org_admin=True, language="sv")
    page = _client(admin).post(
        "/switchboard/directory/",
        {"action": "csv", "file": SimpleUploadedFile("katalog.csv", CSV.encode(), "text/csv")},
    )
    body = page.content.decode()
    assert page.status_code == 200 and "2 tillagda" in body and "Rad 4:" in body
    agent = make_person(org, is_agent=True)
    assert _client(agent).get("/switchboard/directory/").status_code == 403


def test_the_demo_directory_is_deterministic_and_imports_200_people() -> None:
    from distans.switchboard.demo import demo_directory_csv

    assert demo_directory_csv() == demo_directory_csv()
    org = make_organisation()
    result = actions.do_import_directory_csv(org.pk, None, demo_directory_csv())
    assert result.created == 200 and result.problems == []
    assert queries.find(org.pk, "skolskjuts")


@pytest.mark.parametrize(
    ("common", "scan"), [(2000, 4000), (1, 1), (5, 40), (30, 120), (1, 10_000)]
)
def test_the_first_25_are_exactly_those_a_brute_force_filter_sorts_first(
    monkeypatch: pytest.MonkeyPatch, common: int, scan: int
) -> None:
    """Both ways of reading the search (a rare word's term range; common words in name
    order) give what ``ORDER BY name, pk`` over every match gives: checked against
    ``search_text`` for many prefixes, one-letter ones among them, with the thresholds
    set so that each way (and the fallback from the name-order slice) is taken."""
    from distans.switchboard import search
    from distans.switchboard.demo import demo_directory_csv

    monkeypatch.setattr(search, "COMMON", common)
    monkeypatch.setattr(search, "SCAN", scan)
    org, other = make_organisation(), make_organisation()
    actions.do_import_directory_csv(org.pk, None, demo_directory_csv(300, seed=3))
    actions.do_import_directory_csv(other.pk, None, demo_directory_csv(50, seed=4))
    for n in range(30):  # namesakes: ties on the name are ordered by id
        actions.do_save_entry(org.pk, None, {"name": "Anna Berg", "keywords": f"k{n % 3}"})
    everyone = DirectoryEntry.objects.for_org(org)

    def brute(query: str) -> list[int]:
        found = everyone
        for word in dict.fromkeys(search.words(query)):
            found = found.filter(search_text__contains=" " + word[: search.MAX_TERM])
        return list(found.order_by("name", "pk").values_list("pk", flat=True)[:25])

    letters = [chr(c) for c in range(ord("a"), ord("z") + 1)] + list("0123456789")
    typed = [
        *letters,
        "an",
        "anna",
        "anna b",
        "anna berg k1",
        "b",
        "be",
        "st",
        "per s",
        "a b",
        "a z",
        "e k",
        "skol",
        "bygg",
        "zz",
        "x y",
        "k2 anna",
        "555",
        "åsa",
        "ö",
    ]
    for query in typed:
        expected = brute(query)
        assert [e.pk for e in queries.find(org.pk, query)] == expected, query
    assert queries.find(org.pk, "  ") == []
    assert all(e.organisation_id == org.pk for e in queries.find(org.pk, "a"))


def test_an_import_decides_each_line_as_if_the_earlier_ones_were_saved() -> None:
    """The batched import keeps the one-line-at-a-time rules: a person already on an
    earlier line (new or changed there) is skipped; a changed e-mail is what later
    lines match; an entry without id or e-mail is matched by name and department."""
    org = make_organisation()
    first = (
        "id;namn;avdelning;e-post\n"
        "1;Åsa Öberg;Bygg;asa@kommun.example\n"
        "2;Per Strand;Skola;per@kommun.example\n"
        ";Reception;Växeln;\n"
    )
    assert _import(org, first).created == 3
    person = make_person(org, email="NY@kommun.example")
    second = (
        "id;namn;avdelning;e-post\n"
        "1;Åsa Öberg;Bygg;ny@kommun.example\n"  # 2: Åsa's e-mail changes
        ";Åsa Ö;Bygg;asa@kommun.example\n"  # 3: no one has that e-mail any more: new
        ";Åsa Ny;Bygg;NY@kommun.example\n"  # 4: Åsa again (her new e-mail): skipped
        "2;Per Strand;Skola;per@kommun.example\n"  # 5: unchanged
        "2;Per Strand;Skola;per2@kommun.example\n"  # 6: Per again: skipped
        "3;Lena Dahl;Soc;\n"  # 7: new
        "3;Lena Dahl;Soc;lena@kommun.example\n"  # 8: the new Lena again: skipped
        ";Reception;Växeln;\n"  # 9: unchanged, by name and department
        ";Reception;Växeln;\n"  # 10: again: skipped
    )
    result = _import(org, second)
    assert (result.created, result.updated, result.unchanged, result.kept) == (2, 1, 2, 0)
    assert [line for line, _ in result.problems] == [4, 6, 8, 10]
    asa = DirectoryEntry.objects.get(organisation=org, external_id="1")
    assert asa.email == "ny@kommun.example" and asa.person == person
    assert DirectoryEntry.objects.get(organisation=org, email="asa@kommun.example").name == "Åsa Ö"
    assert [e.name for e in queries.find(org.pk, "lena")] == ["Lena Dahl"]
    assert set(SearchTerm.objects.filter(entry=asa).values_list("term", flat=True)) >= {"ny", "asa"}
    assert not SearchTerm.objects.filter(entry=asa, term="bygglovshandlaggare").exists()
    again = _import(org, second)  # the same file again changes nothing
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
