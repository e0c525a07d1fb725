"""Planning follows the one calendar: the admin gives a queue shorter hours on a day
(an ad-hoc day, the calendar's top level above weekly hours and public holidays), then
closes it for the day; the queue's planning page for that day forecasts nothing
outside the hours, then nothing at all; restored, the forecast comes back. All in the
browser, on the demo."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from tests.browser.conftest import login

from distans.demo.data import DEMO_PASSWORD, demo_email

QUEUE = "Allmänna frågor"


def _a_weekday_ahead() -> dt.date:
    day = dt.datetime.now(ZoneInfo("Europe/Stockholm")).date() + dt.timedelta(days=8)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _contacts(page: Any, slot: str) -> float:
    cell = page.locator(f"tr[data-slot='{slot}'] td[data-field='contacts']")
    if cell.count() == 0:
        return 0.0
    return float((cell.text_content() or "0").strip().replace(",", ".").replace("\u2212", "-"))


def _save_special_days(page: Any, base: str, text: str) -> None:
    page.goto(f"{base}/settings/queues/")
    page.click(f"table a:text('{QUEUE}')")
    page.fill("#id_special_days", text)
    page.click("main form button[type=submit]:text('Spara')")
    page.wait_for_selector(".messages li")


def test_planning_follows_a_change_of_hours_and_a_closed_day(demo_server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    login(page, demo_server, demo_email("admin"), DEMO_PASSWORD)
    day = _a_weekday_ahead().isoformat()

    page.goto(f"{demo_server}/planning/")
    page.get_by_role("link", name=QUEUE).click()
    page.wait_for_selector("svg.plan-chart")
    planning = re.sub(r"\?.*$", "", page.url) + f"?day={day}"

    def forecast() -> tuple[float, float, str]:
        page.goto(planning)
        page.wait_for_selector("main p:has-text('i prognosen')")
        summary = page.locator("main p:has-text('i prognosen')").first.inner_text()
        return _contacts(page, "09:00"), _contacts(page, "14:00"), summary

    nine, two, _summary = forecast()
    assert nine > 0 and two > 0, (nine, two)

    page.goto(f"{demo_server}/settings/queues/")
    page.click(f"table a:text('{QUEUE}')")
    original = page.input_value("#id_special_days")
    try:
        _save_special_days(page, demo_server, f"{original}\n{day} 08:00–12:00".strip())
        nine_short, two_short, _summary = forecast()
        assert nine_short > 0 and two_short == 0, (nine_short, two_short)

        _save_special_days(page, demo_server, f"{original}\n{day}".strip())  # closed all day
        nine_closed, two_closed, summary = forecast()
        assert (nine_closed, two_closed) == (0, 0)
        assert ": 0 kontakter i prognosen" in summary, summary
    finally:
        _save_special_days(page, demo_server, original)
    nine_again, two_again, _summary = forecast()
    assert nine_again > 0 and two_again > 0
    context.close()
