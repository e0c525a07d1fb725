"""Issue 20's journey in real Chromium against the demo server: from the supervisor's
login to "everyone home, corona queue and topic live, hours changed, announcement
sent" with the demo's prepared plan "B — alla hemma", and back.

The script's time from the login to the plan in force is printed (and written to
``continuity-journey.json`` in the demo's var dir) for docs/benchmarks.md; it is not
asserted (the machine is shared). The demo server is shared with the browser tests
that follow: the plan is ended at the end and its announcement's validity closed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.browser.conftest import login
from tests.browser.test_browser_desk import blocking_violations

from distans.demo.data import DEMO_PASSWORD, demo_email

TIMEOUT_MS = 30_000
PLAN = "B — alla hemma"

STATE = """
import json, django
django.setup()
from distans.accounts.models import Organisation
from distans.announcements.models import Announcement
from distans.routing.models import Queue
from distans.telephony.models import Line
from distans.topics.models import Topic
from distans.continuity.models import Activation
from distans.setup.config import export_config
org = Organisation.objects.get(slug="vasterby-kommun")
announcement = Announcement.objects.filter(organisation=org, title_sv="Plan B gäller: alla arbetar hemifrån").first()
print(json.dumps({
    "export": export_config(org),
    "in_force": Activation.objects.filter(organisation=org, active=True).exists(),
    "temporary_queue": Queue.objects.filter(organisation=org, code="corona-vaccin").exists(),
    "line": Line.objects.filter(organisation=org, number="+4655510050").values_list("queue__code", flat=True).first(),
    "topic": Topic.objects.filter(organisation=org, code="corona-vaccinbokning", active=True).exists(),
    "allmant_hours": Queue.objects.get(organisation=org, code="allmant").weekly_hours,
    "sent": bool(announcement and announcement.sent_at),
    "receipts": announcement.receipts.count() if announcement else 0,
}))
"""

END_ANNOUNCEMENT = """
import django
django.setup()
from django.utils import timezone
from distans.announcements.models import Announcement
Announcement.objects.filter(title_sv="Plan B gäller: alla arbetar hemifrån").update(valid_until=timezone.now())
"""


def _script(var_dir: Path, script: str) -> str:
    env = {
        **os.environ,
        "DISTANS_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "distans.config.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    return out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""


def _state(var_dir: Path) -> dict[str, Any]:
    return dict(json.loads(_script(var_dir, STATE)))


def test_supervisor_switches_the_center_to_plan_b_and_back(
    demo_server: str, demo_var_dir: Path, browser: Any
) -> None:
    before = _state(demo_var_dir)
    assert not before["in_force"] and not before["temporary_queue"]
    context = browser.new_context(locale="sv-SE", viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    agent_context = browser.new_context(locale="sv-SE", viewport={"width": 1400, "height": 1000})
    agent_context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        started = time.monotonic()
        login(page, demo_server, demo_email("supervisor"), DEMO_PASSWORD)
        page.click("nav summary:has-text('Styrning')")  # the "Management" menu group
        page.click("nav >> text=Kontinuitetsplaner")
        page.click(f"text={PLAN}")
        page.click("text=Förhandsgranska och sätt i kraft …")
        page.wait_for_selector("h1:has-text('Sätt ”B — alla hemma” i kraft')")
        preview = page.inner_text("main")
        page.click("button:has-text('Sätt i kraft nu')")
        page.wait_for_selector("[data-testid=in-force]")
        seconds = round(time.monotonic() - started, 1)
        print(f"\ncontinuity journey: login to plan B in force in {seconds} s of clicks")
        (demo_var_dir / "continuity-journey.json").write_text(json.dumps({"seconds": seconds}))

        # What the preview said, in Swedish words
        assert "Corona – vaccination" in preview and "07:00–19:00" in preview
        assert "Vaccinbokning" in preview and "+4655510050" in preview
        assert "bara handläggare som arbetar hemifrån blir tillgängliga" in preview
        # Everyone home, corona queue and topic live, hours changed, announcement sent.
        state = _state(demo_var_dir)
        assert state["in_force"] and state["temporary_queue"] and state["topic"]
        assert state["line"] == "corona-vaccin"
        assert state["allmant_hours"]["6"] == [["07:00", "19:00"]]
        assert state["sent"] and state["receipts"] >= 10

        # The banner on every page, for staff; the wallboard says what changed and since when.
        assert page.inner_text("[data-testid=continuity-banner]").startswith(
            "Plan som gäller: B — alla hemma"
        )
        assert blocking_violations(page, "main") == []
        page.goto(f"{demo_server}/wallboard/")
        page.wait_for_selector("#wallboard-continuity h2:has-text('B — alla hemma')")
        assert "Sedan" in page.inner_text("#wallboard-continuity")
        assert blocking_violations(page, "#wallboard-continuity") == []
        agent = agent_context.new_page()
        login(agent, demo_server, demo_email("agent"), DEMO_PASSWORD)
        agent.goto(f"{demo_server}/desk/")
        agent.wait_for_selector("[data-testid=continuity-banner]:has-text('B — alla hemma')")
        assert blocking_violations(agent, "[data-testid=continuity-banner]") == []

        # The plan pages in Norwegian and English too (axe), and no English or raw code
        # on the Swedish ones.
        from tests.browser.test_journey_pages import TEXT_JS, _set_language, english_and_codes

        def swedish_problems() -> list[str]:
            # The queues' own English (and Norwegian) texts are the plan's data, shown
            # after their language's name; everything else must be Swedish.
            return [
                h
                for h in english_and_codes(page.evaluate(TEXT_JS))
                if "Engelska, " not in h and "Norska, " not in h
            ]

        plan_url = f"{demo_server}/continuity/"
        page.goto(f"{demo_server}/continuity/end/")
        assert swedish_problems() == []
        for language, heading in (("nb", "Beredskapsplaner"), ("en", "Continuity plans")):
            _set_language(context, demo_server, language)
            page.goto(plan_url)
            page.wait_for_selector(f"h1:has-text('{heading}')")
            assert page.locator("html").get_attribute("lang") == language
            assert blocking_violations(page, "main") == []
        _set_language(context, demo_server, "sv")
        page.goto(plan_url)
        assert swedish_problems() == []

        # Back to the everyday setup: exactly as before.
        page.goto(f"{demo_server}/continuity/")
        page.click("text=Avsluta planen …")
        page.wait_for_selector("h1:has-text('Avsluta ”B — alla hemma”')")
        assert blocking_violations(page, "main") == []
        page.click("button:has-text('Avsluta planen nu')")
        page.wait_for_selector("text=Ingen plan gäller: inställningarna är de vardagliga.")
        agent.wait_for_selector(
            "[data-testid=continuity-banner]", state="detached"
        )  # live, no reload
        after = _state(demo_var_dir)
        assert not after["in_force"] and not after["temporary_queue"] and not after["topic"]
        assert after["export"] == before["export"]
    finally:
        _script(demo_var_dir, END_ANNOUNCEMENT)
        if _state(demo_var_dir)["in_force"]:
            _script(demo_var_dir, "import django\ndjango.setup()\nfrom distans.accounts.models import Organisation\n"
                    "from distans.continuity.actions import do_deactivate_plan\n"
                    "do_deactivate_plan(Organisation.objects.get(slug='vasterby-kommun'), None)\n")  # fmt: skip
        context.close()
        agent_context.close()
