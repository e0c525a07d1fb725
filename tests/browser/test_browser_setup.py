"""From an empty database: ``distans createadmin``, then only the browser — the
first-run setup up to a first answered chat on the admin's own desk; then a change of
the queue's hours (an ad-hoc closed day) that the widget and routing follow at once.
axe-core finds no serious or critical problem on the setup pages."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.browser.axe import blocking_violations
from tests.browser.conftest import CHROMIUM, _free_port, login
from tests.conftest import require_service

from distans.core.calendar import holidays_for

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
    # The admin is still in the first chat (a chat slot of three): no offer is open.
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
