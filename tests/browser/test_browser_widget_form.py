"""The embeddable web form in a real browser: a mistake is explained and what was typed
stays; a correct message gives a case number; axe-core finds nothing serious."""

from __future__ import annotations

import re
import urllib.request
from typing import Any

from tests.browser.axe import blocking_violations


def test_web_form_explains_mistakes_and_gives_a_case_number(demo_server: str, browser: Any) -> None:
    demo_page = urllib.request.urlopen(f"{demo_server}/chat/demo/").read().decode()  # noqa: S310
    key = re.search(r'data-key="([^"]+)"', demo_page).group(1)  # type: ignore[union-attr]
    context = browser.new_context(bypass_csp=True)  # only so that axe can be injected
    page = context.new_page()
    page.goto(f"{demo_server}/chat/form/{key}/?lang=sv")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert not blocking_violations(page), "axe: serious or critical violations on the form"

    page.get_by_label("Meddelande").fill("När töms soptunnorna i Norrby?")
    page.get_by_label("Ämne").select_option("Avfall och återvinning")
    page.get_by_role("button", name="Skicka").click()
    page.wait_for_selector("[role=alert]:has-text('telefonnummer')")
    assert page.get_by_label("Meddelande").input_value() == "När töms soptunnorna i Norrby?"

    page.get_by_label("E-post").fill("vera@example.se")
    page.get_by_role("button", name="Skicka").click()
    page.wait_for_selector("h1:has-text('Tack för ditt meddelande')")
    assert re.search(r"Ditt ärendenummer är \d+\.", page.inner_text("main"))
    context.close()
