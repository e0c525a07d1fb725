"""Single sign-on per organisation, against the same real OpenID Connect provider as
test_sso_oidc.py (django-oidc-provider as its own server): an organisation's admin sets
the provider in the browser (issuer → endpoints by discovery, client secret encrypted
and never shown back, e-mail domains, role mapping); the login page sends people to it
by e-mail domain or by the organisation's short name; no install-wide provider needed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from tests.factories import make_organisation, make_person
from tests.oidc.provider import CLIENT_ID, CLIENT_SECRET, Provider, running_provider

from distans.accounts.models import AuditEntry, Person
from distans.sso.models import OrganisationProvider

pytestmark = pytest.mark.django_db

USERS = ["anna@kommun.se:provider-pass-1", "per@grannkommun.no:provider-pass-4"]


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    with running_provider(tmp_path_factory.mktemp("oidc"), USERS) as running:
        yield running


@pytest.fixture(autouse=True)
def no_install_provider(settings: Any) -> None:
    settings.DISTANS_OIDC_ENABLED = False  # each organisation's own, no fallback


def configure(provider: Provider, org: Any, **extra: str) -> Client:
    admin = make_person(org, is_org_admin=True, is_agent=False)
    client = Client()
    client.force_login(admin)
    data = {"enabled": "on", "name": "Kommunens konto", "issuer": f"{provider.base}/openid",
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "allowed_domains": "kommun.se", **extra}  # fmt: skip
    response = client.post("/account/sso/settings/", data, HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 302, response.content.decode()[-3000:]
    return client


def sign_in(client: Client, provider: Provider, query: str, username: str, password: str) -> str:
    start = client.get(f"/account/sso/start/?{query}")
    assert start.status_code == 302, start
    assert start["Location"].startswith(f"{provider.base}/openid/authorize")
    back = provider.sign_in(start["Location"], username, password)
    parts = urlsplit(back)
    done = client.get(f"{parts.path}?{parts.query}")
    assert done.status_code == 302
    return str(done["Location"])


def test_the_admin_sets_the_provider_and_people_sign_in_by_their_domain(provider: Provider) -> None:
    org = make_organisation(slug="kommun")
    admin_client = configure(provider, org)
    stored = OrganisationProvider.objects.get(organisation=org)
    assert stored.token_endpoint == f"{provider.base}/openid/token"  # read from the issuer
    assert stored.jwks_endpoint.startswith(f"{provider.base}/openid/jwks")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_secret FROM sso_organisationprovider WHERE id = %s", [stored.pk]
        )
        raw = cursor.fetchone()[0]
    assert raw.startswith("enc1:") and CLIENT_SECRET not in raw
    page = admin_client.get("/account/sso/settings/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert CLIENT_SECRET not in page and "?org=kommun" in page
    entry = AuditEntry.objects.get(organisation=org, action="sso_provider.created")
    assert CLIENT_SECRET not in str(entry.changes)
    # saving again without the secret keeps it
    admin_client.post("/account/sso/settings/", {"enabled": "on", "issuer": f"{provider.base}/openid",
                      "client_id": CLIENT_ID, "allowed_domains": "kommun.se"})  # fmt: skip
    stored.refresh_from_db()
    assert stored.client_secret == CLIENT_SECRET

    anna = make_person(org, email="Anna@Kommun.se")
    visitor = Client()
    login_page = visitor.get("/account/login/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert 'name="email"' in login_page and "/account/sso/start/" in login_page
    start = visitor.get("/account/sso/start/?email=anna%40kommun.se&next=/desk/")
    assert parse_qs(urlsplit(start["Location"]).query)["login_hint"] == ["anna@kommun.se"]
    assert (
        sign_in(visitor, provider, "email=anna%40kommun.se&next=/desk/", "anna", "provider-pass-1")
        == "/desk/"
    )
    assert int(visitor.session["_auth_user_id"]) == anna.pk


def test_the_login_page_offers_the_organisations_provider_by_its_short_name(
    provider: Provider,
) -> None:
    org = make_organisation(slug="kommun")
    configure(provider, org)
    page = Client().get("/account/login/?org=kommun", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Logga in med Kommunens konto" in page and "/account/sso/start/?org=kommun" in page
    anna = make_person(org, email="anna@kommun.se")
    visitor = Client()
    assert sign_in(visitor, provider, "org=kommun", "anna", "provider-pass-1") == "/"
    assert int(visitor.session["_auth_user_id"]) == anna.pk


def test_an_address_outside_the_providers_domains_is_refused(provider: Provider) -> None:
    org = make_organisation(slug="kommun")
    configure(provider, org)
    make_person(
        org, email="per@grannkommun.no"
    )  # a person of the organisation, but not of its domain
    visitor = Client()
    assert (
        sign_in(visitor, provider, "org=kommun", "per", "provider-pass-4")
        == "/account/login/?sso=failed"
    )
    assert "_auth_user_id" not in visitor.session


def test_a_person_of_another_organisation_is_refused(provider: Provider) -> None:
    configure(provider, make_organisation(slug="kommun"), allowed_domains="")
    make_person(make_organisation(slug="annan"), email="anna@kommun.se")
    visitor = Client()
    assert (
        sign_in(visitor, provider, "org=kommun", "anna", "provider-pass-1")
        == "/account/login/?sso=failed"
    )
    assert "_auth_user_id" not in visitor.session


def test_an_address_no_organisation_has_is_told_so(provider: Provider) -> None:
    configure(provider, make_organisation(slug="kommun"))
    response = Client().get("/account/sso/start/?email=x%40okand.se")
    assert response["Location"] == "/account/login/?sso=unknown"
    page = Client().get(response["Location"], HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Ingen inloggning via organisationen" in page
    assert Client().get("/account/sso/start/").status_code == 404  # and no install-wide one


def test_the_form_refuses_bad_settings_in_words(provider: Provider) -> None:
    org = make_organisation(slug="kommun")
    configure(provider, org)
    other = make_organisation(slug="annan")
    admin = make_person(other, is_org_admin=True, is_agent=False)
    client = Client()
    client.force_login(admin)
    base = {
        "enabled": "on",
        "issuer": f"{provider.base}/openid",
        "client_id": "x",
        "client_secret": "y",
    }
    taken = client.post(
        "/account/sso/settings/",
        {**base, "allowed_domains": "kommun.se"},
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert taken.status_code == 400 and "används redan" in taken.content.decode()
    admin_role = client.post("/account/sso/settings/", {**base, "role_lines": "it-admins = organisation admin"},
                             HTTP_ACCEPT_LANGUAGE="sv")  # fmt: skip
    assert admin_role.status_code == 400 and "Rad 1" in admin_role.content.decode()
    nowhere = client.post(
        "/account/sso/settings/",
        {**base, "issuer": "http://127.0.0.1:9/none"},
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert nowhere.status_code == 400 and "kunde inte läsas" in nowhere.content.decode()
    assert not OrganisationProvider.objects.filter(organisation=other).exists()


def test_groups_map_to_roles_but_never_to_organisation_admin(provider: Provider) -> None:
    from distans.sso import providers
    from distans.sso.backends import OrganisationOIDCBackend

    org = make_organisation(slug="kommun")
    configure(
        provider, org, role_claim="groups", role_lines="kc-ledare = lagledare\nkc-handl = agent"
    )
    stored = OrganisationProvider.objects.get(organisation=org)
    assert stored.role_map == {"kc-ledare": "team_leader", "kc-handl": "agent"}
    person = make_person(org, email="anna@kommun.se", is_agent=True, is_org_admin=True)
    backend = OrganisationOIDCBackend()
    backend.config = providers.organisation_config(stored)
    backend.update_user(person, {"email": "anna@kommun.se", "groups": ["kc-ledare", "okand"]})
    person = Person.objects.get(pk=person.pk)
    assert (person.is_team_leader, person.is_agent, person.is_org_admin) == (True, False, True)
    assert AuditEntry.objects.filter(organisation=org, action="person.roles_from_sso").count() == 1
    backend.update_user(person, {"email": "anna@kommun.se"})  # no claim: roles stay
    assert Person.objects.get(pk=person.pk).is_team_leader
