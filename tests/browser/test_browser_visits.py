"""Visit booking in the browser (issue 19, point 1), against a real demo server and
its mail catcher (real SMTP on localhost):

- a visitor without an account books an ID check on the public pages (axe-clean,
  plain forms), receives the confirmation with its .ics, moves the visit and then
  cancels it through the signed link in the mail, each step confirmed by mail;
- staff check a visitor in on the day's list; a team leader closes that day, which
  cancels every booked visit on it and tells each visitor by mail."""

from __future__ import annotations

import datetime as dt
import re
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.browser.axe import blocking_violations
from tests.browser.conftest import login

from distans.demo.data import DEMO_PASSWORD, DEMO_SLUG, demo_email

ZONE = ZoneInfo("Europe/Stockholm")


def _caught(var_dir: Path) -> list[EmailMessage]:
    return [
        message_from_bytes(p.read_bytes(), policy=policy.default)  # type: ignore[misc]
        for p in sorted((var_dir / "mailcatcher").glob("*.eml"))
    ]


def _wait_for_mail(var_dir: Path, to: str, subject_start: str, timeout: float = 60) -> EmailMessage:
    """The outbox sends after the commit (or its job retries within a minute)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in _caught(var_dir):
            if to in str(message["To"]) and str(message["Subject"]).strip().startswith(
                subject_start
            ):
                return message
        time.sleep(0.3)
    raise AssertionError(f"no mail {subject_start!r} to {to} caught")


def _ics(message: EmailMessage) -> str:
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    return str(attachment.get_content()).replace("\r\n ", "")


def _start_of(ics: str) -> dt.datetime:
    stamp = re.search(r"DTSTART:(\d{8}T\d{6})Z", ics)
    assert stamp, ics
    return dt.datetime.strptime(stamp.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)


def _manage_link(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    link = re.search(r"https?://\S+/visits/manage/\S+/", body.get_content())
    assert link, body.get_content()
    return link.group(0)


def _book(page, base: str, name: str, email: str, slot_index: int = 0) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/visits/book/{DEMO_SLUG}/?lang=sv")
    page.click("a:text-is('ID-kontroll')")
    page.wait_for_selector("h1:text-is('ID-kontroll')")
    page.locator("input[name=slot]").nth(slot_index).check()
    page.click("button:text-is('Fortsätt')")
    page.wait_for_selector("h1:text-is('Dina uppgifter')")
    page.fill("#id_name", name)
    page.fill("#id_email", email)
    page.fill("#id_phone", "070-123 45 67")
    page.check("#id_consent")
    page.click("button:text-is('Boka besöket')")
    page.wait_for_selector("text=Ditt besök är bokat")


def test_a_visitor_books_moves_and_cancels_through_the_mailed_links(  # type: ignore[no-untyped-def]
    demo_server, demo_var_dir, browser
) -> None:
    context = browser.new_context(viewport={"width": 1024, "height": 900}, locale="sv-SE")
    page = context.new_page()
    page.goto(f"{demo_server}/visits/book/{DEMO_SLUG}/?lang=sv")
    assert page.locator("html").get_attribute("lang") == "sv"
    assert blocking_violations(page) == []
    page.click("a:text-is('ID-kontroll')")
    page.wait_for_selector("input[name=slot]")
    assert blocking_violations(page) == []
    page.locator("input[name=slot]").first.check()
    page.click("button:text-is('Fortsätt')")
    page.wait_for_selector("#id_name")
    # Nothing filled in: the form says what is missing, in Swedish, and books nothing.
    page.click("button:text-is('Boka besöket')")
    page.wait_for_selector(".errorlist")
    assert blocking_violations(page) == []
    page.fill("#id_name", "Vera Besökare")
    page.fill("#id_email", "vera.besokare@medborgare.example")
    page.check("#id_consent")
    page.click("button:text-is('Boka besöket')")
    page.wait_for_selector("text=Ditt besök är bokat")
    assert blocking_violations(page) == []

    confirmed = _wait_for_mail(demo_var_dir, "vera.besokare@", "Bokat: ID-kontroll")
    first_start = _start_of(_ics(confirmed))
    link = _manage_link(confirmed)

    # Move through the mailed link to another free time.
    page.goto(link)
    page.click("a:text-is('Flytta besöket')")
    page.wait_for_selector("input[name=slot]")
    assert blocking_violations(page) == []
    other = next(
        v
        for v in page.locator("input[name=slot]").evaluate_all("els => els.map(e => e.value)")
        if dt.datetime.fromisoformat(v) != first_start
    )
    page.check(f"input[name=slot][value='{other}']")
    page.click("button:text-is('Flytta till vald tid')")
    page.wait_for_selector("text=Ditt besök är flyttat")
    moved = _wait_for_mail(demo_var_dir, "vera.besokare@", "Flyttat: ID-kontroll")
    assert _start_of(_ics(moved)) == dt.datetime.fromisoformat(other)
    assert "SEQUENCE:1" in _ics(moved)

    # Cancel through the link in the newest mail.
    page.goto(_manage_link(moved))
    page.click("button:text-is('Avboka besöket')")
    page.wait_for_selector("text=Ditt besök är avbokat")
    page.wait_for_selector("dd:text-is('Avbokad')")
    cancelled = _wait_for_mail(demo_var_dir, "vera.besokare@", "Avbokat: ID-kontroll")
    assert "METHOD:CANCEL" in _ics(cancelled)
    context.close()


def test_staff_check_a_visitor_in_and_closing_the_day_tells_every_visitor(  # type: ignore[no-untyped-def]
    demo_server, demo_var_dir, browser
) -> None:
    visitor = browser.new_context(viewport={"width": 1024, "height": 900})
    page = visitor.new_page()
    _book(page, demo_server, "Kalle Incheckad", "kalle.incheckad@medborgare.example")
    _book(page, demo_server, "Lisa Avbokad", "lisa.avbokad@medborgare.example")
    kalle = _wait_for_mail(demo_var_dir, "kalle.incheckad@", "Bokat: ID-kontroll")
    day = _start_of(_ics(kalle)).astimezone(ZONE).date()
    visitor.close()

    staff = browser.new_context(viewport={"width": 1280, "height": 1000})
    desk = staff.new_page()
    login(desk, demo_server, demo_email("teamleader"), DEMO_PASSWORD)
    desk.click("#public-booking-link")  # the home page links to the public booking page
    desk.wait_for_selector("h1:text-is('Boka besök')")
    desk.goto(f"{demo_server}/visits/")
    desk.select_option("#visit-site", label="Kontaktcenter")
    desk.fill("#visit-day", day.isoformat())
    desk.click("button:text-is('Visa')")
    row = desk.locator("tr.visit-row:has-text('Kalle Incheckad')")
    row.locator("button.check-in").click()
    desk.wait_for_selector("tr.visit-row.visit-status-checked_in:has-text('Kalle Incheckad')")
    assert blocking_violations(desk, "main") == []

    booked = desk.locator("tr.visit-row.visit-status-booked .visit-name").all_text_contents()
    assert "Lisa Avbokad" in booked
    desk.click("summary:text('Stäng denna dag för besök')")
    desk.fill("#id_reason", "Vattenläcka i receptionen")
    desk.check("#id_confirm")
    desk.click("button:text-is('Stäng dagen')")
    desk.wait_for_selector(".visit-closed:has-text('Stängt för besök')")
    assert desk.locator("tr.visit-row.visit-status-booked").count() == 0
    assert (
        desk.locator("tr.visit-row.visit-status-checked_in:has-text('Kalle Incheckad')").count()
        == 1
    )
    for name in booked:
        closed = _wait_for_mail(demo_var_dir, name, "Avbokat av")
        assert (
            "Vattenläcka i receptionen" in closed.get_body(preferencelist=("plain",)).get_content()
        )  # type: ignore[union-attr]
        assert "METHOD:CANCEL" in _ics(closed)
    staff.close()


def test_the_visit_pages_are_swedish_and_axe_clean(demo_server, browser) -> None:  # type: ignore[no-untyped-def]
    """The staff's and the admin's visit pages, and the public pages in all three
    languages: no English words or raw codes on a Swedish page (the journey test's
    scan), the page's language declared, no serious or critical axe violation."""
    from tests.browser.test_journey_pages import TEXT_JS, english_and_codes

    problems: list[str] = []

    def check(page, path: str, language: str) -> None:  # type: ignore[no-untyped-def]
        response = page.goto(f"{demo_server}{path}")
        assert response is not None and response.status == 200, path
        if language == "sv":
            problems.extend(f"{path}: {hit}" for hit in english_and_codes(page.evaluate(TEXT_JS)))
        if page.locator("html").get_attribute("lang") != language:
            problems.append(f"{path}: not in {language}")
        problems.extend(f"{path} [{language}] axe: {v}" for v in blocking_violations(page))

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    login(page, demo_server, demo_email("admin"), DEMO_PASSWORD)
    for path in ("/visits/", "/settings/visits/", "/settings/visits/new/"):
        check(page, path, "sv")
    page.goto(f"{demo_server}/settings/visits/")
    page.click("a:text-is('Bygglovsmöte')")
    check(page, page.url.removeprefix(demo_server), "sv")
    context.close()

    visitor = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
    public = visitor.new_page()
    for language in ("sv", "nb", "en"):
        check(public, f"/visits/book/{DEMO_SLUG}/?lang={language}", language)
    public.goto(f"{demo_server}/visits/book/{DEMO_SLUG}/?lang=sv")
    public.click("a:text-is('Informationsmöte om bygglov')")
    check(public, public.url.removeprefix(demo_server), "sv")
    visitor.close()
    assert problems == [], "\n".join(problems)
