"""The desk's browser softphone through the real gateway: Chromium with a fake
microphone registers when the agent goes available, rings with the offer, answers,
and audio flows both ways (the browser's getStats and baresip's recording)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from tests.browser.axe import AXE_PATH, blocking_violations
from tests.conftest import require_service
from tests.factories import make_agent
from tests.telephony.sipphone import Baresip, loudness, seconds_of, tone, wait_for
from tests.telephony.test_gateway_calls import call_state, diagnose, queue_uri, tolerant

from distans.routing import actions as routing
from distans.routing.models import Offer

pytestmark = [pytest.mark.sip, pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("DISTANS_CHROMIUM", "/usr/bin/chromium")
MEDIA_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--allow-loopback-in-peer-connection",
    "--autoplay-policy=no-user-gesture-required",
]


def test_the_agent_answers_in_the_browser_and_audio_flows_both_ways(
    gateway: dict[str, Any],
    live_server: Any,
) -> None:
    require_service("browser", Path(CHROMIUM).exists(), f"chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls below are
    # still plain synchronous calls from the test
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    agent = make_agent(gateway["org"], [gateway["queue"]])
    client = Client()
    client.force_login(agent)
    session = client.cookies["sessionid"].value
    tmp = gateway["tmp"]
    phone = Baresip(
        tmp / "caller", "<sip:0701234567@127.0.0.1>;regint=0", tone(tmp / "caller-in.wav", 60, 440)
    )
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=MEDIA_ARGS
            )
            context = browser.new_context(locale="sv-SE")
            context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
            page = context.new_page()
            page.goto(f"{live_server.url}/desk/")
            softphone = page.locator("#softphone")
            softphone.wait_for()
            assert (
                softphone.get_attribute("data-state") != "registered"
            )  # offline: not taking calls
            page.get_by_role("button", name="Tillgänglig").click()
            page.wait_for_selector("#softphone[data-state=registered]", timeout=30000)
            if AXE_PATH.exists():  # the softphone is accessible (WCAG 2.1 AA)
                assert blocking_violations(page, "#softphone") == []

            phone.dial(queue_uri(gateway))
            assert wait_for(
                lambda: tolerant(lambda: Offer.objects.filter(agent=agent).exists()), 15
            ), diagnose(gateway, phone)
            routing.do_accept_offer(agent, Offer.objects.get(agent=agent).pk)
            page.wait_for_selector("#softphone[data-state=ringing]", timeout=30000)
            page.get_by_role("button", name="Svara").click()
            assert wait_for(lambda: call_state() == "answered", 30), diagnose(gateway, phone)

            # the browser receives the caller's audio (getStats, shown on the desk)
            def received() -> int:
                return int(softphone.get_attribute("data-packets-received") or 0)

            assert wait_for(lambda: received() > 100, 30), diagnose(gateway, phone)
            assert float(softphone.get_attribute("data-audio-level") or 0) > 0
            heard_before = seconds_of(phone.record)
            assert wait_for(lambda: seconds_of(phone.record) > heard_before + 3, 10)
            # the caller hears the browser's fake microphone (beeps) after the connection
            assert loudness(phone.record, skip_seconds=max(0.0, seconds_of(phone.record) - 3)) > 50
            phone.hangup()
            page.wait_for_selector("#softphone[data-state=ended]", timeout=10000)
            assert wait_for(lambda: call_state() == "ended", 10), diagnose(gateway, phone)
            browser.close()
    finally:
        phone.stop()


def test_a_newcomer_calls_the_demo_from_the_call_us_page_and_answers_as_the_agent(
    gateway: dict[str, Any],
    live_server: Any,
) -> None:
    """The demo's public "call us" page: a browser caller (JsSIP over WebRTC, fake
    microphone) rings the demo line through the gateway, hears the waiting media, and
    the agent in another tab is offered the call, answers in the desk's softphone, and
    both browsers receive audio."""
    require_service("browser", Path(CHROMIUM).exists(), f"chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    from distans.accounts.models import Organisation
    from distans.demo.data import DEMO_SLUG

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    Organisation.objects.filter(pk=gateway["org"].pk).update(slug=DEMO_SLUG)
    agent = make_agent(gateway["org"], [gateway["queue"]])
    client = Client()
    client.force_login(agent)
    session = client.cookies["sessionid"].value
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=MEDIA_ARGS)
        try:
            desk = browser.new_context(locale="sv-SE")
            desk.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
            agent_page = desk.new_page()
            agent_page.goto(f"{live_server.url}/desk/")
            agent_page.get_by_role("button", name="Tillgänglig").click()
            agent_page.wait_for_selector("#softphone[data-state=registered]", timeout=30000)

            caller_page = browser.new_context(locale="sv-SE").new_page()
            caller_page.goto(f"{live_server.url}/telephony/call-us/")
            call_us = caller_page.locator("#call-us")
            call_us.wait_for()
            if AXE_PATH.exists():  # the page is accessible (WCAG 2.1 AA)
                assert blocking_violations(caller_page, "#main") == []
            caller_page.get_by_role("button", name="Ring oss").click()
            assert wait_for(lambda: call_state() is not None, 20), diagnose(gateway)
            caller_page.wait_for_selector("#call-us[data-state=waiting]", timeout=20000)
            assert wait_for(
                lambda: tolerant(lambda: Offer.objects.filter(agent=agent).exists()), 15
            ), diagnose(gateway)
            routing.do_accept_offer(agent, Offer.objects.get(agent=agent).pk)
            agent_page.wait_for_selector("#softphone[data-state=ringing]", timeout=30000)
            agent_page.get_by_role("button", name="Svara").click()
            assert wait_for(lambda: call_state() == "answered", 30), diagnose(gateway)
            caller_page.wait_for_selector("#call-us[data-state=in-call]", timeout=20000)
            softphone = agent_page.locator("#softphone")

            def received() -> int:
                return int(softphone.get_attribute("data-packets-received") or 0)

            assert wait_for(lambda: received() > 100, 30), diagnose(gateway)

            def caller_received() -> int:
                return int(
                    caller_page.evaluate(
                        "() => (document.getElementById('call-us-audio').srcObject ? 1 : 0)"
                    )
                )

            assert caller_received() == 1, "the caller's page has no audio from the call"
            caller_page.get_by_role("button", name="Lägg på").click()
            caller_page.wait_for_selector("#call-us[data-state=ended]", timeout=10000)
            assert wait_for(lambda: call_state() == "ended", 15), diagnose(gateway)
        finally:
            browser.close()


def test_without_the_gateway_the_call_us_page_says_calls_are_simulated(client: Client) -> None:
    from tests.factories import make_organisation

    from distans.demo.data import DEMO_SLUG

    make_organisation(slug=DEMO_SLUG)
    answer = client.get("/telephony/call-us/", HTTP_ACCEPT_LANGUAGE="nb")
    assert answer.status_code == 200
    text = answer.content.decode()
    assert 'id="call-us-unavailable"' in text and "jssip" not in text

