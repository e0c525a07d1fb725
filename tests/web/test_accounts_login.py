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
    from distans.channels_email.models import OutgoingMail
    from distans.channels_email.outbox import send_due_mail

    make_person(email="dan@example.org")
    response = client.post(reverse("password_reset"), {"email": "dan@example.org"})
    assert response.status_code == 302
    # Queued in the outbox (not sent inside the request: same answer time for any
    # address), then sent by the background job.
    assert mailoutbox == []
    queued = OutgoingMail.objects.get(purpose="account")
    assert (queued.status, queued.recipients) == ("queued", "dan@example.org")
    assert send_due_mail() == 1
    assert len(mailoutbox) == 1
    queued.refresh_from_db()
    assert queued.status == "sent"
    assert "/account/password-reset/" in mailoutbox[0].body
    assert mailoutbox[0].to == ["dan@example.org"]


def test_password_spraying_from_one_address_locks_the_address(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    """Many e-mails, each tried once, from one client address: after the limit even a
    right password from that address is refused (and no password is hashed), while
    the same person can log in from another address."""
    settings.DISTANS_LOGIN_MAX_FAILURES_PER_ADDRESS = 4
    make_person(email="dan@example.org")
    for n in range(4):
        client.post(reverse("login"), {"username": f"user{n}@example.org", "password": "Sommar2026!"}, REMOTE_ADDR="203.0.113.5")
    locked = client.post(reverse("login"), {"username": "dan@example.org", "password": PASSWORD}, REMOTE_ADDR="203.0.113.5")
    assert locked.status_code == 200 and "_auth_user_id" not in client.session
    assert "nätverksadress" in locked.content.decode()
    elsewhere = Client().post(reverse("login"), {"username": "dan@example.org", "password": PASSWORD}, REMOTE_ADDR="198.51.100.20")
    assert elsewhere.status_code == 302


def test_password_reset_mails_are_limited_per_email_and_address(client: Client, settings) -> None:  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    cache.clear()
    settings.DISTANS_PASSWORD_RESETS_PER_EMAIL = 2
    settings.DISTANS_PASSWORD_RESETS_PER_ADDRESS = 5
    make_person(email="eva@example.org")
    from distans.channels_email.models import OutgoingMail

    for _ in range(6):
        response = client.post(reverse("password_reset"), {"email": "eva@example.org"}, REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 302  # the same answer every time
    assert OutgoingMail.objects.filter(purpose="account").count() == 2
    for n in range(8):
        make_person(email=f"p{n}@example.org")
        client.post(reverse("password_reset"), {"email": f"p{n}@example.org"}, REMOTE_ADDR="203.0.113.10")
    assert OutgoingMail.objects.filter(purpose="account").count() == 2 + 5


class _BrokenBackend:
    """An e-mail backend whose server refuses every mail."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        pass

    def send_messages(self, messages):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("connection refused")


def test_password_reset_does_not_claim_a_link_went_out_when_mail_fails(  # type: ignore[no-untyped-def]
    client: Client, settings
) -> None:
    """The done page never says "check your e-mail" as if it were sent; when system
    mail is failing it says so, to every asker alike (no account enumeration)."""
    from distans.channels_email.models import OutgoingMail
    from distans.channels_email.outbox import send_due_mail

    settings.EMAIL_BACKEND = f"{__name__}._BrokenBackend"
    make_person(email="erik@example.org")
    response = client.post(reverse("password_reset"), {"email": "erik@example.org"}, follow=True)
    calm = response.content.decode()
    assert "Titta i din e-post" not in calm
    assert "kan inte skicka e-post just nu" not in calm  # nothing has failed yet
    assert send_due_mail() == 0
    failed = OutgoingMail.objects.get(purpose="account")
    assert failed.status == "failed" and "refused" in failed.last_error
    assert failed.next_attempt_at is not None  # retried later

    for address in ("erik@example.org", "nobody@example.org"):
        page = client.post(reverse("password_reset"), {"email": address}, follow=True)
        assert "Distans kan inte skicka e-post just nu" in page.content.decode()
