"""A data subject's request in a real browser: a resident writes through the web form,
the admin finds the contact by e-mail address, downloads it and erases it after typing
the confirmation word; every step axe-clean in Swedish."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

from tests.browser.axe import blocking_violations
from tests.browser.conftest import login

from distans.demo.data import DEMO_PASSWORD, demo_email

ADDRESS = "registrerad.person@example.se"


def _clean(page: Any, where: str) -> None:
    violations = blocking_violations(page)
    assert not violations, (where, violations)


def test_admin_finds_exports_and_erases_a_data_subject(demo_server: str, browser: Any) -> None:
    demo_page = urllib.request.urlopen(f"{demo_server}/chat/demo/").read().decode()  # noqa: S310
    key = re.search(r'data-key="([^"]+)"', demo_page).group(1)  # type: ignore[union-attr]
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=True
    )  # for axe only
    page = context.new_page()
    page.goto(f"{demo_server}/chat/form/{key}/?lang=sv")
    page.get_by_label("Meddelande").fill(
        "Radera allt om mig, tack. Mitt personnummer är 850709-9805."
    )
    page.get_by_label("Ämne").select_option("Avfall och återvinning")
    page.get_by_label("E-post").fill(ADDRESS)
    page.get_by_role("button", name="Skicka").click()
    page.wait_for_selector("h1:has-text('Tack för ditt meddelande')")
    case = re.search(r"Ditt ärendenummer är (\d+)\.", page.inner_text("main")).group(1)  # type: ignore[union-attr]

    login(page, demo_server, demo_email("admin"), DEMO_PASSWORD)
    page.goto(f"{demo_server}/settings/")
    page.click("a:has-text('En registrerads uppgifter')")
    _clean(page, "privacy search")
    page.get_by_label("Personnummer").fill("19850709-9805")
    page.get_by_role("button", name="Sök").click()
    page.wait_for_selector("h2:has-text('1 kontakt hittades')")
    assert page.locator("th[scope=row]").all_inner_texts() == [case]
    _clean(page, "privacy found")

    with page.expect_download() as download:
        page.get_by_role("button", name="Ladda ner uppgifterna (JSON)").click()
    exported = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert [c["case"] for c in exported["contacts"]] == [case]
    assert exported["contacts"][0]["customer_email"] == ADDRESS
    assert "850709-9805" in exported["contacts"][0]["messages"][0]["text"]

    page.get_by_label("Skriv RADERA för att bekräfta").fill("nej")
    page.get_by_role("button", name="Radera personuppgifterna").click()
    page.wait_for_selector("[role=alert]:has-text('Skriv RADERA för att radera')")
    _clean(page, "privacy refused")
    page.get_by_label("Skriv RADERA för att bekräfta").fill("RADERA")
    page.get_by_role("button", name="Radera personuppgifterna").click()
    page.wait_for_selector("h1:has-text('Personuppgifterna är raderade')")
    assert page.inner_text("#erased-contacts") == "1"
    _clean(page, "privacy erased")

    page.goto(f"{demo_server}/settings/privacy/?email={ADDRESS}")
    page.wait_for_selector("h2:has-text('0 kontakter hittades')")
    page.goto(f"{demo_server}/settings/audit/")
    assert page.locator("td", has_text="en registrerads uppgifter exporterade").count() >= 1
    assert page.locator("td", has_text="en registrerads uppgifter raderade").count() >= 1
    context.close()
