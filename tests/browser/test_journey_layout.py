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
