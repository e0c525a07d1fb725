"""The second factor in a real browser: a supervisor finds it on the settings start page,
sets it up (QR code and key, axe-clean in Swedish), logs in again through the code page
with a code computed as an authenticator app does, and turns it off again."""

from __future__ import annotations

import time

import pyotp
from tests.browser.axe import blocking_violations

from distans.demo.data import DEMO_PASSWORD, demo_email


def fresh_code(app: pyotp.TOTP, last_step: int) -> tuple[str, int]:
    """A code the server takes: of a later step than the last one used (each code once),
    and not ahead of the server's clock by more than one step (waits for that step)."""
    step = max(int(time.time() // 30), last_step + 1)
    while step > int(time.time() // 30) + 1:
        time.sleep(0.5)
    return app.at(step * 30), step


def _clean(page, where: str) -> None:  # type: ignore[no-untyped-def]
    violations = blocking_violations(page)
    assert not violations, (where, violations)


def test_a_supervisor_sets_up_and_uses_the_second_factor(demo_server, browser) -> None:  # type: ignore[no-untyped-def]
    email = demo_email("supervisor")
    first = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)  # for axe only
    page = first.new_page()
    page.goto(f"{demo_server}/account/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{demo_server}/")
    page.goto(f"{demo_server}/settings/")
    page.click("a:has-text('Andra faktor vid inloggning')")
    page.wait_for_selector("h1:has-text('Andra faktor vid inloggning')")
    _clean(page, "second factor: off")
    page.click("button:has-text('Ställ in en andra faktor')")
    page.wait_for_selector("#totp-secret")
    assert page.locator("figure.qr svg").count() == 1
    _clean(page, "second factor: QR code")
    app = pyotp.TOTP(page.inner_text("#totp-secret"))
    code, used = fresh_code(app, -1)
    page.fill("input[name=code]", code)
    page.click("button:has-text('Slå på andra faktorn')")
    page.wait_for_selector("text=På: efter lösenordet")
    try:
        # a new browser: the password leads to the code page, the code logs in
        second = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
        again = second.new_page()
        again.goto(f"{demo_server}/account/login/")
        again.fill("input[name=username]", email)
        again.fill("input[name=password]", DEMO_PASSWORD)
        again.click("button[type=submit]")
        again.wait_for_url(f"{demo_server}/account/sso/code/")
        assert again.locator("h1").inner_text() == "Andra steget i inloggningen"
        _clean(again, "login: code")
        code, used = fresh_code(app, used)
        again.fill("input[name=code]", code)
        again.click("button[type=submit]")
        again.wait_for_url(f"{demo_server}/")
        second.close()
    finally:
        # off again, so the other browser tests log the supervisor in with the password
        page.goto(f"{demo_server}/account/sso/second-factor/")
        code, used = fresh_code(app, used)
        page.fill("input[name=code]", code)
        page.click("button:has-text('Stäng av andra faktorn')")
        page.wait_for_selector("button:has-text('Ställ in en andra faktor')")
        first.close()


def test_the_sign_in_settings_page_is_axe_clean(demo_server, browser) -> None:  # type: ignore[no-untyped-def]
    from tests.browser.conftest import login

    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)  # for axe only
    page = context.new_page()
    login(page, demo_server, demo_email("admin"), DEMO_PASSWORD)
    page.goto(f"{demo_server}/settings/")
    page.get_by_role("link", name="Inloggning", exact=True).click()
    page.wait_for_url(f"{demo_server}/account/sso/settings/")
    assert "lösenord" in page.inner_text("#sso-state")
    _clean(page, "sign-in settings")
    context.close()
