"""The settings pages in a real browser: every page axe-clean in Swedish, a team made
with the keyboard alone, a key shown once, a CSV preview, and the 403 page."""

from __future__ import annotations

from tests.browser.axe import blocking_violations
from tests.browser.conftest import login

from distans.demo.data import DEMO_PASSWORD, demo_email

PAGES = [
    "/settings/",
    "/settings/people/",
    "/settings/people/invite/",
    "/settings/people/import/",
    "/settings/teams/",
    "/settings/teams/new/",
    "/settings/sites/",
    "/settings/sites/new/",
    "/settings/api-keys/",
    "/settings/webhooks/",
    "/settings/webhooks/new/",
    "/settings/audit/",
]


def _clean(page, where: str) -> None:  # type: ignore[no-untyped-def]
    violations = blocking_violations(page)
    assert not violations, (where, violations)


def test_settings_pages_are_axe_clean_and_keyboard_usable(demo_server, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)  # for axe only
    page = context.new_page()
    login(page, demo_server, demo_email("admin"), DEMO_PASSWORD)
    assert page.locator("nav a", has_text="Inställningar").count() == 1

    for path in PAGES:
        page.goto(demo_server + path)
        assert page.locator("html").get_attribute("lang") == "sv"
        _clean(page, path)

    # A person's page and their agent settings.
    page.goto(demo_server + "/settings/people/")
    page.click("a:has-text('Anna Lindqvist')")
    page.wait_for_selector("h1:has-text('Anna Lindqvist')")
    _clean(page, "person")
    page.click("a:has-text('Handläggarinställningar')")
    page.wait_for_selector("h1:has-text('Handläggarinställningar för Anna Lindqvist')")
    _clean(page, "agent")

    # A team made with the keyboard alone: Tab to the name, type, Tab on, Enter.
    page.goto(demo_server + "/settings/teams/new/")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "id_name":
            break
    else:
        raise AssertionError("the team name field is not reachable with Tab")
    page.keyboard.type("Lag Tangentbord")
    while page.evaluate("document.activeElement.type") != "submit":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("th:has-text('Lag Tangentbord')")

    # A key, shown once, and the audit log that recorded both changes.
    page.goto(demo_server + "/settings/api-keys/")
    page.fill("#id_name", "Webbplatsen")
    page.check("input[name=scopes][value='contacts.create']")
    page.click("button:has-text('Skapa nyckeln')")
    key = page.input_value("#new-key")
    assert key.startswith("dst_")
    _clean(page, "new key")
    page.goto(demo_server + "/settings/api-keys/")
    assert key not in page.content()
    page.goto(demo_server + "/settings/audit/")
    assert page.locator("td", has_text="API-nyckel skapad").count() >= 1
    assert page.locator("td", has_text="arbetslag tillagt").count() >= 1

    # A CSV preview with a broken row: per-row messages, nothing to confirm.
    page.goto(demo_server + "/settings/people/import/")
    page.set_input_files("#id_file", files=[{
        "name": "folk.csv", "mimeType": "text/csv",
        "buffer": b"namn;e-post;lag\nNy Person;ny@example.org;Lag Norr\nTrasig;inte-en-adress;Lag Norr\n",
    }])  # fmt: skip
    page.click("button:has-text('Förhandsgranska')")
    page.wait_for_selector("text=”inte-en-adress” är ingen e-postadress.")
    assert page.locator("button:has-text('Importera')").count() == 0
    _clean(page, "import preview")
    context.close()


def test_an_agent_meets_a_translated_403_page(demo_server, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(bypass_csp=True)  # for axe only
    page = context.new_page()
    login(page, demo_server, demo_email("erik"), DEMO_PASSWORD)
    assert page.locator("nav a", has_text="Inställningar").count() == 0
    response = page.goto(demo_server + "/settings/")
    assert response is not None and response.status == 403
    page.wait_for_selector("h1:has-text('Inte tillåtet')")
    assert "hantera personer" in page.content()
    _clean(page, "403")
    context.close()
