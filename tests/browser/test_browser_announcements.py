"""Issue 17's journey in real Chromium against the demo server: the supervisor writes a
must-acknowledge announcement to "everyone on shift today" and sends it; Anna (on
shift) cannot go available until she acknowledges it on her desk; a colleague who is
not on shift today neither gets it nor is counted; the supervisor reminds those who
have not acknowledged, which reaches Anna by e-mail (the demo's SMTP mail catcher) and
the team's chat tool through Apprise (a json:// URL to an HTTP server this test runs);
when Anna acknowledges, the supervisor's reach figure moves on the same page, live.

The shift and the colleague without a shift are written into the demo server's
database by a small script (the same settings and var dir), as planning would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from tests.browser.conftest import login
from tests.browser.test_browser_desk import blocking_violations

from distans.demo.data import DEMO_PASSWORD, demo_email

TIMEOUT_MS = 30_000
TITLE = "Nya regler för hemarbete från måndag"
OTTO = "otto.oschemalagd@vasterby.example"

SETUP = """
import datetime as dt, json, django
django.setup()
from django.utils import timezone
from distans.accounts.models import Organisation, Person
from distans.announcements.models import ChatTarget
from distans.planning.models import Schedule, Shift
from distans.demo.data import DEMO_PASSWORD, demo_email
anna = Person.objects.get(email=demo_email("agent"))
org = anna.organisation
now = timezone.now()
today = timezone.localdate(now)
week = today - dt.timedelta(days=today.weekday())
schedule = Schedule.objects.filter(organisation=org, week_start=week, status="published").first()
if schedule is None:
    schedule = Schedule.objects.create(organisation=org, week_start=week, status="published", published_at=now)
Shift.objects.create(organisation=org, schedule=schedule, person=anna, team_id=anna.team_id,
                     starts_at=now, ends_at=now + dt.timedelta(hours=4), location="home")
otto = Person.objects.filter(email=%(otto)r).first() or Person.objects.create_user(
    %(otto)r, DEMO_PASSWORD, full_name="Otto Oschemalagd", organisation=org, team_id=anna.team_id)
Shift.objects.filter(person=otto).delete()
ChatTarget.objects.create(organisation=org, team_id=anna.team_id, name="Lagets chatt", url=%(url)r)
print(json.dumps({"anna": anna.pk, "otto": otto.pk}))
"""


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        _Receiver.received.append(json.loads(self.rfile.read(length) or b"{}"))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def _setup(var_dir: Path, hook_url: str) -> dict[str, int]:
    env = {
        **os.environ,
        "DISTANS_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "distans.config.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    script = SETUP % {"otto": OTTO, "url": hook_url}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


END_BLOCKING = """
import django
django.setup()
from django.utils import timezone
from distans.announcements.models import Announcement
Announcement.objects.filter(title_sv=%(title)r).update(valid_until=timezone.now())
"""


def _end_announcement(var_dir: Path) -> None:
    """The demo server is shared with the browser tests that follow: the announcement
    ends, so it holds no colleague on shift back from going available there."""
    env = {**os.environ, "DISTANS_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "distans.config.settings"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-c", END_BLOCKING % {"title": TITLE}], env=env, check=True)


def _wait_live(page: Any) -> None:
    page.wait_for_function(
        "() => { const s = document.getElementById('live-status');"
        " return s && !s.classList.contains('offline') && s.textContent === s.dataset.online; }",
        timeout=TIMEOUT_MS,
    )


def _caught_for(var_dir: Path, address: str) -> list[Any]:
    found = []
    for path in sorted((var_dir / "mailcatcher").glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=policy.default)
        if address in str(message["To"]):
            found.append(message)
    return found


def test_must_acknowledge_announcement_blocks_reminds_and_reach_moves_live(
    demo_server: str, demo_var_dir: Path, browser: Any
) -> None:
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    contexts = []

    def new_page() -> Any:
        context = browser.new_context(locale="sv-SE", viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    try:
        _setup(demo_var_dir, f"json://127.0.0.1:{server.server_address[1]}/hook")

        # The supervisor writes the announcement and sends it.
        sup = new_page()
        login(sup, demo_server, demo_email("supervisor"), DEMO_PASSWORD)
        sup.goto(f"{demo_server}/announcements/new/")
        assert blocking_violations(sup, "main") == []
        sup.fill("#id_title_sv", TITLE)
        sup.fill("#id_body_sv", "Från måndag arbetar **alla** hemifrån. Läs reglerna.")
        sup.select_option("#id_priority", "acknowledge")
        sup.check("#id_blocks_available")
        sup.select_option("#id_audience_kind", "on_shift_today")
        sup.click("form.announcement-form button[type=submit]")
        sup.wait_for_selector("#send-now")
        sup.click("#send-now")
        reach = sup.wait_for_selector("#announcement-proof .reach")
        _wait_live(sup)
        sup.evaluate("() => { window.sameAnnouncementPage = true; }")
        working = int(reach.get_attribute("data-working"))
        in_time = int(reach.get_attribute("data-in-time"))
        assert working >= 1
        proof = sup.inner_text("#announcement-proof")
        assert "Anna Lindqvist" in proof and "Otto Oschemalagd" not in proof
        assert blocking_violations(sup, "main") == []

        # Otto has no shift today: nothing for him, and he is not among the counted.
        otto = new_page()
        login(otto, demo_server, OTTO, DEMO_PASSWORD)
        otto.wait_for_selector("#announcements-mine p:has-text('Inga meddelanden just nu.')")

        # Anna, on shift, sees it on her desk and cannot go available.
        desk = new_page()
        login(desk, demo_server, demo_email("agent"), DEMO_PASSWORD)
        desk.goto(f"{demo_server}/desk/")
        _wait_live(desk)
        desk.wait_for_selector(f"#announcements-mine li.pending:has-text('{TITLE}')")
        desk.click("#desk-state button[hx-vals*='\"available\"']")
        desk.wait_for_selector(
            "#desk-alert:has-text('Läs och bekräfta meddelandet innan du blir tillgänglig.')"
        )
        assert desk.query_selector("#desk-state .presence-available") is None
        assert blocking_violations(desk, "#announcements-mine") == []

        # The supervisor reminds those who have not acknowledged: e-mail and chat tool.
        sup.click("#remind-now")
        sup.wait_for_selector("#remind-result p")
        mails = _caught_for(demo_var_dir, demo_email("agent"))
        assert any(str(m["Subject"]).strip() == f"Påminnelse: {TITLE}" for m in mails), [
            str(m["Subject"]) for m in mails
        ]
        assert any("Anna Lindqvist" in item.get("message", "") for item in _Receiver.received), (
            _Receiver.received
        )

        # Anna acknowledges on the desk; then she can go available.
        desk.click(f"#announcements-mine li:has-text('{TITLE}') button.acknowledge")
        desk.wait_for_selector(f"#announcements-mine li:has-text('{TITLE}'):not(.pending)")
        desk.click("#desk-state button[hx-vals*='\"available\"']")
        desk.wait_for_selector("#desk-state .presence-available, #desk-state .presence-busy")

        # The supervisor's figure moved on the same page: one more in time, same count.
        sup.wait_for_function(
            "n => Number(document.querySelector('#announcement-proof .reach')?.dataset.inTime) === n",
            arg=in_time + 1,
            timeout=TIMEOUT_MS,
        )
        assert int(sup.get_attribute("#announcement-proof .reach", "data-working")) == working
        assert sup.evaluate("window.sameAnnouncementPage") is True
        # Anna logs off: the demo server is shared with the browser tests that follow.
        desk.click("#desk-state button[hx-vals*='\"offline\"']")
        desk.wait_for_selector("#desk-state .presence-offline")
    finally:
        _end_announcement(demo_var_dir)
        for context in contexts:
            context.close()
        server.shutdown()
        server.server_close()
