"""A visitor on the organisation's own website (another origin than Distans) opens the
chat widget, sees the greeting, starts a chat and sees their place in the queue; axe-core
finds no serious or critical problem in the widget."""

from __future__ import annotations

import http.server
import json
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from tests.browser.axe import blocking_violations
from tests.browser.conftest import _free_port, login

from distans.demo.data import DEMO_PASSWORD, demo_email


def _demo_widget_key(demo_server: str) -> str:
    import urllib.request

    demo_page = urllib.request.urlopen(f"{demo_server}/chat/demo/").read().decode()  # noqa: S310
    return re.search(r'data-key="([^"]+)"', demo_page).group(1)  # type: ignore[union-attr]


@pytest.fixture()
def visitor_site(demo_server: str) -> Iterator[str]:
    """A pretend municipal site on its own port (so its own origin) with the tag."""
    key = _demo_widget_key(demo_server)
    page = (
        '<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>Västerby kommun</title></head>'
        "<body><main><h1>Västerby kommun</h1><p>Välkommen till kommunens webbplats.</p></main>"
        f'<script src="{demo_server}/chat/widget.js" data-key="{key}"></script></body></html>'
    ).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: Any) -> None:
            pass

    port = _free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def _allow_origin(browser: Any, base_url: str, origin: str, key: str) -> None:
    """The organisation admin adds the site's address to the widget on Settings →
    Channels (the product's own page, one address a line)."""
    context = browser.new_context()
    page = context.new_page()
    login(page, base_url, demo_email("admin"), DEMO_PASSWORD)
    page.goto(f"{base_url}/settings/channels/")
    links = [a.get_attribute("href") for a in page.locator("#widgets-heading + ul a").all()]
    for href in links:  # the widget whose snippet the visitor's site carries
        page.goto(f"{base_url}{href}")
        if key in page.locator("#snippet").input_value():
            break
    else:
        raise AssertionError(f"no widget with key {key} on the channels page")
    field = page.locator("textarea[name=allowed_origins]")
    lines = [line for line in field.input_value().splitlines() if line.strip()]
    field.fill("\n".join([*lines, origin]))
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state("networkidle")
    assert origin in page.locator("textarea[name=allowed_origins]").input_value()
    context.close()


def _agent_available(browser: Any, base_url: str) -> Any:
    context = browser.new_context()
    page = context.new_page()
    login(page, base_url, demo_email("johan"), DEMO_PASSWORD)
    _set_presence(context, base_url, "available")
    return context


def _set_presence(context: Any, base_url: str, presence: str) -> None:
    token = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    response = context.request.post(
        f"{base_url}/api/agent/presence",
        data=json.dumps({"presence": presence}),
        headers={
            "Content-Type": "application/json",
            "X-CSRFToken": token,
            "Referer": f"{base_url}/",
        },
    )
    assert response.ok, response.text()


def test_visitor_on_another_origin_chats_and_sees_place_in_queue(
    demo_server: str, browser: Any, visitor_site: str
) -> None:
    _allow_origin(browser, demo_server, visitor_site, _demo_widget_key(demo_server))
    # Earlier browser tests on this shared demo server may have left Anna available
    # (she serves this queue too): the chat must reach Johan's desk.
    anna = browser.new_context()
    login(anna.new_page(), demo_server, demo_email("agent"), DEMO_PASSWORD)
    _set_presence(anna, demo_server, "offline")
    anna.close()
    agent = _agent_available(browser, demo_server)
    # The agent's desk is open before the visitor writes: the offer is taken at once
    # (left unanswered it would time out and never come back to this agent).
    desk = agent.pages[0]
    desk.goto(f"{demo_server}/desk/")
    desk.wait_for_selector("#live-status:not(.offline):text('Live')")

    context = browser.new_context()
    page = context.new_page()
    page.goto(visitor_site)
    launcher = page.get_by_role("button", name="Chatta med oss")
    launcher.click()
    assert launcher.get_attribute("aria-expanded") == "true"
    page.wait_for_selector(".distans-chat-log :text('Välkommen till Västerby kommuns chatt')")
    assert page.evaluate("document.activeElement.id") == "distans-chat-text"  # focus moved in

    page.locator("#distans-chat-text").fill("Var kan jag vaccinera mig mot covid?")
    page.keyboard.press("Enter")
    # Its place in line (earlier tests on the shared demo may have left contacts waiting
    # in this queue, so not necessarily number 1).
    page.wait_for_selector(
        ".distans-chat-status:text-matches('Du är nummer [0-9]+ i kön')", timeout=10_000
    )
    page.wait_for_selector(".distans-chat-from-visitor:text('Var kan jag vaccinera mig')")
    # Earlier tests on the shared demo may have left other chats waiting in this queue,
    # offered first: the agent takes offers until this visitor's chat is on the desk.
    mine = ".workspace[data-contact]:has-text('Var kan jag vaccinera mig')"
    for _ in range(6):
        desk.wait_for_selector(".offer button.accept", timeout=15_000)
        desk.click(".offer button.accept")
        try:
            desk.wait_for_selector(mine, timeout=5_000)
            break
        except PlaywrightTimeout:
            continue

    violations = blocking_violations(page, ".distans-chat")
    assert not violations, violations

    page.keyboard.press("Escape")  # closes the panel, focus back on the button
    assert launcher.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.classList.contains('distans-chat-launcher')")

    # The agent took the chat on the desk; lines go live both ways, no reload.
    workspace = desk.wait_for_selector(mine)
    contact_id = workspace.get_attribute("data-contact")
    thread = f"#thread-{contact_id}"
    desk.wait_for_selector(f"{thread} :text('Var kan jag vaccinera mig')")

    # agent → visitor
    reply = desk.locator(f"#reply-{contact_id}")
    reply.fill("Hej! Vaccinationen sker på vårdcentralen.")
    reply.press("Enter")
    launcher.click()
    page.wait_for_selector(
        ".distans-chat-from-agent:text('Vaccinationen sker på vårdcentralen')", timeout=10_000
    )

    # visitor → agent: the line shows on the desk live (the desk listens for live:message)
    page.locator("#distans-chat-text").fill("Behöver jag boka tid?")
    page.keyboard.press("Enter")
    desk.wait_for_selector(f"{thread} :text('Behöver jag boka tid?')", timeout=10_000)
    context.close()
    _set_presence(agent, demo_server, "offline")  # the demo server is shared with later tests
    agent.close()
