"""A shift in miniature, end to end in real Chromium against the demo server (issue 5,
point 5): the agent Anna logs in to the desk and goes available; the supervisor has the
wallboard open; a visitor opens the chat widget on the demo page and writes; the offer
reaches Anna live, she accepts, reads the visitor's message, answers (the visitor sees
her name), chooses a topic and wraps up; the wallboard's counts for "Allmänna frågor"
change on the same page, without a reload.

Three browser contexts (three people, three cookie jars). Routing runs in the demo
server's router thread; with --no-traffic the other demo agents are offline, and any
that an earlier test in the session left online are set offline by the supervisor
first, so the offer can only go to Anna (who serves allmant, corona and vaxel)."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import login

from distans.demo.data import DEMO_PASSWORD, demo_email

QUEUE = "tr[data-queue='allmant']"
TIMEOUT_MS = 30_000
VISITOR = "Klara Nordin"
QUESTION = "Hej! Behöver jag bygglov för en altan?"
ANSWER = "Hej Klara! En altan lägre än 1,2 m behöver inget bygglov."


def _wait_live(page: Any) -> None:
    """The page's websocket is open (live.js shows the status's "online" text)."""
    page.wait_for_function(
        "() => { const s = document.getElementById('live-status');"
        " return s && !s.classList.contains('offline') && s.textContent === s.dataset.online; }",
        timeout=TIMEOUT_MS,
    )


def _counts(board: Any) -> dict[str, int]:
    """The allmant row's numbers, read in one go (a fragment swap cannot split them)."""
    return board.eval_on_selector(
        QUEUE,
        """row => Object.fromEntries(['offered', 'answered', 'abandoned'].map(
            f => [f, parseInt(row.querySelector(`td[data-field='${f}']`).textContent, 10)]))""",
    )


def _wait_counted(board: Any, answered: int, offered_not_abandoned: int) -> None:
    """Wait until the allmant row shows ``answered`` answered and ``offered_not_abandoned``
    offered minus abandoned. (A chat an earlier test left waiting may be abandoned by the
    server meanwhile, which adds one to both offered and abandoned.)"""
    board.wait_for_function(
        """([row, answered, net]) => {
            const n = f => parseInt(document.querySelector(`${row} td[data-field='${f}']`)?.textContent ?? 'x', 10);
            return n('answered') === answered && n('offered') - n('abandoned') === net;
        }""",
        arg=[QUEUE, answered, offered_not_abandoned],
        timeout=TIMEOUT_MS,
    )


def _others_offline(board: Any, base_url: str, anna: str) -> None:
    """The supervisor sets every other logged-in agent offline (the session's server is
    shared with other browser tests, which may have left someone available)."""
    board.wait_for_selector("#wb-agents tr[data-agent]", timeout=TIMEOUT_MS)
    others = board.eval_on_selector_all(
        "#wb-agents tr[data-agent]",
        """(rows, anna) => rows
            .filter(r => r.querySelector('th').textContent.trim() !== anna
                      && !r.querySelector('.presence-offline'))
            .map(r => r.dataset.agent)""",
        anna,
    )
    csrf = next(c["value"] for c in board.context.cookies() if c["name"] == "csrftoken")
    for person_id in others:
        response = board.request.post(
            f"{base_url}/wallboard/agents/{person_id}/presence/",
            form={"presence": "offline"},
            headers={"X-CSRFToken": csrf, "Referer": f"{base_url}/wallboard/"},
        )
        assert response.ok, response.text()


TOPIC_COUNT = """() => {
    const li = [...document.querySelectorAll('#wb-topics li')]
        .find(li => li.querySelector('span')?.textContent.trim() === 'Bygglov');
    return li ? parseInt(li.querySelector('strong').textContent, 10) : 0;
}"""


def _ready_presence(desk: Any, base_url: str) -> str:
    """The presence an agent ready for work shows: available, or busy while she still
    holds a chat (one a failed earlier test in the session may have left with her)."""
    response = desk.request.get(f"{base_url}/api/chats/mine")
    assert response.ok, response.text()
    return "busy" if response.json() else "available"


def test_shift_visitor_chats_agent_answers_wallboard_follows_without_reload(
    demo_server: str, browser: Any
) -> None:
    contexts = []

    def new_page() -> Any:
        context = browser.new_context(locale="sv-SE", viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    try:
        # The supervisor opens the wallboard and marks the page (a reload would lose it).
        board = new_page()
        login(board, demo_server, demo_email("supervisor"), DEMO_PASSWORD)
        board.goto(f"{demo_server}/wallboard/")
        _wait_live(board)
        board.wait_for_selector(QUEUE)
        _others_offline(board, demo_server, "Anna Lindqvist")
        board.evaluate(
            """() => {
                window.shiftMarker = 'same page';
                window.liveKinds = [];
                for (const kind of ['queues', 'agents']) {
                    document.body.addEventListener('live:' + kind, () => window.liveKinds.push(kind));
                }
            }"""
        )

        # The agent logs in to the desk and goes available; the wallboard shows it live.
        desk = new_page()
        login(desk, demo_server, demo_email("agent"), DEMO_PASSWORD)
        desk.goto(f"{demo_server}/desk/")
        _wait_live(desk)
        ready = _ready_presence(desk, demo_server)
        desk.click("#desk-state button[hx-vals*='\"available\"']")
        desk.wait_for_selector(f"#desk-state .presence-{ready}")
        board.wait_for_selector(
            f"#wb-agents tr[data-agent]:has(th:text-is('Anna Lindqvist')) .presence-{ready}"
        )
        # The counts before the visitor arrives.
        before = _counts(board)
        answered_before = before["answered"]
        net_before = before["offered"] - before["abandoned"]
        board.wait_for_selector("#wb-topics ol.wb-topics")
        bygglov_before = board.evaluate(TOPIC_COUNT)

        # A visitor opens the widget on the organisation's page and starts a chat.
        visitor = new_page()
        visitor.goto(f"{demo_server}/chat/demo/")
        launcher = visitor.locator(".distans-chat-launcher")
        launcher.click()
        # The socket's hello brings the greeting; "open" keeps the chat form (not the
        # leave-a-message form), since Anna is available.
        visitor.wait_for_selector(".distans-chat-log .distans-chat-from-system")
        visitor.wait_for_selector("#distans-chat-text", state="visible")
        visitor.fill("#distans-chat-name", VISITOR)
        visitor.fill("#distans-chat-text", QUESTION)
        visitor.press("#distans-chat-text", "Enter")
        visitor.wait_for_selector(f".distans-chat-from-visitor:has-text('{QUESTION}')")

        # The offer reaches Anna live (no reload of the desk); she accepts it.
        offer = desk.wait_for_selector(f".offer:has-text('{VISITOR}')")
        assert "Allmänna frågor" in offer.inner_text()
        desk.click(f".offer:has-text('{VISITOR}') button.accept")
        workspace = desk.wait_for_selector(f".workspace.ws-chat:has-text('{VISITOR}')")
        contact_id = workspace.get_attribute("data-contact")
        thread = f"#thread-{contact_id}"
        desk.wait_for_selector(f"{thread} .msg-in:has-text('{QUESTION}')")

        # The visitor is told who joined; Anna answers and the visitor sees it with her name.
        visitor.wait_for_selector(".distans-chat-status:has-text('Anna')")
        reply = desk.locator(f"#reply-{contact_id}")
        reply.fill(ANSWER)
        reply.press("Enter")
        desk.wait_for_selector(f"{thread} .msg-out:has-text('{ANSWER}')")
        answer = visitor.wait_for_selector(f".distans-chat-from-agent:has-text('{ANSWER}')")
        assert answer.query_selector(".distans-chat-who").inner_text().strip() == "Anna"


        # Topic, finish, wrap-up, and back to available.
        desk.select_option(f"#topic-{contact_id}", "Bygglov")
        desk.click(f".workspace[data-contact='{contact_id}'] .complete-form button[type=submit]")
        desk.wait_for_selector(f".workspace[data-contact='{contact_id}']", state="detached")
        desk.wait_for_selector("#desk-state .wrap-up .countdown")
        # The wallboard has counted the answered chat once it is completed (the report's
        # definition, from the event log), on the same page object.
        _wait_counted(board, answered_before + 1, net_before + 1)
        desk.click("#desk-state .wrap-up button")
        desk.wait_for_selector(f"#desk-state .presence-{ready}")

        # The wallboard shows the topic, and it is still the page we marked: no reload.
        board.wait_for_function(
            f"n => ({TOPIC_COUNT})() === n", arg=bygglov_before + 1, timeout=TIMEOUT_MS
        )
        after = _counts(board)
        assert after["answered"] == answered_before + 1
        assert after["offered"] - after["abandoned"] == net_before + 1
        assert board.evaluate("window.shiftMarker") == "same page"
        assert "queues" in board.evaluate("window.liveKinds")
    finally:
        for context in contexts:
            context.close()
