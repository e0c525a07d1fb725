"""Which OpenID Connect provider a sign-in uses: an organisation's own
(``OrganisationProvider``, chosen by the organisation's short name or the e-mail
address's domain) or, as the fallback, the install-wide one from ``DISTANS_OIDC_*``.
The choice is kept in the session between the start and the callback."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from distans.sso.models import OrganisationProvider

SESSION_KEY = "distans.sso_provider"
INSTALL = "install"
#: roles a provider's groups may give; never the organisation admin's
MAPPABLE_ROLES = {
    "agent": "is_agent",
    "team_leader": "is_team_leader",
    "supervisor": "is_supervisor",
    "planner": "is_planner",
}


@dataclass(frozen=True)
class ProviderConfig:
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_endpoint: str
    client_id: str
    client_secret: str
    sign_algo: str = "RS256"
    organisation_id: int | None = None
    organisation_slug: str = ""
    domains: list[str] = field(default_factory=list)
    role_claim: str = ""
    role_map: dict[str, str] = field(default_factory=dict)


def install_enabled() -> bool:
    return bool(settings.DISTANS_OIDC_ENABLED)


def install_config() -> ProviderConfig | None:
    if not install_enabled():
        return None
    return ProviderConfig(
        authorization_endpoint=settings.OIDC_OP_AUTHORIZATION_ENDPOINT,
        token_endpoint=settings.OIDC_OP_TOKEN_ENDPOINT,
        userinfo_endpoint=settings.OIDC_OP_USER_ENDPOINT,
        jwks_endpoint=settings.OIDC_OP_JWKS_ENDPOINT,
        client_id=settings.OIDC_RP_CLIENT_ID,
        client_secret=settings.OIDC_RP_CLIENT_SECRET,
        sign_algo=settings.OIDC_RP_SIGN_ALGO,
        organisation_slug=settings.DISTANS_OIDC_ORGANISATION,
    )


def organisation_config(provider: OrganisationProvider) -> ProviderConfig:
    return ProviderConfig(
        authorization_endpoint=provider.authorization_endpoint,
        token_endpoint=provider.token_endpoint,
        userinfo_endpoint=provider.userinfo_endpoint,
        jwks_endpoint=provider.jwks_endpoint,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        organisation_id=provider.organisation_id,
        domains=provider.domains(),
        role_claim=provider.role_claim,
        role_map=dict(provider.role_map or {}),
    )


def enabled_providers() -> Any:
    return OrganisationProvider.objects.filter(enabled=True).select_related("organisation")


def any_organisation_provider() -> bool:
    return enabled_providers().exists()


def provider_for(*, org_slug: str = "", email: str = "") -> OrganisationProvider | None:
    """The enabled provider of the organisation with this short name, else the one
    whose e-mail domains include the address's domain."""
    if org_slug:
        return enabled_providers().filter(organisation__slug=org_slug.strip()).first()
    domain = email.strip().rsplit("@", 1)[-1].lower() if "@" in email else ""
    if not domain:
        return None
    for provider in enabled_providers().exclude(allowed_domains=""):
        if domain in provider.domains():
            return provider
    return None


def remember(request: Any, provider: OrganisationProvider | None) -> None:
    request.session[SESSION_KEY] = provider.pk if provider is not None else INSTALL


def config_from_session(request: Any) -> ProviderConfig | None:
    chosen = request.session.get(SESSION_KEY) if request is not None else None
    if chosen is None or chosen == INSTALL:
        return install_config()
    provider = enabled_providers().filter(pk=chosen).first()
    return organisation_config(provider) if provider is not None else None


def mapped_roles(config: ProviderConfig, claims: dict[str, Any]) -> set[str] | None:
    """The roles the provider's groups give (``None``: no mapping, or the claim absent)."""
    if not config.role_claim or not config.role_map or config.role_claim not in claims:
        return None
    values = claims[config.role_claim]
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list):
        return None
    roles = {config.role_map[v] for v in values if isinstance(v, str) and v in config.role_map}
    return {r for r in roles if r in MAPPABLE_ROLES}
