"""The switchboard in the browser (issue 19): a colleague sets "in a meeting until
14:00" on their own page; the operator, on a simulated call to the switchboard
number, finds them by a keyword as they type, sees the away status, takes a message
that arrives by e-mail at the demo's mail catcher (real SMTP), and puts the call
through, which the simulated PBX carries out (``transferred``). The pages are
axe-clean, in Swedish, Norwegian and English."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import threading
import time
import zoneinfo
from email import message_from_bytes, policy
from pathlib import Path

import httpx
import pytest
from tests.browser.conftest import login
from tests.browser.test_browser_desk import blocking_violations
from tests.browser.test_journey_pages import _set_language

from distans.demo.data import DEMO_PASSWORD, demo_email
from distans.telephony.simulator import CallerProfile, place_call

STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")


def _errors(page) -> list[str]:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    return errors


def _caught(var_dir: Path, subject_part: str, timeout: float = 20) -> object:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted((var_dir / "mailcatcher").glob("*.eml")):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if subject_part in str(message["Subject"]):
                return message
        time.sleep(0.3)
    raise AssertionError(f"no mail with {subject_part!r} reached the catcher")


def test_an_operator_finds_a_colleague_takes_a_message_and_puts_the_call_through(  # type: ignore[no-untyped-def]
    demo_server, demo_var_dir, browser
) -> None:
    # Sara (the planner) is in a meeting: she says so on her own page.
    now = dt.datetime.now(STOCKHOLM)
    back = "14:00" if now.time() < dt.time(13, 50) else "23:59"
    colleague_context = browser.new_context(viewport={"width": 1280, "height": 900})
    own = colleague_context.new_page()
    own_errors = _errors(own)
    login(own, demo_server, demo_email("planner"), DEMO_PASSWORD)
    own.goto(f"{demo_server}/switchboard/away/")
    own.select_option("#id_kind", "meeting")
    own.fill("#id_until_date", now.date().isoformat())
    own.fill("#id_until_time", back)
    own.click("button[name=action][value=set]")
    own.wait_for_selector(f"#away-now:text('I möte till {back}')")
    assert blocking_violations(own, "main") == []

    # The operator is available on the desk; a caller rings the switchboard number.
    operator_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    desk = operator_context.new_page()
    errors = _errors(desk)
    login(desk, demo_server, demo_email("agent"), DEMO_PASSWORD)
    desk.goto(f"{demo_server}/desk/")
    desk.wait_for_selector("#live-status:not(.offline)")
    desk.click("#desk-state button[hx-vals*='\"available\"']")
    desk.wait_for_selector("#desk-state .presence-available")

    key = (Path(demo_var_dir) / "demo_api_key").read_text().strip()
    outcome: list[str] = []
    stop = asyncio.Event()

    async def call() -> str:
        async with httpx.AsyncClient(base_url=demo_server, headers={"Authorization": f"Bearer {key}"}, timeout=10) as client:
            profile = CallerProfile(line="+4655510000", patience_seconds=90, talk_seconds=120)
            return await place_call(client, profile, random.Random(19), stop)

    caller = threading.Thread(target=lambda: outcome.append(asyncio.run(call())), daemon=True)
    caller.start()
    try:
        desk.wait_for_selector(".offer", timeout=20_000).query_selector("button.accept").click()
        desk.wait_for_selector(".workspace.ws-phone")

        console = operator_context.new_page()
        errors += _errors(console)
        console.goto(f"{demo_server}/switchboard/")
        console.wait_for_selector("#sb-calls li[data-call]", timeout=10_000)
        console.type("#sb-q", "beman", delay=60)  # as you type: no Enter
        hit = console.wait_for_selector(".sb-hit:has-text('Sara Lund')")
        assert f"I möte till {back}" in hit.inner_text()
        hit.query_selector("a").click()
        console.wait_for_selector("#sb-entry h3:text('Sara Lund')")

        console.fill("#id_caller_name", "Bo Medborgare")
        console.fill("#id_caller_number", "+46705550000")
        console.fill("#id_text", "Vill prata om bemanningen i sommar.")
        console.click(".sb-message button[type=submit]")
        console.wait_for_selector(".sb-taken:has-text('på väg med e-post')")
        mail = _caught(Path(demo_var_dir), "Bo Medborgare")
        assert str(mail["To"]) == demo_email("planner")  # type: ignore[index]
        body = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[attr-defined]
        assert "Vill prata om bemanningen i sommar." in body and "+46705550000" in body
        assert blocking_violations(console, "main") == []

        console.click(".sb-transfer button[value=blind]")
        caller.join(timeout=30)
        assert outcome == ["transferred"]
        console.wait_for_selector("#sb-calls:has-text('Du har inget samtal just nu.')", timeout=10_000)
    finally:
        stop.set()
        caller.join(timeout=10)

    # The operator's part of the call ended: wrap-up, then offline (the demo left clean).
    desk.wait_for_selector("#desk-state .wrap-up button, #desk-state .presence-available", timeout=15_000)
    if desk.locator("#desk-state .wrap-up button").count():  # the switchboard's wrap-up is short
        desk.click("#desk-state .wrap-up button")
    desk.wait_for_selector("#desk-state .presence-available")
    desk.click("#desk-state button[hx-vals*='\"offline\"']")
    desk.wait_for_selector("#desk-state .presence-offline")

    # Sara sees the message as her call-back task, and comes back.
    own.goto(f"{demo_server}/switchboard/away/")
    own.wait_for_selector(".sb-messages li:has-text('Vill prata om bemanningen')")
    own.click(".sb-messages button")
    own.wait_for_selector(".sb-messages .success")
    own.click("button[name=action][value=clear]")
    own.wait_for_selector("#away-now:text('Tillgänglig')")
    assert errors == [] and own_errors == [], (errors, own_errors)
    operator_context.close()
    colleague_context.close()


@pytest.mark.parametrize("language, heading", [("nb", "Sentralbord"), ("en", "Switchboard")])
def test_the_console_and_the_directory_page_in_norwegian_and_english(  # type: ignore[no-untyped-def]
    demo_server, browser, language, heading
) -> None:
    pages = []
    for who, path in (("admin", "/switchboard/directory/?q=bygglov"), ("supervisor", "/switchboard/?q=bygglov")):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        login(page, demo_server, demo_email(who), DEMO_PASSWORD)
        _set_language(context, demo_server, language)
        try:
            page.goto(f"{demo_server}{path}")
            assert page.locator("html").get_attribute("lang") == language
            assert page.locator(".sb-hit, main li").count() > 0
            assert blocking_violations(page, "main") == []
            pages.append(page.inner_text("main h1"))
        finally:
            _set_language(context, demo_server, "sv")  # the demo left as it was
            context.close()
    assert pages[1] == heading
