"""Issue 18, points 1–2, in real Chromium against the demo server.

1. A check-in cycle: the team leader Karin sees Erik on her "not checked on for 7 days"
   list (the demo data's last check-in with him was ten days ago), records a video call
   with a private note and a follow-up, and Erik leaves the list; she marks the
   follow-up done and takes the daily meeting's attendance.
2. A pulse survey in a team below the threshold: the three people of a new small team
   answer; their leader sees no results (too few, even pooled); two colleagues of other
   teams answer (one of them in Norwegian); the leader's results appear, pooled with the
   whole organisation and labelled so.

Every page is checked with axe-core (serious and critical violations fail)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.browser.axe import blocking_violations
from tests.browser.conftest import login
from tests.browser.test_journey_pages import TEXT_JS, _set_language, english_and_codes

from distans.demo.data import DEMO_PASSWORD, demo_email

TIMEOUT_MS = 30_000

SETUP = """
import json, django
django.setup()
from distans.accounts.models import Person, Team
from distans.demo.data import DEMO_PASSWORD, demo_email
org = Person.objects.get(email=demo_email("agent")).organisation
team, _ = Team.objects.get_or_create(organisation=org, name="Lag Öst")
def person(local, name, **flags):
    found = Person.objects.filter(email=demo_email(local)).first()
    return found or Person.objects.create_user(demo_email(local), DEMO_PASSWORD, full_name=name,
                                               organisation=org, team=team, **flags)
leader = person("osten", "Östen Ledare", is_team_leader=True)
team.leader = leader
team.save()
people = [person(local, name) for local, name in
          (("olga", "Olga Öst"), ("oskar", "Oskar Öst"), ("ove", "Ove Öst"))]
print(json.dumps({"team": team.pk}))
"""


def _setup(var_dir: Path) -> dict[str, int]:
    env = {
        **os.environ,
        "DISTANS_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "distans.config.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _page(browser: Any, contexts: list[Any]) -> Any:
    context = browser.new_context(locale="sv-SE", viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(TIMEOUT_MS)
    contexts.append(context)
    return context.new_page()


def _clean(page: Any, where: str) -> None:
    violations = blocking_violations(page)
    assert not violations, (where, violations)


def test_a_check_in_cycle_with_the_overdue_list(demo_server: str, browser: Any) -> None:
    contexts: list[Any] = []
    try:
        page = _page(browser, contexts)
        login(page, demo_server, demo_email("teamleader"), DEMO_PASSWORD)
        page.click("nav summary:has-text('Personal')")  # the "Team" menu group (sv: Personal)
        page.click("nav >> text=Avstämningar")
        page.wait_for_url(f"{demo_server}/wellbeing/checkins/")
        overdue = page.locator("#overdue")
        assert "Inte avstämda på 7 dagar" in overdue.inner_text()
        assert "Erik Johansson" in overdue.inner_text()
        assert "Anna Lindqvist" not in overdue.inner_text()  # checked on three days ago
        _clean(page, "check-ins")

        overdue.locator("a", has_text="Erik Johansson").click()
        page.wait_for_selector("#record-kind")
        _clean(page, "person")
        page.select_option("#record-kind", "video")
        page.fill("#record-notes", "Pratade om headsetet och kvällspassen.")
        page.fill("#record-follow-up", "Beställ nytt headset till Erik")
        page.click("text=Spara avstämningen")
        page.wait_for_url(f"{demo_server}/wellbeing/checkins/?team=*")
        assert "Erik Johansson" not in page.locator("#overdue").inner_text()
        row = page.locator("#checkin-table tr", has_text="Erik Johansson")
        assert "Videosamtal" in row.inner_text()
        follow_up = page.locator("li", has_text="Beställ nytt headset till Erik")
        follow_up.locator("button", has_text="Klar").click()
        page.wait_for_load_state()
        assert page.locator("li", has_text="Beställ nytt headset till Erik").count() == 0

        # the private note is on Erik's page for his leader
        page.locator("#checkin-table a", has_text="Erik Johansson").click()
        assert (
            "Pratade om headsetet och kvällspassen."
            in page.locator(".checkin-history").inner_text()
        )

        page.goto(f"{demo_server}/wellbeing/meeting/")
        page.get_by_label("Anna Lindqvist").check()
        page.click("text=Spara närvaron")
        page.wait_for_load_state()
        assert page.get_by_label("Anna Lindqvist").is_checked()  # saved, shown again
        _clean(page, "meeting")
    finally:
        for context in contexts:
            context.close()


def _answer(
    browser: Any, contexts: list[Any], base_url: str, local: str, check_axe: bool = False
) -> Any:
    page = _page(browser, contexts)
    login(page, base_url, demo_email(local), DEMO_PASSWORD)
    page.goto(f"{base_url}/wellbeing/pulse/")
    page.wait_for_selector("#pulse-form")
    if check_axe:
        _clean(page, "pulse")
    for fieldset in page.locator("fieldset.pulse-question").all():
        fieldset.locator("input[type=radio]").nth(3).check()  # 4 on 1–5, 3 on 0–10
    page.fill("#pulse-comment", f"Kommentar från {local}")
    page.locator("#pulse-form button[type=submit]").click()
    page.wait_for_selector("#pulse-thanks")
    return page


def _pool_weeks(browser: Any, contexts: list[Any], base_url: str, weeks: int) -> None:
    page = _page(browser, contexts)
    login(page, base_url, demo_email("admin"), DEMO_PASSWORD)
    page.goto(f"{base_url}/wellbeing/settings/")
    page.fill("#pool-weeks", str(weeks))
    page.click("#limits-save")
    page.wait_for_url(f"{base_url}/wellbeing/settings/")
    assert page.input_value("#pool-weeks") == str(weeks)
    _clean(page, "settings")


def test_a_small_teams_pulse_is_hidden_until_pooled(
    demo_server: str, demo_var_dir: Path, browser: Any
) -> None:
    ids = _setup(demo_var_dir)
    contexts: list[Any] = []
    try:
        # HR pools over this week only (the demo's earlier weeks would otherwise fill
        # every pool at once), on the settings page
        _pool_weeks(browser, contexts, demo_server, 1)
        for i, local in enumerate(("olga", "oskar", "ove")):
            _answer(browser, contexts, demo_server, local, check_axe=i == 0)
        leader = _page(browser, contexts)
        login(leader, demo_server, demo_email("osten"), DEMO_PASSWORD)
        leader.goto(f"{demo_server}/wellbeing/results/?team={ids['team']}")
        week = leader.locator("#week-results")
        assert "Pulsundersökningens resultat: Lag Öst" in leader.locator("h1").inner_text()
        assert week.locator("td.hidden-result").count() >= 1
        assert week.locator("td.result").count() == 0
        assert "Kommentar från olga" not in leader.content()
        _clean(leader, "results hidden")

        # two colleagues of other teams answer; one reads the page in Norwegian
        _answer(browser, contexts, demo_server, "agent")
        norwegian = _answer(browser, contexts, demo_server, "ingrid")
        assert "Pulsundersøkelse" in norwegian.locator("h1").inner_text()
        _clean(norwegian, "pulse nb")

        leader.reload()
        week = leader.locator("#week-results")
        assert week.locator("td.hidden-result").count() == 0
        assert week.locator("td.result").count() >= 1
        assert "hela organisationen, vecka" in week.inner_text()
        assert "(5 svar)" in week.inner_text()
        assert "Kommentar från olga" not in leader.content()  # 5 comments < 10
        _clean(leader, "results pooled")
    finally:
        _pool_weeks(browser, contexts, demo_server, 4)  # the demo's default, for the tests after
        for context in contexts:
            context.close()


PAGES = {
    "agent": ["/wellbeing/pulse/"],
    "teamleader": [
        "/wellbeing/checkins/",
        "/wellbeing/checkins/person/{erik}/",
        "/wellbeing/meeting/",
        "/wellbeing/results/",
        "/wellbeing/pulse/",
    ],
    "admin": ["/wellbeing/settings/", "/wellbeing/results/?team=all", "/wellbeing/checkins/"],
}

PERSON = """
import django
django.setup()
from distans.accounts.models import Person
from distans.demo.data import demo_email
print(Person.objects.get(email=demo_email("erik")).pk)
"""


def _erik(var_dir: Path) -> int:
    env = {
        **os.environ,
        "DISTANS_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "distans.config.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", PERSON], env=env, capture_output=True, text=True, check=True
    )
    return int(out.stdout.strip().splitlines()[-1])


def test_every_wellbeing_page_in_swedish_norwegian_and_english(
    demo_server: str, demo_var_dir: Path, browser: Any
) -> None:
    """Each role's wellbeing pages: in the chosen language, no English words or raw codes
    on the Swedish ones, no serious axe-core violations."""
    erik = _erik(demo_var_dir)
    problems: list[str] = []
    for role, paths in PAGES.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        login(page, demo_server, demo_email(role), DEMO_PASSWORD)
        try:
            for language in ("sv", "nb", "en"):
                _set_language(context, demo_server, language)
                for path in paths:
                    path = path.format(erik=erik)
                    response = page.goto(f"{demo_server}{path}")
                    if response is None or response.status != 200:
                        problems.append(
                            f"{role} {path}: HTTP {response.status if response else '?'}"
                        )
                        continue
                    if page.locator("html").get_attribute("lang") != language:
                        problems.append(f"{role} {path}: not in {language}")
                    if language == "sv":
                        problems += [
                            f"{role} {path}: {hit}"
                            for hit in english_and_codes(page.evaluate(TEXT_JS))
                        ]
                    problems += [
                        f"{role} {path} [{language}] axe: {v}" for v in blocking_violations(page)
                    ]
        finally:
            _set_language(context, demo_server, "sv")
            context.close()
    assert problems == [], "\n".join(problems)
