"""Single sign-on's redirect and callback carry no organisation's data; a forged callback
never signs B's person in as A's."""

from __future__ import annotations

from typing import Any

from tests.web.isolation import Probe, World, case, denied, must_not_show, world_builder


@world_builder
def _sso_world(world: World) -> None:
    from distans.sso.models import OrganisationProvider

    world.extra["sso_provider_a"] = OrganisationProvider.objects.create(
        organisation=world.org_a, enabled=True, name="Alfainloggning", issuer="https://idp.alfa.example",
        authorization_endpoint="https://idp.alfa.example/auth", token_endpoint="https://idp.alfa.example/token",
        userinfo_endpoint="https://idp.alfa.example/userinfo", jwks_endpoint="https://idp.alfa.example/jwks",
        client_id="alfa-klient", client_secret="alfa-hemlighet", allowed_domains="alfa.example",
    )  # fmt: skip


def _provider_a_unchanged(world: World) -> None:
    from distans.sso.models import OrganisationProvider

    provider = OrganisationProvider.objects.get(pk=world.extra["sso_provider_a"].pk)
    assert (provider.client_id, provider.client_secret, provider.organisation_id) == (
        "alfa-klient", "alfa-hemlighet", world.org_a.pk)  # fmt: skip
    assert OrganisationProvider.objects.filter(organisation=world.org_b).count() <= 1


def _not_a(response: Any, world: World) -> None:
    denied(response, world)
    assert str(world.person_a.pk) not in response.get("Location", "")


case("sso:start")(lambda w: [Probe("get", "/account/sso/start/", denied)])
case("sso:callback")(lambda w: [
    Probe("get", f"/account/sso/callback/?code=forged&state=x&user={w.person_a.pk}", _not_a),
])  # fmt: skip


def _own_page_only(response: Any, world: World) -> None:
    """B's own second-factor page: nothing of A's (A's e-mail is never in it)."""
    assert response.status_code in (200, 400)
    assert world.person_a.email not in response.content.decode()


case("sso:second_factor")(lambda w: [
    Probe("get", "/account/sso/second-factor/", _own_page_only),
    Probe("post", "/account/sso/second-factor/", _own_page_only, {"action": "start"}),
])  # fmt: skip
# the login's second step belongs to a session that passed the password step: without
# one (B is logged in, nothing pending) it only redirects to the login
case("sso:verify")(lambda w: [Probe("post", "/account/sso/code/", denied, {"code": "123456"})])
# the sign-in page shows the install's settings and a count of B's own people
_NO_ALFA = must_not_show(lambda w: "Alfainloggning", lambda w: "alfa-klient", lambda w: "idp.alfa.example", lambda w: "alfa-hemlighet")


def _own_settings(response: Any, world: World) -> None:
    _own_page_only(response, world)
    _NO_ALFA(response, world)
    _provider_a_unchanged(world)


case("sso:settings")(lambda w: [
    Probe("get", "/account/sso/settings/", _own_settings),
    # B saving its own provider with A's domain is refused; A's provider stays A's
    Probe("post", "/account/sso/settings/", _own_settings, {
        "enabled": "on", "issuer": "https://idp.beta.example", "client_id": "b", "client_secret": "b",
        "allowed_domains": "alfa.example", "authorization_endpoint": "https://idp.beta.example/a",
        "token_endpoint": "https://idp.beta.example/t", "userinfo_endpoint": "https://idp.beta.example/u",
        "jwks_endpoint": "https://idp.beta.example/j"}),
])  # fmt: skip
