"""Announcements (issue 17): audience from the roster, the presence gate, proof per
person, reminders on e-mail and chat tools, escalation, edits with history, reach."""

from __future__ import annotations

import datetime as dt
import json
import threading
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from tests.factories import make_agent, make_organisation, make_person, make_queue, make_team
from tests.factories_announcements import make_announcement, shift_today

from distans.announcements import actions, queries
from distans.announcements.gate import AcknowledgementRequired
from distans.announcements.models import ChatNotice, ChatTarget, Receipt
from distans.announcements.reach import compute_reach
from distans.announcements.render import render_markdown
from distans.channels_email.models import OutgoingMail
from distans.routing import actions as routing
from distans.routing.models import AgentState

pytestmark = pytest.mark.django_db


@pytest.fixture
def commits(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def run(function, *args, **kwargs):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def world() -> dict[str, Any]:
    org = make_organisation()
    team = make_team(org, name="Lag Norr")
    queue = make_queue(org)
    leader = make_person(
        org, full_name="Lena Ledare", team=team, is_team_leader=True, is_agent=False
    )
    team.leader = leader
    team.save()
    boss = make_person(org, full_name="Sara Super", is_supervisor=True, is_agent=False)
    on_shift = make_agent(org, [queue], full_name="Olle Ipass", team=team, skills={"bygglov": 5})
    off_shift = make_agent(org, [queue], full_name="Frida Ledig", team=team)
    shift_today(on_shift)
    return {
        "org": org,
        "team": team,
        "leader": leader,
        "boss": boss,
        "on": on_shift,
        "off": off_shift,
        "queue": queue,
    }


def test_markdown_is_rendered_and_sanitised() -> None:
    html = render_markdown(
        "**Viktigt**\n\n<script>alert(1)</script>\n\n[länk](javascript:alert(1)) <img src=x onerror=alert(1)>"
    )
    assert "<strong>Viktigt</strong>" in html
    assert "<script" not in html and "javascript:" not in html
    assert "onerror" not in html and "<img" not in html


def test_on_shift_today_reaches_only_people_with_a_shift_today(world: dict[str, Any]) -> None:
    announcement = make_announcement(world["org"], world["boss"], audience_kind="on_shift_today")
    assert queries.audience_ids(announcement) == {world["on"].pk}
    skills = make_announcement(
        world["org"], world["boss"], audience_kind="skills", audience_values=["bygglov"]
    )
    assert queries.audience_ids(skills) == {world["on"].pk}
    leaders = make_announcement(
        world["org"], world["boss"], audience_kind="roles", audience_values=["team_leader"]
    )
    assert queries.audience_ids(leaders) == {world["leader"].pk}
    other_org = make_person(make_organisation(), full_name="Annan")
    everyone = make_announcement(world["org"], world["boss"], audience_kind="everyone")
    assert other_org.pk not in queries.audience_ids(everyone)
    home = make_announcement(world["org"], world["boss"], audience_kind="home_today")
    assert queries.audience_ids(home) == {world["on"].pk}  # the factory's shift is at home


def test_must_acknowledge_blocks_available_until_acknowledged(
    world: dict[str, Any], commits: Any
) -> None:
    announcement = make_announcement(
        world["org"], world["boss"], audience_kind="everyone", blocks_available=True
    )
    commits(actions.do_send_announcement, announcement)
    agent = world["on"]
    with pytest.raises(AcknowledgementRequired):
        routing.do_set_presence(agent, "available")
    assert AgentState.objects.get(person=agent).presence == "offline"
    # On the desk the refusal is a Swedish sentence.
    client = Client()
    client.force_login(agent)
    body = client.post("/desk/presence/", {"presence": "available"}).content.decode()
    assert "Läs och bekräfta meddelandet innan du blir tillgänglig." in body
    # Acknowledging (from the desk's fragment) lifts the block.
    receipt = Receipt.objects.get(announcement=announcement, person=agent)
    response = client.post(f"/announcements/{announcement.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    receipt.refresh_from_db()
    assert receipt.acknowledged_at is not None and receipt.seen_at is not None
    commits(routing.do_set_presence, agent, "available")
    assert AgentState.objects.get(person=agent).presence == "available"


def test_not_blocking_announcement_does_not_hold_presence(
    world: dict[str, Any], commits: Any
) -> None:
    announcement = make_announcement(world["org"], world["boss"], blocks_available=False)
    commits(actions.do_send_announcement, announcement)
    commits(routing.do_set_presence, world["on"], "available")
    assert AgentState.objects.get(person=world["on"]).presence == "available"


def test_proof_delivered_seen_acknowledged_and_reach_counts_only_people_on_shift(
    world: dict[str, Any], commits: Any
) -> None:
    announcement = make_announcement(world["org"], world["boss"], audience_kind="everyone")
    commits(actions.do_send_announcement, announcement)
    on, off = world["on"], world["off"]
    client = Client()
    client.force_login(on)
    # The home page's fragment shows it: delivered.
    assert "Nya regler för hemarbete" in client.get("/announcements/mine/").content.decode()
    receipt = Receipt.objects.get(announcement=announcement, person=on)
    assert receipt.delivered_at is not None and receipt.seen_at is None
    client.get(f"/announcements/{announcement.pk}/read/")
    receipt.refresh_from_db()
    assert receipt.seen_at is not None
    before = queries.reach(announcement)
    assert (before.working, before.in_time) == (1, 0)  # Frida has no shift today: not counted
    client.post(f"/announcements/{announcement.pk}/acknowledge/")
    off_client = Client()
    off_client.force_login(off)
    off_client.post(f"/announcements/{announcement.pk}/acknowledge/")
    after = queries.reach(announcement)
    assert (after.working, after.acknowledged, after.in_time, after.percent_in_time) == (
        1,
        1,
        1,
        100,
    )
    # The supervisor's proof lists who has not acknowledged (the team leader).
    boss = Client()
    boss.force_login(world["boss"])
    proof = boss.get(f"/announcements/{announcement.pk}/proof/").content.decode()
    assert "Inte bekräftat (2)" in proof  # the team leader and the supervisor
    missing = proof.split('class="not-acknowledged"')[1].split("</ul>")[0]
    assert "Lena Ledare" in missing and "Olle Ipass" not in missing
    board = boss.get("/announcements/reach/").content.decode()
    assert "100 % (1 av 1 som arbetar i dag)" in board


def test_reach_window_is_thirty_minutes_after_shift_start_or_sending() -> None:
    sent = dt.datetime(2026, 12, 7, 7, 0, tzinfo=dt.UTC)
    starts = {1: sent + dt.timedelta(hours=2), 2: sent - dt.timedelta(hours=1), 3: sent}
    acknowledged = {
        1: sent + dt.timedelta(hours=2, minutes=29),  # in time: 29 min after shift start
        2: sent + dt.timedelta(minutes=31),  # late: already on shift at sending
        3: None,
        4: sent,  # not working today
    }
    reach = compute_reach(sent, acknowledged, starts)
    assert (reach.working, reach.acknowledged, reach.in_time) == (3, 2, 1)
    assert compute_reach(sent, acknowledged, starts, people=[1]).percent_in_time == 100


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        _Receiver.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Any:
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    _Receiver.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_reminders_go_by_email_and_to_the_teams_chat_tool(
    world: dict[str, Any], commits: Any, receiver: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    port = receiver.server_address[1]
    ChatTarget.objects.create(
        organisation=world["org"],
        team=world["team"],
        name="Lagets chatt",
        url=f"json://127.0.0.1:{port}/hook",
    )
    announcement = make_announcement(
        world["org"], world["boss"], audience_kind="team", remind_after_hours=2
    )
    announcement.audience_kind, announcement.audience_values = "teams", [world["team"].pk]
    announcement.save()
    commits(actions.do_send_announcement, announcement)
    Client().force_login(world["off"])
    receipt_off = Receipt.objects.get(announcement=announcement, person=world["off"])
    actions.do_acknowledge(world["off"], receipt_off)
    # Nothing is due yet; two hours later Olle and Lena (not acknowledged) are reminded.
    assert commits(actions.do_send_due_reminders) == 0
    later = timezone.now() + dt.timedelta(hours=2, minutes=1)
    assert commits(actions.do_send_due_reminders, later) == 2
    reminders = OutgoingMail.objects.filter(
        purpose="announcement", subject__startswith="Påminnelse"
    )
    assert sorted(m.recipients for m in reminders) == sorted(
        [world["on"].email, world["leader"].email]
    )
    assert world["off"].email not in [
        m.to[0] for m in mail.outbox if m.subject.startswith("Påminnelse")
    ]
    assert {m.to[0] for m in mail.outbox if m.subject.startswith("Påminnelse")} == {
        world["on"].email,
        world["leader"].email,
    }
    raw = message_from_bytes(bytes(reminders.first().raw))  # type: ignore[union-attr]
    assert raw.is_multipart()  # text and HTML
    notice = ChatNotice.objects.get(title__startswith="Påminnelse")
    assert notice.status == "sent"
    assert any("Olle Ipass" in item.get("message", "") for item in _Receiver.received)
    assert Receipt.objects.get(announcement=announcement, person=world["on"]).reminders == 1


def test_reminder_mail_reaches_a_real_smtp_server(
    world: dict[str, Any], commits: Any, smtp_server: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = smtp_server.host, smtp_server.port
    announcement = make_announcement(world["org"], world["boss"], audience_kind="on_shift_today")
    commits(actions.do_send_announcement, announcement)
    receipt = Receipt.objects.get(announcement=announcement)
    commits(actions.do_remind, [receipt])
    assert [m.rcpt_tos for m in smtp_server.messages] == [(world["on"].email,)]
    assert (
        b"Nya regler" in smtp_server.messages[0].content
        or b"=?utf-8?" in smtp_server.messages[0].content
    )


def test_first_reminder_is_at_the_start_of_a_later_shift(
    world: dict[str, Any], commits: Any
) -> None:
    late = make_agent(world["org"], [world["queue"]], full_name="Sen Start")
    # A fixed moment mid-day (now + 5 min would be tomorrow just before midnight).
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    start = noon + dt.timedelta(minutes=5)
    shift_today(late, starts_at=start)
    announcement = make_announcement(world["org"], world["boss"], audience_kind="everyone")
    commits(actions.do_send_announcement, announcement, noon)
    assert Receipt.objects.get(announcement=announcement, person=late).next_reminder_at == start


def test_escalation_tells_the_team_leader_once(world: dict[str, Any], commits: Any) -> None:
    announcement = make_announcement(
        world["org"], world["boss"], audience_kind="on_shift_today", escalate_after_hours=3
    )
    commits(actions.do_send_announcement, announcement)
    assert commits(actions.do_escalate_due) == 0
    later = timezone.now() + dt.timedelta(hours=3, minutes=1)
    assert commits(actions.do_escalate_due, later) == 1
    assert commits(actions.do_escalate_due, later) == 0
    escalation = OutgoingMail.objects.get(subject__startswith="Inte bekräftat")
    assert escalation.recipients == world["leader"].email
    assert "Olle Ipass" in bytes(escalation.raw).decode(errors="replace")


def test_edit_after_sending_keeps_history_and_can_ask_again(
    world: dict[str, Any], commits: Any
) -> None:
    announcement = make_announcement(world["org"], world["boss"], audience_kind="on_shift_today")
    commits(actions.do_send_announcement, announcement)
    receipt = Receipt.objects.get(announcement=announcement)
    actions.do_acknowledge(world["on"], receipt)
    commits(
        actions.do_save_announcement,
        world["boss"],
        {"body_sv": "Ändrad text."},
        announcement=announcement,
    )
    assert announcement.revisions.get().body_sv == "Läs **noga**."
    assert (
        not queries.blocking_for(world["on"])
        and not queries.pending_ack(queries.my_receipts(world["on"])).exists()
    )
    commits(
        actions.do_save_announcement,
        world["boss"],
        {"body_sv": "Ändrad igen."},
        announcement=announcement,
        ask_new_ack=True,
    )
    assert announcement.revisions.count() == 2
    assert queries.pending_ack(queries.my_receipts(world["on"])).exists()


def test_scheduled_announcement_is_sent_when_due(world: dict[str, Any], commits: Any) -> None:
    at = timezone.now() + dt.timedelta(hours=1)
    announcement = make_announcement(world["org"], world["boss"], send_at=at)
    assert commits(actions.do_send_due_announcements) == 0
    assert commits(actions.do_send_due_announcements, at) == 4
    announcement.refresh_from_db()
    assert announcement.sent_at == at


def test_supervisor_writes_and_sends_from_the_pages(world: dict[str, Any], commits: Any) -> None:
    client = Client()
    client.force_login(world["boss"])
    page = client.get("/announcements/new/").content.decode()
    assert "Måste bekräftas" in page and "Must be acknowledged" not in page
    bad = client.post(
        "/announcements/new/",
        {
            "title_sv": "X",
            "body_sv": "Y",
            "priority": "info",
            "audience_kind": "teams",
            "remind_after_hours": 4,
            "escalate_after_hours": 8,
        },
    )
    assert bad.status_code == 422 and "Välj minst en" in bad.content.decode()
    response = client.post(
        "/announcements/new/",
        {
            "title_sv": "Fas 2 börjar",
            "body_sv": "Hemma **alla**.",
            "title_en": "Phase 2",
            "priority": "acknowledge",
            "blocks_available": "on",
            "audience_kind": "on_shift_today",
            "remind_after_hours": 4,
            "escalate_after_hours": 8,
        },
    )
    assert response.status_code == 302
    from distans.announcements.models import Announcement

    created = Announcement.objects.get(title_sv="Fas 2 börjar")
    with_commits = commits(client.post, f"/announcements/{created.pk}/send/")
    assert with_commits.status_code == 302
    assert list(created.receipts.values_list("person_id", flat=True)) == [world["on"].pk]
    agent = Client()
    agent.force_login(world["on"])
    assert agent.get("/announcements/new/").status_code == 403
    english = make_person(world["org"], language="en", team=world["team"])
    agent.force_login(english)
    assert "No announcements right now." in agent.get("/announcements/mine/").content.decode()


def test_acknowledging_publishes_to_the_supervisors_after_commit(
    world: dict[str, Any], commits: Any
) -> None:
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    from distans.realtime.groups import supervisors_group

    announcement = make_announcement(world["org"], world["boss"], audience_kind="on_shift_today")
    commits(actions.do_send_announcement, announcement)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(supervisors_group(world["org"].pk), channel)
    receipt = Receipt.objects.get(announcement=announcement)
    commits(actions.do_acknowledge, world["on"], receipt)
    message = async_to_sync(layer.receive)(channel)
    assert json.loads(message["text"])["kind"] == "announcement_receipt"


def test_phases_current_visible_to_everyone_and_change_announced_once(
    world: dict[str, Any], commits: Any
) -> None:
    today = timezone.localdate()
    boss = Client()
    boss.force_login(world["boss"])
    bad = boss.post(
        "/announcements/phases/",
        {
            "name": "Fas 0",
            "starts_on": str(today),
            "ends_on": str(today - dt.timedelta(days=1)),
            "rules": "x",
        },
    )
    assert (
        bad.status_code == 422 and "En fas kan inte sluta innan den börjar." in bad.content.decode()
    )
    for name, start, end in (("Fas 1: alla hemma", today - dt.timedelta(days=10), today - dt.timedelta(days=1)),
                             ("Fas 2: halva på kontoret", today, today + dt.timedelta(days=13))):  # fmt: skip
        response = boss.post(
            "/announcements/phases/",
            {
                "name": name,
                "starts_on": str(start),
                "ends_on": str(end),
                "review_on": str(end),
                "rules": "Jobba **hemma**.",
            },
        )
        assert response.status_code == 302
    agent = Client()
    agent.force_login(world["on"])
    assert (
        "Nuvarande fas: Fas 2: halva på kontoret"
        in agent.get("/announcements/mine/").content.decode()
    )
    assert (
        agent.post(
            "/announcements/phases/", {"name": "X", "starts_on": str(today), "rules": "x"}
        ).status_code
        == 403
    )
    # Fas 2 holds today and is announced once; Fas 1 is over and is never announced.
    assert commits(actions.do_announce_phase_changes) == 1
    assert commits(actions.do_announce_phase_changes) == 0
    from distans.announcements.models import Announcement

    sent = Announcement.objects.get(title_sv__startswith="Ny fas")
    assert (
        sent.title_sv == "Ny fas: Fas 2: halva på kontoret"
        and sent.title_en == "New phase: Fas 2: halva på kontoret"
    )
    assert sent.receipts.count() == 4 and sent.priority == "important"


def test_api_posts_an_announcement_and_reads_its_proof(world: dict[str, Any], commits: Any) -> None:
    from distans.accounts.actions import do_create_api_token

    key, _ = do_create_api_token(world["org"], "intranät", scopes=["announcements.publish"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
    client = Client()
    body = {"title_sv": "Från intranätet", "body_sv": "Text", "priority": "acknowledge",
            "audience_kind": "on_shift_today", "send_now": True}  # fmt: skip
    response = commits(
        client.post, "/api/announcements", json.dumps(body), content_type="application/json", **auth
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["recipients"] == 1 and created["sent_at"]
    assert created["reach"] == {
        "working_today": 1,
        "acknowledged": 0,
        "acknowledged_in_time": 0,
        "percent_in_time": 0,
    }
    receipts = client.get(f"/api/announcements/{created['id']}/receipts", **auth).json()
    assert [(r["name"], r["acknowledged"]) for r in receipts] == [("Olle Ipass", False)]
    bad = client.post(
        "/api/announcements",
        json.dumps({**body, "audience_kind": "teams"}),
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
    agent = Client()
    agent.force_login(world["on"])
    assert agent.get("/api/announcements").status_code == 403
    assert [a["id"] for a in client.get("/api/announcements", **auth).json()] == [created["id"]]


def test_staff_questions_private_answer_and_answer_to_all_in_the_faq(world: dict[str, Any]) -> None:
    agent = Client()
    agent.force_login(world["on"])
    assert agent.post("/announcements/questions/", {"text": "  "}).status_code == 422
    agent.post("/announcements/questions/", {"text": "Får jag jobba från sommarstugan?"})
    agent.post("/announcements/questions/", {"text": "Vem betalar min kontorsstol?"})
    leader = Client()
    leader.force_login(world["leader"])
    page = leader.get("/announcements/questions/").content.decode()
    assert (
        "Obesvarade frågor" in page and "sedan" in page and "Vem betalar min kontorsstol?" in page
    )
    from distans.announcements.models import Question

    cottage = Question.objects.get(text__contains="sommarstugan")
    chair = Question.objects.get(text__contains="kontorsstol")
    leader.post(
        f"/announcements/questions/{cottage.pk}/answer/",
        {"answer": "Ja, med stabil uppkoppling.", "to_all": "on"},
    )
    leader.post(
        f"/announcements/questions/{chair.pk}/answer/", {"answer": "Vi tar det på ditt samtal."}
    )
    colleague = Client()
    colleague.force_login(world["off"])
    faq = colleague.get("/announcements/questions/?q=sommarstugan").content.decode()
    assert "Ja, med stabil uppkoppling." in faq and "Vi tar det på ditt samtal." not in faq
    assert (
        "Får jag jobba"
        not in colleague.get("/announcements/questions/?q=kontorsstol").content.decode()
    )
    mine = agent.get("/announcements/questions/").content.decode()
    assert "Vi tar det på ditt samtal." in mine  # the private answer reaches the asker
    assert "Obesvarade frågor" not in mine  # an agent sees no one else's questions


def test_newsletter_preview_and_sending_html_and_text(
    world: dict[str, Any], commits: Any, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    announcement = make_announcement(world["org"], world["boss"], priority="info")
    commits(actions.do_send_announcement, announcement)
    boss = Client()
    boss.force_login(world["boss"])
    preview = boss.get("/announcements/newsletter/").content.decode()
    assert (
        "Personalbrev" in preview
        and "Nya regler för hemarbete" in preview
        and "<strong>noga</strong>" in preview
    )
    assert commits(boss.post, "/announcements/newsletter/").status_code == 200
    letters = OutgoingMail.objects.filter(subject="Personalbrev")
    assert letters.count() == 4
    raw = message_from_bytes(bytes(letters.first().raw))  # type: ignore[union-attr]
    kinds = sorted(part.get_content_type() for part in raw.walk() if not part.is_multipart())
    assert kinds == ["text/html", "text/plain"]
    agent = Client()
    agent.force_login(world["on"])
    assert agent.get("/announcements/newsletter/").status_code == 403
