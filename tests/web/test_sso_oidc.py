"""Single sign-on against a real OpenID Connect provider: django-oidc-provider running as
its own server (tests/oidc/), spoken to over HTTP by mozilla-django-oidc — code flow
with PKCE, RS256-signed ID token checked against the provider's JWKS, userinfo. People
are matched by e-mail to existing Persons; nobody is created."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from tests.factories import make_organisation, make_person
from tests.oidc.provider import Provider, running_provider

from distans.accounts.models import Person

pytestmark = pytest.mark.django_db

USERS = [
    "anna@kommun.se:provider-pass-1",  # a Person in Distans
    "okand@kommun.se:provider-pass-2",  # nobody in Distans
    "vera@kommun.se:provider-pass-3:unverified",  # the provider has not verified it
    "per@grannkommun.no:provider-pass-4",  # a Person of another organisation
]


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with running_provider(tmp_path_factory.mktemp("oidc"), USERS) as running:
        yield running


@pytest.fixture
def sso(settings: Any, provider: Provider) -> Provider:
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    settings.DISTANS_OIDC_NAME = "Kommunens konto"
    return provider


def sign_in(client: Client, provider: Provider, username: str, password: str) -> str:
    """Distans → provider → Distans; returns where Distans sends the browser at the end."""
    start = client.get("/account/sso/start/?next=/desk/")
    assert start.status_code == 302
    assert start["Location"].startswith(f"{provider.base}/openid/authorize")
    back = provider.sign_in(start["Location"], username, password)
    parts = urlsplit(back)
    done = client.get(f"{parts.path}?{parts.query}")
    assert done.status_code == 302
    return str(done["Location"])


def test_a_person_signs_in_with_the_organisations_account(client: Client, sso: Provider) -> None:
    org = make_organisation(slug="kommun")
    anna = make_person(org, email="Anna@Kommun.se", is_agent=True)
    assert sign_in(client, sso, "anna", "provider-pass-1") == "/desk/"
    assert int(client.session["_auth_user_id"]) == anna.pk
    assert client.session["_auth_user_backend"] == "distans.sso.backends.OrganisationOIDCBackend"
    assert client.get("/").status_code == 200


def test_an_unknown_address_is_refused_and_nobody_is_created(client: Client, sso: Provider) -> None:
    make_person(make_organisation(), email="anna@kommun.se", is_org_admin=True)
    before = Person.objects.count()
    assert sign_in(client, sso, "okand", "provider-pass-2") == "/account/login/?sso=failed"
    assert "_auth_user_id" not in client.session
    assert Person.objects.count() == before
    page = client.get("/account/login/?sso=failed", HTTP_ACCEPT_LANGUAGE="sv")
    assert "kunde inte användas" in page.content.decode()


def test_an_address_the_provider_has_not_verified_is_refused(client: Client, sso: Provider) -> None:
    make_person(make_organisation(), email="vera@kommun.se")
    assert sign_in(client, sso, "vera", "provider-pass-3") == "/account/login/?sso=failed"
    assert "_auth_user_id" not in client.session


def test_a_person_of_another_organisation_is_refused_when_one_is_configured(
    client: Client, sso: Provider, settings: Any
) -> None:
    make_person(make_organisation(slug="kommun"), email="anna@kommun.se")
    make_person(make_organisation(slug="grannkommun"), email="per@grannkommun.no")
    settings.DISTANS_OIDC_ORGANISATION = "kommun"
    assert sign_in(client, sso, "per", "provider-pass-4") == "/account/login/?sso=failed"
    assert "_auth_user_id" not in client.session


def test_a_deactivated_person_is_refused(client: Client, sso: Provider) -> None:
    make_person(make_organisation(), email="anna@kommun.se", is_active=False)
    assert sign_in(client, sso, "anna", "provider-pass-1") == "/account/login/?sso=failed"
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_at_the_provider_never_reaches_distans(sso: Provider, client: Client) -> None:
    start = client.get("/account/sso/start/")
    with pytest.raises(AssertionError):
        sso.sign_in(start["Location"], "anna", "wrong")


def test_the_login_page_offers_the_organisations_account_only_when_configured(
    client: Client, settings: Any
) -> None:
    make_person(make_organisation())
    settings.DISTANS_OIDC_ENABLED = False
    assert "/account/sso/start/" not in client.get("/account/login/").content.decode()
    assert client.get("/account/sso/start/").status_code == 404
    assert client.get("/account/sso/callback/?code=x&state=y").status_code == 404
    settings.DISTANS_OIDC_ENABLED, settings.DISTANS_OIDC_NAME = True, "Kommunens konto"
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_OP_AUTHORIZATION_ENDPOINT = "distans", "https://idp.example/authorize"
    page = client.get("/account/login/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "/account/sso/start/" in page and "Logga in med Kommunens konto" in page


def test_the_password_login_still_works_beside_single_sign_on(client: Client, sso: Provider) -> None:
    person = make_person(make_organisation(), email="lisa@kommun.se")
    response = client.post("/account/login/", {"username": "lisa@kommun.se", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == person.pk




def test_check_refuses_single_sign_on_without_the_providers_endpoints(settings: Any) -> None:
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    settings.DISTANS_OIDC_ENABLED, settings.OIDC_RP_CLIENT_ID = True, "distans"
    settings.OIDC_OP_TOKEN_ENDPOINT = ""
    with pytest.raises(SystemCheckError, match="DISTANS_OIDC_TOKEN_ENDPOINT"):
        call_command("check", tags=["distans"])
    settings.OIDC_RP_CLIENT_SECRET = "s3cret"
    for name in ("AUTHORIZATION", "TOKEN", "USER", "JWKS"):
        setattr(settings, f"OIDC_OP_{name}_ENDPOINT", f"https://idp.example/{name.lower()}")
    call_command("check", tags=["distans"])  # no error


def test_the_settings_page_shows_how_people_sign_in(client: Client, settings: Any) -> None:
    org = make_organisation(slug="kommun")
    admin = make_person(org, is_org_admin=True)
    client.force_login(admin)
    settings.DISTANS_OIDC_ENABLED = False
    off = client.get("/account/sso/settings/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Av: personer loggar in med e-postadress och lösenord." in off
    assert "http://testserver/account/sso/callback/" in off
    settings.DISTANS_OIDC_ENABLED, settings.DISTANS_OIDC_NAME = True, "Kommunens konto"
    on = client.get("/account/sso/settings/").content.decode()
    assert "På: personer kan logga in med Kommunens konto." in on
    settings.DISTANS_OIDC_ORGANISATION = "grannkommun"
    assert "hör till en annan organisation" in client.get("/account/sso/settings/").content.decode()
    assert "Inloggning" in client.get("/settings/").content.decode()  # on the settings start page
    client.force_login(make_person(org, is_supervisor=True))
    assert client.get("/account/sso/settings/").status_code == 403
