"""A supervisor plans next week in the demo and an agent sees the published shifts.

The supervisor opens a queue's planning page (chart + table), changes the AHT in the
what-if form (htmx re-renders the chart: required agents rise), generates a schedule
for next week (the embedded task worker runs CP-SAT; the page follows by itself) and
publishes it. The agent's shift fragment shows the shifts and the break reminder
script shows a "break_due" event in a role=alert region. axe-core finds no serious or
critical violations on the planning pages."""

from __future__ import annotations

import re

from tests.browser.conftest import login
from tests.browser.test_browser_desk import blocking_violations

from distans.demo.data import DEMO_PASSWORD, demo_email


def _required_at_nine(page) -> int:  # type: ignore[no-untyped-def]
    row = page.locator("tr[data-slot='09:00'] td[data-field='required']")
    return int((row.text_content() or "").strip())


def test_supervisor_plans_next_week_and_the_agent_sees_the_shifts(demo_server, browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    login(page, demo_server, demo_email("supervisor"), DEMO_PASSWORD)

    page.goto(f"{demo_server}/planning/")
    page.get_by_role("link", name="Allmänna frågor").click()
    page.wait_for_selector("svg.plan-chart")
    assert page.locator("svg.plan-chart rect.bar-contacts").count() > 10
    assert page.locator("svg.plan-chart rect.bar-scheduled").count() > 10  # the demo's schedule
    before = _required_at_nine(page)
    assert before > 0
    assert blocking_violations(page, "main") == []

    page.fill("input[name=aht_seconds]", "600")
    page.locator("input[name=aht_seconds]").dispatch_event("change")
    page.wait_for_function(
        "b => Number(document.querySelector(\"tr[data-slot='09:00'] td[data-field='required']\").textContent) > b",
        arg=before,
    )
    assert _required_at_nine(page) > before

    page.goto(f"{demo_server}/planning/")
    page.get_by_role("button", name="Ta fram").click()
    page.wait_for_url(re.compile(r".*/planning/schedules/\d+/$"))
    page.wait_for_selector("button:has-text('Publicera för agenterna')", timeout=60_000)
    assert page.locator("[data-field=location]").count() > 0
    page.get_by_role("button", name="Publicera för agenterna").click()
    page.wait_for_selector("[data-field=status]:has-text('Publicerat')")
    assert blocking_violations(page, "main") == []

    agent_context = browser.new_context(viewport={"width": 900, "height": 700})
    agent = agent_context.new_page()
    login(agent, demo_server, demo_email("agent"), DEMO_PASSWORD)
    agent.goto(f"{demo_server}/planning/my-shifts/")
    assert agent.locator(".plan-shift").count() > 0
    agent.goto(f"{demo_server}/")
    agent.add_script_tag(url="/static/planning/reminder.js")
    agent.evaluate(
        "() => window.DistansLive.emit('break_due', {message: 'Dags för rast', dismiss: 'OK'})"
    )
    alert = agent.locator("#planning-break-reminder[role=alert]")
    alert.wait_for()
    assert "Dags för rast" in alert.inner_text()
    agent.get_by_role("button", name="OK").click()
    assert alert.is_hidden()
    context.close()
    agent_context.close()
