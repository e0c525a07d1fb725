"""The grouped top navigation in a real browser: the header stays one line at 1280 px,
a group opens from the keyboard and Escape closes it (focus back on its button), one group
is open at a time, a click outside closes it, the open menu is axe-clean, and on a phone
an open group pushes the page down instead of floating off-screen.

Set NAV_SCREENSHOTS=/some/dir to keep screenshots of the header (agent and admin, 1280
and 1024 px) for a look by eye."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.browser.axe import blocking_violations
from tests.browser.conftest import login

from distans.demo.data import DEMO_PASSWORD, demo_email

SHOTS = os.environ.get("NAV_SCREENSHOTS")


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(
            path=str(Path(SHOTS) / f"{name}.png"),
            clip={"x": 0, "y": 0, "width": page.viewport_size["width"], "height": 320},
        )


def _open(group: Any) -> bool:
    return bool(group.evaluate("d => d.open"))


def test_the_header_is_one_line_at_1280_px_for_agent_and_admin(
    demo_server: str, browser: Any
) -> None:
    for who in ("agent", "admin"):
        for width in (1280, 1024) if SHOTS else (1280,):
            context = browser.new_context(viewport={"width": width, "height": 800}, locale="sv-SE")
            page = context.new_page()
            login(page, demo_server, demo_email(who), DEMO_PASSWORD)
            header = page.locator("header.topbar").bounding_box()
            assert header is not None
            if width == 1280:
                assert header["height"] < 70, (who, header)  # one line, not two
            _shot(page, f"{who}-{width}")
            team = page.locator("details[data-nav-group='team']")
            team.locator("summary").click()
            assert _open(team)
            _shot(page, f"{who}-{width}-team-open")
            context.close()


def test_a_group_by_keyboard_one_open_at_a_time(demo_server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="sv-SE")
    page = context.new_page()
    login(page, demo_server, demo_email("admin"), DEMO_PASSWORD)
    team = page.locator("details[data-nav-group='team']")
    management = page.locator("details[data-nav-group='management']")
    # Keyboard: focus the group's button, Enter opens, Tab reaches its first link, Escape
    # closes and gives focus back to the button.
    team.locator("summary").focus()
    page.keyboard.press("Enter")
    assert _open(team)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.getAttribute('href')") == "/team/"
    assert blocking_violations(page, "header") == []
    page.keyboard.press("Escape")
    assert not _open(team)
    assert page.evaluate("() => document.activeElement.tagName") == "SUMMARY"
    # One group at a time; a click outside closes.
    team.locator("summary").click()
    management.locator("summary").click()
    assert _open(management) and not _open(team)
    page.mouse.click(1200, 700)  # outside the header and the open menu
    assert not _open(management)
    # A link in a group is the current page there: its group is marked, closed.
    management.locator("summary").click()
    management.locator("a[href='/reports/']").click()
    page.wait_for_url(f"{demo_server}/reports/")
    management = page.locator("details[data-nav-group='management']")
    assert management.locator("summary").get_attribute("aria-current") == "true"
    assert management.locator("a[href='/reports/']").get_attribute("aria-current") == "page"
    assert not _open(management)
    context.close()


def test_on_a_phone_an_open_group_stays_on_screen(demo_server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 800}, locale="sv-SE")
    page = context.new_page()
    login(page, demo_server, demo_email("admin"), DEMO_PASSWORD)
    management = page.locator("details[data-nav-group='management']")
    management.locator("summary").click()
    for link in management.locator("a").all():
        box = link.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    _shot(page, "admin-390-management-open")
    context.close()
