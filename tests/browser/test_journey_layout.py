"""The screens a newcomer meets fit: TV mode on a 1080p screen without scrolling, the
agent desk's work area above the fold on a 1024 × 768 laptop, a favicon on every page
(the browser's own /favicon.ico probe answered 404 before)."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import login

from distans.demo.data import DEMO_PASSWORD, demo_email


def test_tv_mode_fits_a_1080p_screen(demo_server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    login(page, demo_server, demo_email("supervisor"), DEMO_PASSWORD)
    page.goto(f"{demo_server}/wallboard/tv/")
    page.wait_for_selector("#wb-agents .wb-tiles")
    page.wait_for_load_state("networkidle")
    # A busy day's lists (many topics, many on break), whatever the demo has now.
    page.evaluate(
        """() => {
            const topics = document.querySelector('#wb-topics');
            const agents = document.querySelector('#wb-agents');
            let items = '';
            for (let i = 0; i < 40; i++) items += `<li>Ämne ${i} <strong>${i}</strong></li>`;
            topics.innerHTML = `<ol class="wb-topics">${items}</ol>`;
            agents.insertAdjacentHTML('beforeend', `<h3>Paus</h3><ul class="earlier">${items}</ul>`);
        }"""
    )
    height = page.evaluate("() => document.documentElement.scrollHeight")
    context.close()
    assert height <= 1080, height


def test_the_desks_work_area_is_above_the_fold_at_1024_px(demo_server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    login(page, demo_server, demo_email("erik"), DEMO_PASSWORD)
    page.goto(f"{demo_server}/desk/")
    page.wait_for_load_state("networkidle")
    box = page.locator("#desk-work").bounding_box()
    context.close()
    assert box is not None and box["y"] < 768 * 0.6, box


def test_every_page_names_a_favicon_that_loads(demo_server: str, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    login(page, demo_server, demo_email("supervisor"), DEMO_PASSWORD)
    for path in ("/", "/wallboard/tv/", "/account/login/"):
        page.goto(f"{demo_server}{path}")
        href = page.locator("link[rel='icon']").first.get_attribute("href")
        assert href, path
        assert page.request.get(f"{demo_server}{href}").ok, href
    context.close()


def test_the_chat_widgets_buttons_are_never_cut_off(demo_server: str, browser: Any) -> None:
    """Whatever the widget shows (the chat form, or the "leave a message" form when
    nobody is logged in), the panel fits the window above its launcher, on a desktop
    and on a phone, and what does not fit in the panel can be scrolled to (a panel
    that clips its overflow cut the form's button off)."""
    for width, height in ((1280, 800), (390, 640)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="sv-SE")
        page = context.new_page()
        page.goto(f"{demo_server}/chat/demo/")
        page.locator(".distans-chat-launcher").click()
        page.wait_for_selector(".distans-chat-panel form:visible button:visible")
        panel = page.locator(".distans-chat-panel")
        box = panel.bounding_box()
        assert box is not None and box["y"] >= 0, (width, box)
        assert box["y"] + box["height"] <= height, (width, box)
        fits, scrollable = panel.evaluate(
            """p => [p.scrollHeight <= p.clientHeight + 1,
                     ['auto', 'scroll'].includes(getComputedStyle(p).overflowY)]"""
        )
        assert fits or scrollable, (width, "the panel cuts off what does not fit")
        context.close()
