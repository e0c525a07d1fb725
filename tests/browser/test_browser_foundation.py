"""A supervisor logs in, switches to Norwegian and sees a colleague come online live."""

from __future__ import annotations

from tests.browser.conftest import login

from distans.demo.data import DEMO_PASSWORD, demo_email


def test_supervisor_sees_colleague_come_online_and_switches_language(demo_server, browser) -> None:  # type: ignore[no-untyped-def]
    supervisor = browser.new_context(viewport={"width": 1280, "height": 800})
    page = supervisor.new_page()
    login(page, demo_server, demo_email("supervisor"), DEMO_PASSWORD)

    # Swedish by default, and the live socket connects.
    assert page.locator("html").get_attribute("lang") == "sv"
    page.wait_for_selector("#live-status:not(.offline):text('Live')")
    page.wait_for_selector("#team-online ul.people")
    erik = page.locator("#team-online li", has_text="Erik Johansson")
    assert erik.get_attribute("data-online") == "false"

    # A colleague logs in elsewhere: the supervisor's page updates without reload.
    colleague = browser.new_context()
    other = colleague.new_page()
    login(other, demo_server, demo_email("erik"), DEMO_PASSWORD)
    page.wait_for_selector(
        "#team-online li[data-online='true']:has-text('Erik Johansson')", timeout=10_000
    )

    # The colleague leaves: shown offline again, still without reload.
    colleague.close()
    page.wait_for_selector(
        "#team-online li[data-online='false']:has-text('Erik Johansson')", timeout=10_000
    )

    # Switch to Norwegian.
    page.select_option("#id_language", "nb")
    page.click("form[action='/account/language/'] button[type=submit]")
    page.wait_for_selector("h1:has-text('Velkommen')")
    assert page.locator("html").get_attribute("lang") == "nb"
    # (inside the closed "Team" group: text_content, not the rendered inner_text)
    assert page.locator("nav a[href='/team/']").text_content() == "Mitt team"

    # Back to Swedish: the demo server is shared by the browser tests that follow.
    page.select_option("#id_language", "sv")
    page.click("form[action='/account/language/'] button[type=submit]")
    page.wait_for_selector("h1:has-text('Välkommen')")
    supervisor.close()
