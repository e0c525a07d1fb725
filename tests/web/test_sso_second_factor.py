"""The optional second factor (TOTP) for admins and supervisors: enrolment with a QR code
and key, the login's second step, replay and guessing, turning it off — driven with
codes computed by pyotp from the key the page shows, as an authenticator app would."""

from __future__ import annotations

import re
import time
from typing import Any

import pyotp
import pytest
from django.test import Client
from tests.factories import PASSWORD, make_organisation, make_person

from distans.accounts.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_throttle(settings: Any) -> None:
    # django-otp slows tries after a failure (1 s, 2 s, …); the tests check the answers,
    # not the waiting.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def enrol(client: Client, person: Any) -> tuple[pyotp.TOTP, int]:
    """Turn the second factor on through the page; returns the app and the time step used."""
    client.force_login(person)
    page = client.get("/account/sso/second-factor/", HTTP_ACCEPT_LANGUAGE="sv")
    assert page.status_code == 200 and "Av." in page.content.decode()
    shown = client.post("/account/sso/second-factor/", {"action": "start"}).content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', shown)
    assert secret and "<svg" in shown  # the key, and the QR code that carries it
    app = pyotp.TOTP(secret.group(1))
    now = time.time()
    done = client.post("/account/sso/second-factor/", {"code": app.at(now)})
    assert done.status_code == 302
    client.logout()
    return app, int(now)


def password_login(client: Client, person: Any) -> Any:
    return client.post("/account/login/?next=/settings/", {"username": person.email, "password": PASSWORD})


def test_a_supervisor_turns_it_on_and_then_needs_a_code_after_the_password(client: Client) -> None:
    supervisor = make_person(make_organisation(), is_supervisor=True)
    app, enrolled_at = enrol(client, supervisor)
    assert AuditEntry.objects.filter(actor=supervisor, action="second_factor.enabled").count() == 1
    # the key is encrypted at rest and belongs to the supervisor's organisation
    from django.db import connection

    from distans.sso.models import SecondFactor

    with connection.cursor() as cursor:
        cursor.execute("SELECT key, organisation_id FROM sso_secondfactor")
        [(stored, organisation_id)] = cursor.fetchall()
    assert stored.startswith("enc1:") and organisation_id == supervisor.organisation_id
    assert SecondFactor.objects.get().bin_key == bytes(pyotp.TOTP(app.secret).byte_secret())

    response = password_login(client, supervisor)
    assert response.status_code == 302 and response["Location"] == "/account/sso/code/"
    assert "_auth_user_id" not in client.session  # the password alone logs nobody in
    assert client.get("/settings/").status_code == 302  # → login
    assert client.get("/api/agent/offers").status_code in (401, 403)

    page = client.get("/account/sso/code/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Andra steget" in page
    wrong = client.post("/account/sso/code/", {"code": app.at(enrolled_at + 3600)}, HTTP_ACCEPT_LANGUAGE="sv")
    assert wrong.status_code == 400 and "Koden stämmer inte" in wrong.content.decode()
    assert "_auth_user_id" not in client.session
    # the code used at enrolment is spent: a replay is refused
    assert client.post("/account/sso/code/", {"code": app.at(enrolled_at)}).status_code == 400
    # the next code (one step on, within the allowed drift) logs in, to where it was going
    right = client.post("/account/sso/code/", {"code": app.at(enrolled_at + 30)})
    assert right.status_code == 302 and right["Location"] == "/settings/"
    assert int(client.session["_auth_user_id"]) == supervisor.pk


def test_guessing_ends_after_five_tries_and_starts_again_from_the_password(client: Client) -> None:
    admin = make_person(make_organisation(), is_org_admin=True)
    app, enrolled_at = enrol(client, admin)
    password_login(client, admin)
    for _ in range(4):
        assert client.post("/account/sso/code/", {"code": app.at(enrolled_at + 3600)}).status_code == 400
    last = client.post("/account/sso/code/", {"code": app.at(enrolled_at + 3600)})
    assert last.status_code == 302 and last["Location"] == "/account/login/"
    # the pending login is gone: even the right code does nothing now
    assert client.post("/account/sso/code/", {"code": app.at(enrolled_at + 30)})["Location"] == "/account/login/"
    assert "_auth_user_id" not in client.session


def test_turning_it_off_needs_a_code_and_then_the_password_is_enough_again(client: Client) -> None:
    admin = make_person(make_organisation(), is_org_admin=True)
    app, enrolled_at = enrol(client, admin)
    client.force_login(admin)
    refused = client.post("/account/sso/second-factor/", {"code": app.at(enrolled_at + 3600)})
    assert refused.status_code == 400
    assert client.post("/account/sso/second-factor/", {"code": app.at(enrolled_at + 30)}).status_code == 302
    assert AuditEntry.objects.filter(actor=admin, action="second_factor.removed").count() == 1
    client.logout()
    response = password_login(client, admin)
    assert response["Location"] == "/settings/" and int(client.session["_auth_user_id"]) == admin.pk


def test_a_wrong_first_code_turns_nothing_on(client: Client) -> None:
    admin = make_person(make_organisation(), is_org_admin=True)
    client.force_login(admin)
    shown = client.post("/account/sso/second-factor/", {"action": "start"}).content.decode()
    app = pyotp.TOTP(re.search(r'id="totp-secret">([A-Z2-7]+)<', shown).group(1))  # type: ignore[union-attr]
    assert client.post("/account/sso/second-factor/", {"code": app.at(time.time() + 3600)}).status_code == 400
    client.logout()
    assert password_login(client, admin)["Location"] == "/settings/"  # no second step


def test_agents_have_no_second_factor_page(client: Client) -> None:
    agent = make_person(make_organisation(), is_agent=True)
    client.force_login(agent)
    assert client.get("/account/sso/second-factor/").status_code == 403


def test_the_code_page_without_a_password_step_goes_to_the_login(client: Client) -> None:
    assert client.get("/account/sso/code/")["Location"] == "/account/login/"
