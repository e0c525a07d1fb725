from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.factories import PASSWORD, make_person

pytestmark = pytest.mark.django_db


def test_login_with_right_password_reaches_home(client: Client) -> None:
    person = make_person(email="anna@example.org")
    response = client.post(reverse("login"), {"username": "anna@example.org", "password": PASSWORD})
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert person.full_name.split()[0] in home.content.decode()


def test_home_requires_login(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_passwords_are_hashed_with_argon2(settings) -> None:  # type: ignore[no-untyped-def]
    from distans.config import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS  # the suite hashes fast
    person = make_person()
    assert person.password.startswith("argon2")


def test_lockout_after_repeated_failures_even_with_right_password(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DISTANS_LOGIN_MAX_FAILURES = 3
    make_person(email="bo@example.org")
    for _ in range(3):
        bad = client.post(reverse("login"), {"username": "bo@example.org", "password": "wrong-one"})
        assert bad.status_code == 200
    locked = client.post(reverse("login"), {"username": "bo@example.org", "password": PASSWORD})
    assert locked.status_code == 200  # stays on the form
    assert "_auth_user_id" not in client.session
    # Swedish is the default language: the message is translated.
    assert "För många misslyckade inloggningar" in locked.content.decode()


def test_successful_login_clears_failures(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    settings.DISTANS_LOGIN_MAX_FAILURES = 3
    make_person(email="cia@example.org")
    for _ in range(2):
        client.post(reverse("login"), {"username": "cia@example.org", "password": "nope-nope"})
    assert client.post(reverse("login"), {"username": "cia@example.org", "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(2):
        client.post(reverse("login"), {"username": "cia@example.org", "password": "nope-nope"})
    ok = client.post(reverse("login"), {"username": "cia@example.org", "password": PASSWORD})
    assert ok.status_code == 302


def test_language_is_per_person(client: Client) -> None:
    person = make_person(language="sv")
    client.force_login(person)
    assert "Välkommen" in client.get(reverse("home")).content.decode()
    response = client.post(reverse("set_language"), {"language": "nb", "next": "/"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.language == "nb"
    assert "Velkommen" in client.get(reverse("home")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "https://evil.example/"})
    assert "Welcome" in client.get(reverse("home")).content.decode()


def test_security_headers_are_sent(client: Client) -> None:
    make_person()  # an install with nobody in it sends the login page to the first run
    response = client.get(reverse("login"))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.cookies["csrftoken"]["samesite"] == "Lax"


def test_password_reset_sends_a_link(client: Client, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    make_person(email="dan@example.org")
    response = client.post(reverse("password_reset"), {"email": "dan@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/account/password-reset/" in mailoutbox[0].body
    assert mailoutbox[0].to == ["dan@example.org"]
