"""From an empty database: ``distans createadmin``, then only the browser — the
first-run setup up to a first answered chat on the admin's own desk; then an e-mail
channel against real IMAP/SMTP servers (a customer's mail answered, the reply caught by
SMTP) and a phone line with a simulated call answered and wrapped up; then a change of
the queue's hours (an ad-hoc closed day) that the widget and routing follow at once.
axe-core finds no serious or critical problem on the setup pages."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from tests.browser.axe import blocking_violations
from tests.browser.conftest import CHROMIUM, _free_port, login
from tests.conftest import require_service

from distans.core.calendar import holidays_for
from distans.telephony.simulator import CallerProfile, place_call

ADMIN_EMAIL = "ada@vasterby.se"
ADMIN_PASSWORD = "ett-langt-losenord-77"
ZONE = ZoneInfo("Europe/Stockholm")


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`distans migrate`, `distans createadmin` and `distans serve` on a fresh SQLite."""
    require_service("browser", Path(CHROMIUM).exists(), f"chromium not found at {CHROMIUM}")
    var_dir = tmp_path_factory.mktemp("empty-var")
    env = {**os.environ, "DISTANS_VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "distans.config.settings", "DEBUG": "0", "DISTANS_ADMIN_PASSWORD": ADMIN_PASSWORD}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    run = [sys.executable, "-m", "distans"]
    subprocess.run([*run, "migrate", "--quiet"], env=env, check=True)
    subprocess.run([*run, "createadmin", "--email", ADMIN_EMAIL, "--name", "Ada Admin", "--organisation", "Västerby kommun"], env=env, check=True, capture_output=True)
    port = _free_port()
    log = open(var_dir / "server.log", "w")
    process = subprocess.Popen([*run, "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((var_dir / "server.log").read_text()[-3000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError("server did not start in 90 s")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def _days_around_now() -> list[str]:
    """Today and tomorrow in the organisation's zone (a test near midnight is safe)."""
    today = datetime.now(ZONE).date()
    return [today.isoformat(), (today + timedelta(days=1)).isoformat()]


def _is_public_holiday_now() -> bool:
    today = datetime.now(ZONE).date()
    return any(h.on == today for h in holidays_for("SE", today.year))


def _check_axe(page: Any) -> None:
    violations = blocking_violations(page)
    assert not violations, violations


def _submit(page: Any) -> None:
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture(scope="module")
def admin_session(empty_server: str, browser: Any) -> Iterator[tuple[Any, Any, Any]]:
    context = browser.new_context(bypass_csp=True)  # only so that axe can be injected
    setup = context.new_page()
    desk = context.new_page()
    yield context, setup, desk
    context.close()


def test_first_run_from_an_empty_database_to_a_first_answered_chat(empty_server: str, admin_session: Any) -> None:
    _context, page, desk = admin_session
    base = empty_server
    errors: list[str] = []
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    # Home of an admin without queues leads to the first run.
    page.goto(f"{base}/account/login/")
    page.fill("input[name=username]", ADMIN_EMAIL)
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/settings/first-run/organisation/")
    _check_axe(page)
    page.select_option("#id_time_zone", "Europe/Stockholm")
    page.select_option("#id_country", "SE")
    _submit(page)
    page.wait_for_url("**/first-run/sites/")
    page.fill("#id_office_name", "Rådhuset")
    page.fill("#id_office_address", "Storgatan 1")
    _submit(page)
    page.wait_for_url("**/first-run/team/")
    page.fill("#id_name", "Kundtjänst")
    _submit(page)
    page.wait_for_url("**/first-run/queue/")
    _check_axe(page)
    page.fill("#id_name", "Kundtjänst")
    page.fill("#id_code", "kundtjanst")
    for field in ("#id_weekdays", "#id_saturday", "#id_sunday"):  # open whenever the test runs
        page.fill(field, "00:00–24:00")
    _submit(page)
    page.wait_for_url("**/first-run/channel/")
    page.fill("#id_widget_name", "Webbchatt")
    page.fill("#id_greeting", "Hej! Vad kan vi hjälpa dig med?")
    _submit(page)
    page.wait_for_url("**/first-run/channel/")
    snippet = page.input_value("#snippet")
    assert "/chat/widget.js" in snippet and "data-key=" in snippet
    _check_axe(page)
    page.click("a.button:text('Nästa')")
    page.wait_for_url("**/first-run/people/")
    page.fill("#id_people", "Bo Agent, bo@vasterby.se")
    _submit(page)
    page.wait_for_url("**/first-run/test/")
    _check_axe(page)

    if _is_public_holiday_now():  # the queue follows Swedish holidays: open it today
        _open_days(page, base, "\n".join(f"{d} 00:00–24:00" for d in _days_around_now()))
        page.goto(f"{base}/settings/first-run/test/")

    page.click("button:text('Öppna testsidan')")
    page.wait_for_url("**/first-run/test-page/")

    desk.goto(f"{base}/desk/")
    desk.wait_for_selector("#live-status:not(.offline):text('Live')")
    desk.click("#desk-state button[hx-vals*='\"available\"']")
    desk.wait_for_selector("#desk-state .presence-available")

    page.bring_to_front()
    page.get_by_role("button", name="Chatta med oss").click()
    page.wait_for_selector(".distans-chat-log :text('Hej! Vad kan vi hjälpa dig med?')")
    page.locator("#distans-chat-text").fill("Hej, är det här en test?")
    page.keyboard.press("Enter")

    offer = desk.wait_for_selector(".offer", timeout=15_000)
    assert offer is not None
    desk.click(".offer button.accept")
    workspace = desk.wait_for_selector(".workspace[data-contact]")
    contact_id = workspace.get_attribute("data-contact")
    reply = desk.locator(f"#reply-{contact_id}")
    reply.fill("Ja, det fungerar!")
    reply.press("Enter")
    page.wait_for_selector(".distans-chat-log :text('Ja, det fungerar!')", timeout=10_000)
    assert not errors, errors


def _finish(desk: Any, contact_id: str, topic: str) -> None:
    """Finish a contact with a free-text topic (a new organisation has no topic list)
    and end the wrap-up: the admin is available again."""
    desk.fill(f"#topic-{contact_id}", topic)
    desk.click(f".workspace[data-contact='{contact_id}'] .complete-form button[type=submit]")
    warning = desk.locator("#desk-alert .desk-warning button")
    try:
        desk.wait_for_selector(
            f".workspace[data-contact='{contact_id}']", state="detached", timeout=3_000
        )
    except Exception:  # an unanswered-contact warning: the admin confirms
        warning.first.click()
        desk.wait_for_selector(f".workspace[data-contact='{contact_id}']", state="detached")
    desk.wait_for_selector("#desk-state .wrap-up button")
    desk.click("#desk-state .wrap-up button")
    desk.wait_for_selector("#desk-state .presence-available")


def test_the_new_organisation_answers_an_email_and_a_phone_call(
    empty_server: str, admin_session: Any, imap_server: Any, imap_user: Any, smtp_server: Any
) -> None:
    """Continues the first run: the admin sets up an e-mail channel against a real IMAP
    server (Dovecot) and SMTP server (aiosmtpd) in the browser, answers a customer's
    mail on the desk (the reply reaches SMTP), then sets up a phone line and an API key
    for the phone system and answers a simulated call."""
    from tests.mailserver.fixtures import build_mail

    _context, page, desk = admin_session
    base = empty_server
    errors: list[str] = []
    desk.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)

    # The first chat is finished (free-text topic) and the admin is available again.
    first = desk.locator(".workspace[data-contact]").first.get_attribute("data-contact")
    _finish(desk, first, "Test av chatten")

    # The e-mail channel, in the browser, against the real servers.
    page.bring_to_front()
    page.goto(f"{base}/settings/channels/mailboxes/new/")
    page.fill("#id_address", imap_user.address)
    page.select_option("#id_queue", label="Kundtjänst")
    page.fill("#id_imap_host", imap_server.host)
    page.fill("#id_imap_port", str(imap_server.port))
    page.fill("#id_imap_username", imap_user.address)
    page.fill("#id_imap_password", imap_user.password)
    page.uncheck("#id_use_ssl")
    page.fill("#id_smtp_host", smtp_server.host)
    page.fill("#id_smtp_port", str(smtp_server.port))
    page.uncheck("#id_smtp_use_tls")
    page.fill("#id_from_name", "Västerby kommun")
    page.click("main form.card button[type=submit]")
    page.wait_for_selector(".messages li")
    page.click("button:text('Testa anslutningen')")
    result = page.wait_for_selector("[data-testid=connection-test]", timeout=20_000)
    assert "IMAP: misslyckades" not in result.inner_text(), result.inner_text()

    # A customer's mail lands in the IMAP mailbox; the fetcher brings it to the desk.
    subject = "Parkeringstillstånd"
    imap_server.append(
        imap_user,
        build_mail(
            subject=subject,
            body="Hej! Hur förnyar jag mitt parkeringstillstånd?",
            sender="Åsa Kund <asa@example.se>",
            to=imap_user.address,
        ),
    )
    offer = desk.wait_for_selector(".offer:has-text('Åsa Kund')", timeout=60_000)
    offer.query_selector("button.accept").click()
    workspace = desk.wait_for_selector(".workspace.ws-email:has-text('Åsa Kund')")
    contact_id = workspace.get_attribute("data-contact")
    desk.wait_for_selector(f"#thread-{contact_id} .msg-in:has-text('förnyar')")
    desk.fill(f"#reply-{contact_id}", "Hej Åsa! Du förnyar det under Mina sidor.")
    desk.click(f".workspace[data-contact='{contact_id}'] .reply-form button[type=submit]")
    desk.wait_for_selector(
        f"#thread-{contact_id} .msg-out:has-text('Mina sidor') .delivery-sent", timeout=30_000
    )

    # The reply reached the SMTP server, to the customer, as an answer to the mail.
    deadline = time.monotonic() + 30
    replies: list[Any] = []
    while not replies and time.monotonic() < deadline:
        replies = [r for r in smtp_server.messages if "Mina sidor" in _text(r.content)]
        time.sleep(0.3)
    assert len(replies) == 1, [r.content[:300] for r in smtp_server.messages]
    assert replies[0].rcpt_tos == ("asa@example.se",)
    reply = message_from_bytes(replies[0].content, policy=policy.default)
    assert "asa@example.se" in str(reply["To"])
    assert str(reply["Subject"]) == f"Re: {subject} [#{contact_id}]"
    assert imap_user.address in str(reply["From"])
    _finish(desk, contact_id, "Parkering")

    # The phone channel: a line on the queue and an API key for the phone system.
    page.goto(f"{base}/settings/channels/lines/new/")
    page.fill("#id_number", "+4655520000")
    page.fill("#id_name", "Växeln")
    page.select_option("#id_queue", label="Kundtjänst")
    page.click("main form.card button[type=submit]")
    page.wait_for_selector(".messages li")
    page.goto(f"{base}/settings/api-keys/")
    page.fill("#id_name", "Telefonväxeln")
    page.check("input[name=scopes][value='telephony.adapter']")
    page.click("section[aria-labelledby=create-key-heading] button[type=submit]")
    key = page.input_value("#new-key")
    assert key

    # A simulated call is offered, answered, and wrapped up in the browser.
    outcome: list[str] = []
    stop = asyncio.Event()

    async def call() -> str:
        async with httpx.AsyncClient(
            base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=10
        ) as client:
            profile = CallerProfile(line="+4655520000", patience_seconds=90, talk_seconds=2)
            return await place_call(client, profile, random.Random(15), stop)

    caller = threading.Thread(target=lambda: outcome.append(asyncio.run(call())), daemon=True)
    caller.start()
    desk.bring_to_front()
    offer = desk.wait_for_selector(".offer", timeout=20_000)
    offer.query_selector("button.accept").click()
    workspace = desk.wait_for_selector(".workspace.ws-phone")
    contact_id = workspace.get_attribute("data-contact")
    caller.join(timeout=30)
    assert outcome == ["answered"]
    desk.fill(f"#notes-{contact_id}", "Frågade om öppettider för återvinningscentralen.")
    _finish(desk, contact_id, "Öppettider")
    assert not errors, errors


def _text(raw: bytes) -> str:
    """The plain-text body of a raw mail."""
    body = message_from_bytes(raw, policy=policy.default).get_body(preferencelist=("plain",))
    return str(body.get_content()) if body is not None else ""  # type: ignore[attr-defined]


def _open_days(page: Any, base: str, special_days: str, closed_text: str | None = None) -> None:
    page.goto(f"{base}/settings/queues/")
    page.click("table a:text('Kundtjänst')")
    page.fill("#id_special_days", special_days)
    if closed_text is not None:
        page.fill("#id_text_sv_closed", closed_text)
    page.click("main form button[type=submit]:text('Spara')")
    page.wait_for_selector(".messages li")


def test_closing_today_closes_the_widget_and_reopening_routes_again(empty_server: str, admin_session: Any) -> None:
    _context, page, desk = admin_session
    base = empty_server
    # The admin finished every contact in the test before: no offer is open.
    assert desk.locator(".offer").count() == 0
    # A visitor has the widget open (the admin's test page, in a browser of its own).
    visitor = page.context.browser.new_context()
    site = visitor.new_page()
    login(site, base, ADMIN_EMAIL, ADMIN_PASSWORD)
    site.goto(f"{base}/settings/first-run/test-page/")
    site.evaluate("sessionStorage.clear()")
    site.reload()
    site.get_by_role("button", name="Chatta med oss").click()
    site.wait_for_selector(".distans-chat-log :text('Hej! Vad kan vi hjälpa dig med?')")

    # The admin closes today (an ad-hoc day) with the queue's own closed text: the
    # open widget turns to "leave a message" without a reload.
    page.goto(f"{base}/settings/queues/")
    _check_axe(page)
    _open_days(page, base, "\n".join(_days_around_now()), closed_text="Vi har stängt i dag. Lämna ett meddelande!")
    assert "Stängt nu" in page.inner_text("[data-testid=open-now]")
    _check_axe(page)
    site.wait_for_selector(".distans-chat-status:text('Vi har stängt i dag. Lämna ett meddelande!')", timeout=10_000)

    # Reopened (the ad-hoc days removed; on a holiday, opened for the day): the widget
    # opens again at once and routing offers the new chat on the desk.
    reopen = "\n".join(f"{d} 00:00–24:00" for d in _days_around_now()) if _is_public_holiday_now() else ""
    _open_days(page, base, reopen)
    assert "Öppet nu" in page.inner_text("[data-testid=open-now]")
    site.wait_for_selector("#distans-chat-text", state="visible", timeout=10_000)
    site.locator("#distans-chat-text").fill("Nu är ni öppna igen?")
    site.keyboard.press("Enter")
    desk.wait_for_selector(".offer", timeout=15_000)
    visitor.close()


def test_channel_settings_pages_are_axe_clean_and_keep_secrets_out(empty_server: str, admin_session: Any) -> None:
    _context, page, _desk = admin_session
    base = empty_server
    page.goto(f"{base}/settings/channels/")
    _check_axe(page)
    page.click("a:text('Webbchatt')")
    page.wait_for_selector("#snippet")
    _check_axe(page)
    page.goto(f"{base}/settings/channels/mailboxes/new/")
    page.fill("#id_address", "post@vasterby.se")
    page.select_option("#id_queue", label="Kundtjänst")
    page.fill("#id_imap_host", "127.0.0.1")
    page.fill("#id_imap_port", "9")  # nothing listens there: the test reports it
    page.fill("#id_imap_username", "post")
    page.fill("#id_imap_password", "hemligt-imap-1")
    page.uncheck("#id_use_ssl")
    page.click("main form.card button[type=submit]")
    page.wait_for_selector(".messages li")
    assert "hemligt-imap-1" not in page.content()
    _check_axe(page)
    page.click("button:text('Testa anslutningen')")
    result = page.wait_for_selector("[data-testid=connection-test]", timeout=20_000)
    assert "IMAP: misslyckades" in result.inner_text()
