"""A newcomer's walk through every role's pages, in Swedish, Norwegian and English.

Each role of the demo organisation (agent, team leader, supervisor, admin) logs in,
chooses a language and opens every page of its menu and the pages those lead to. On
each page: no response of 400 or more and no script error or refused resource (the
content security policy included), and axe-core finds no serious or critical
problem. In Swedish the visible text (and the labels a screen reader reads) is
scanned for English words from a short list and for raw codes (channel and presence
codes, the queues' slugs, solver statuses, English month abbreviations).

That every message is translated in the catalogues is tests/test_catalogs.py."""

from __future__ import annotations

import json
import re
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tests.browser.axe import blocking_violations
from tests.browser.conftest import login

from distans.demo.data import DEMO_PASSWORD, demo_email

TODAY = datetime.now(ZoneInfo("Europe/Stockholm")).date()  # the demo organisation's day
REPORT = f"/reports/?start={TODAY - timedelta(days=7)}&end={TODAY}&by=day"

PAGES = {
    "agent": ["/", "/desk/", "/team/"],
    "teamleader": ["/", "/desk/", "/wallboard/", "/team/", REPORT],
    "supervisor": [
        "/",
        "/wallboard/",
        "/wallboard/tv/",
        "/team/",
        REPORT,
        REPORT + "&group=channel",
        "/planning/",
        "/topics/",
    ],
    "admin": ["/", "/wallboard/", REPORT, "/planning/", "/admin/"],  # + the admin's models
}
# Pages a role may not open: the product's own 403 page, translated.
REFUSED = {"agent": ["/reports/", "/wallboard/"], "teamleader": ["/planning/"]}

# English words that have no business on a Swedish page (case-sensitive, whole words).
ENGLISH = [
    "the", "and", "of", "to", "is", "are", "with", "for", "from", "not", "no", "yes",
    "Queue", "queue", "Queues", "Lines", "Line", "NUMBER", "Number", "Settings",
    "settings", "TELEPHONY", "Telephony", "Service", "level", "Waiting", "waiting",
    "Available", "Busy", "Break", "Meeting", "Training", "Offline", "Away", "Today",
    "Yesterday", "Save", "Delete", "Search", "Add", "Change", "Home", "Reports",
    "Planning", "Welcome", "Loading", "Agent", "Agents", "Contact", "Contacts",
    "Answered", "Abandoned", "Offered", "Topic", "Topics", "Office", "Home office",
]  # fmt: skip
# Raw codes: channel, presence and status codes, solver statuses, English months.
CODES = [
    "chat", "email", "form", "phone", "callback", "wrap_up", "available", "busy",
    "offline", "away", "meeting", "training", "OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN",
    "True", "False", "None", "office", "home",
]  # fmt: skip
# The demo queues' slugs that are no Swedish word ("skola", "bygglov" are; they are
# also topic codes and keywords on /topics/, where codes are the page's own data).
QUEUE_SLUGS = ["allmant", "vaxel"]
MONTH = re.compile(r"\b\d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")
WORDS = re.compile(
    r"(?<![\w/.@:-])(" + "|".join(re.escape(w) for w in [*ENGLISH, *CODES, *QUEUE_SLUGS]) + r")(?![\w/.@-])"
)

TEXT_JS = """() => {
    const parts = [document.title, document.body.innerText];
    for (const el of document.querySelectorAll('[aria-label],[title],[placeholder],[alt]')) {
        if (el.closest('[hidden]')) continue;
        for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
            const value = el.getAttribute(name);
            if (value) parts.push(value);
        }
    }
    for (const el of document.querySelectorAll('input[type=submit],input[type=button]')) {
        parts.push(el.value);
    }
    for (const el of document.querySelectorAll('svg title')) parts.push(el.textContent);
    return parts.join('\\n');
}"""


def english_and_codes(text: str) -> list[str]:
    """The English words and raw codes in ``text`` (a Swedish page's visible text),
    each with a little context; e-mail addresses and URLs are left out."""
    found = []
    for line in text.splitlines():
        cleaned = re.sub(r"\S+@\S+|https?://\S+|/\S*", " ", line)
        for match in [*WORDS.finditer(cleaned), *MONTH.finditer(cleaned)]:
            found.append(f"{match.group(0)!r} in {cleaned.strip()[:120]!r}")
    return found


def test_the_scan_finds_english_and_codes_and_passes_swedish() -> None:
    hits = english_and_codes("Kö: allmant · kanal phone · 6 Dec · Paus (meeting)")
    assert [h.split(" in ")[0] for h in hits] == ["'allmant'", "'phone'", "'meeting'", "'6 Dec'"]
    for english in ("Lines", "Service level (%)", "OPTIMAL", "Telefonikö: chat", "TELEPHONY"):
        assert english_and_codes(english), english
    assert english_and_codes("Välkommen, Anna · 6 dec · anna@example.org · /api/docs") == []


class _Api:
    """A demo person's session on the JSON API (logged in through the login form)."""

    def __init__(self, browser: Any, base_url: str, local: str) -> None:
        self.base_url = base_url
        self.context = browser.new_context()
        login(self.context.new_page(), base_url, demo_email(local), DEMO_PASSWORD)
        self.token = next(c["value"] for c in self.context.cookies() if c["name"] == "csrftoken")

    def post(self, path: str, data: dict[str, Any] | None = None) -> Any:
        response = self.context.request.post(
            f"{self.base_url}/api{path}",
            data=json.dumps(data or {}),
            headers={"Content-Type": "application/json", "X-CSRFToken": self.token,
                     "Referer": f"{self.base_url}/"},
        )  # fmt: skip
        assert response.ok, (path, response.status, response.text())
        return response.json() if response.status != 204 else None

    def get(self, path: str) -> Any:
        return self.context.request.get(f"{self.base_url}/api{path}").json()


@pytest.fixture(scope="module")
def busy_day(demo_server: str, browser: Any) -> Any:
    """The demo in the middle of a day, so the pages show states and channels: Erik on
    a meeting break, Fatima busy with a chat, an e-mail and a form waiting. Everyone is
    set offline again afterwards (these tests run last in the browser suite)."""
    supervisor = _Api(browser, demo_server, "supervisor")
    for local in ("agent", "johan"):  # whom earlier browser tests made available
        other = _Api(browser, demo_server, local)
        other.post("/agent/presence", {"presence": "offline"})
        other.context.close()
    erik, fatima = _Api(browser, demo_server, "erik"), _Api(browser, demo_server, "fatima")
    erik.post("/agent/presence", {"presence": "break", "reason": "meeting"})
    fatima.post("/agent/presence", {"presence": "available"})
    chat = supervisor.post(
        "/contacts", {"channel": "chat", "queue": "corona", "customer_name": "Vera Besökare"}
    )
    offer = None
    for _ in range(100):  # routing runs just after the arrival's commit
        offer = next((o for o in fatima.get("/agent/offers") if o["contact_id"] == chat["id"]), None)
        if offer is not None:
            break
        time.sleep(0.1)
    assert offer is not None, "the chat was not offered to Fatima"
    fatima.post(f"/offers/{offer['id']}/accept")
    for channel in ("email", "form"):
        supervisor.post(
            "/contacts",
            {"channel": channel, "queue": "skola", "customer_email": "vera@example.org"},
        )
    yield
    fatima.post(f"/contacts/{chat['id']}/complete", {"topic": "Corona"})
    for person in (erik, fatima):
        person.post("/agent/presence", {"presence": "offline"})
    for api in (supervisor, erik, fatima):
        api.context.close()


def _set_language(context: Any, base_url: str, language: str) -> None:
    token = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    response = context.request.post(
        f"{base_url}/account/language/",
        form={"language": language, "next": "/"},
        headers={"X-CSRFToken": token, "Referer": f"{base_url}/"},
        max_redirects=0,
    )
    assert response.status in (200, 302), response.text()


def _admin_pages(page: Any, base_url: str) -> list[str]:
    """Every model the admin index lists: its list and, where allowed, its add form."""
    page.goto(f"{base_url}/admin/")
    hrefs = page.eval_on_selector_all(
        "#content-main a[href^='/admin/']", "els => els.map(e => e.getAttribute('href'))"
    )
    return sorted({h for h in hrefs if h.count("/") == 4 or h.endswith("/add/")})


def _admin_jquery_probe(url: str, text: str) -> bool:
    """The jQuery inside Django's admin forms probes the browser with inline styles,
    which the content security policy refuses (harmlessly: nothing of the page is
    styled that way)."""
    return "/admin/" in url and text.startswith("Applying inline style violates")


def _watch(page: Any, problems: list[str]) -> None:
    page.on(
        "console",
        # Failed loads are taken from the responses (below); the browser's own favicon
        # probe is not a page request.
        lambda m: problems.append(f"{page.url}: console: {m.text[:200]}")
        if m.type == "error"
        and not m.text.startswith("Failed to load resource")
        and not _admin_jquery_probe(page.url, m.text)
        else None,
    )
    page.on("pageerror", lambda e: problems.append(f"{page.url}: script error: {e}"))
    page.on(
        "response",
        lambda r: problems.append(f"{r.status} {r.url}")
        if r.status >= 400 and r.request.resource_type != "document"
        else None,
    )


def _visit(page: Any, base_url: str, path: str, language: str, problems: list[str]) -> None:
    response = page.goto(f"{base_url}{path}")
    if response is None or response.status >= 400:
        problems.append(f"{path}: HTTP {response.status if response else '?'}")
        return
    try:
        page.wait_for_load_state("networkidle", timeout=10_000)
    except Exception:  # a page that keeps polling is still checked
        problems.append(f"{path}: still loading after 10 s")
    if language == "sv":
        for hit in english_and_codes(page.evaluate(TEXT_JS)):
            problems.append(f"{path}: {hit}")
    if page.locator("html").get_attribute("lang") != language:
        problems.append(f"{path}: not in {language}")
    for violation in blocking_violations(page):
        problems.append(f"{path} [{language}] axe: {json.dumps(violation)[:300]}")


@pytest.mark.parametrize("language", ["sv", "nb", "en"])
@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_of_every_role(
    demo_server: str, browser: Any, busy_day: Any, role: str, language: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    login(page, demo_server, demo_email(role), DEMO_PASSWORD)
    _set_language(context, demo_server, language)
    try:
        _watch(page, problems)
        pages = list(PAGES[role])
        if role == "admin":
            pages += _admin_pages(page, demo_server)
        for path in pages:
            _visit(page, demo_server, path, language, problems)
        for path in REFUSED.get(role, []):
            response = page.goto(f"{demo_server}{path}")
            assert response is not None and response.status == 403, path
            assert page.locator("nav").count() == 1, path  # the product's 403 page
            if language == "sv":
                problems += [f"{path}: {hit}" for hit in english_and_codes(page.evaluate(TEXT_JS))]
            problems = [p for p in problems if not p.startswith(f"403 {demo_server}{path}")]
    finally:
        _set_language(context, demo_server, "nb" if role == "ingrid" else "sv")
        context.close()
    assert problems == [], "\n".join(problems)


def test_the_api_docs_render_under_the_content_security_policy(demo_server: str, browser: Any) -> None:
    """/api/docs is developer documentation (Swagger UI, English by design, not part of
    the Swedish interface): it must render, its assets served here, nothing refused."""
    context = browser.new_context()
    page = context.new_page()
    problems: list[str] = []
    _watch(page, problems)
    page.on(
        "console",
        lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None,
    )
    login(page, demo_server, demo_email("admin"), DEMO_PASSWORD)
    page.goto(f"{demo_server}/api/docs")
    page.wait_for_selector(".swagger-ui .info .title:has-text('Distans API')", timeout=15_000)
    page.wait_for_selector(".opblock-tag", timeout=15_000)  # the operations are listed
    context.close()
    assert [p for p in problems if "Content Security Policy" in p and "script" in p] == []
