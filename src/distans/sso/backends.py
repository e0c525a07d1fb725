"""The OpenID Connect backend: the provider proves who the person is; Distans decides
whether such a person exists. A signed-in e-mail address is matched (case-insensitively)
to one active Person — of the provider's organisation (an organisation's own provider,
or the install-wide one's ``DISTANS_OIDC_ORGANISATION``) — and nobody is ever created
here: an address Distans does not know is refused, so an account at the provider never
becomes a Distans account, let alone an administrator, by itself. An organisation's
provider may map its groups to roles (agent, team leader, supervisor, planner; never
organisation admin)."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from distans.accounts.models import Person
from distans.sso import providers

log = logging.getLogger("distans.sso")


def oidc_enabled() -> bool:
    """The install-wide provider is configured."""
    return providers.install_enabled()


class OrganisationOIDCBackend(OIDCAuthenticationBackend):
    config: providers.ProviderConfig | None = None

    def authenticate(self, request: Any, **kwargs: Any) -> Person | None:
        if request is None or "code" not in request.GET:
            return None
        config = providers.config_from_session(request)
        if config is None:
            return None
        self.config = config
        self.OIDC_OP_TOKEN_ENDPOINT = config.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = config.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = config.jwks_endpoint
        self.OIDC_RP_CLIENT_ID = config.client_id
        self.OIDC_RP_CLIENT_SECRET = config.client_secret
        self.OIDC_RP_SIGN_ALGO = config.sign_algo
        return super().authenticate(request, **kwargs)  # type: ignore[no-any-return]

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        email = claims.get("email")
        if not isinstance(email, str) or "@" not in email:
            log.warning("single sign-on refused: the provider sent no e-mail address")
            return False
        # Google and Keycloak say whether the address was verified; believe only a yes.
        if claims.get("email_verified") is False:
            log.warning("single sign-on refused: %s is not verified at the provider", email)
            return False
        domains = self.config.domains if self.config else []
        if domains and email.rsplit("@", 1)[-1].lower() not in domains:
            log.warning("single sign-on refused: %s is outside the provider's e-mail domains", email)
            return False
        return True

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[Person]:
        people = Person.objects.filter(email__iexact=str(claims.get("email", "")), is_active=True)
        config = self.config
        if config is not None and config.organisation_id is not None:
            people = people.filter(organisation_id=config.organisation_id)
        elif config is not None and config.organisation_slug:
            people = people.filter(organisation__slug=config.organisation_slug)
        if not people.exists():
            log.warning("single sign-on refused: no active person with that e-mail address")
        return people

    def create_user(self, claims: dict[str, Any]) -> None:  # type: ignore[override]
        return None  # never: OIDC_CREATE_USER is off too; belt and braces

    def update_user(self, user: Person, claims: dict[str, Any]) -> Person:
        """Distans keeps its own names; roles change only through an organisation's
        role mapping (audited)."""
        if self.config is None:
            return user
        roles = providers.mapped_roles(self.config, claims)
        if roles is not None:
            from distans.sso.actions import do_apply_mapped_roles

            do_apply_mapped_roles(user, roles)
        return user
