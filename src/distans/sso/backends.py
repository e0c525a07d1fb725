"""The OpenID Connect backend: the provider proves who the person is; Distans decides
whether such a person exists. A signed-in e-mail address is matched (case-insensitively)
to one active Person — of the configured organisation when one is set — and nobody is
ever created here: an address Distans does not know is refused, so an account at the
provider never becomes a Distans account, let alone an administrator, by itself."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from distans.accounts.models import Person

log = logging.getLogger("distans.sso")


def oidc_enabled() -> bool:
    return bool(settings.DISTANS_OIDC_ENABLED)


class OrganisationOIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request: Any, **kwargs: Any) -> Person | None:
        if not oidc_enabled():
            return None
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
        return True

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[Person]:
        people = Person.objects.filter(email__iexact=str(claims.get("email", "")), is_active=True)
        slug = settings.DISTANS_OIDC_ORGANISATION
        if slug:
            people = people.filter(organisation__slug=slug)
        if not people.exists():
            log.warning("single sign-on refused: no active person with that e-mail address")
        return people

    def create_user(self, claims: dict[str, Any]) -> None:  # type: ignore[override]
        return None  # never: OIDC_CREATE_USER is off too; belt and braces

    def update_user(self, user: Person, claims: dict[str, Any]) -> Person:
        return user  # Distans keeps its own names and roles
