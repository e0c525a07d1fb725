"""Who is calling the API: a logged-in person (session + CSRF) or an API key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import APIKeyHeader, SessionAuth

from distans.accounts.models import ApiToken, Person
from distans.accounts.permissions import PERMISSIONS, has_permission
from distans.api.errors import Forbidden


@dataclass(frozen=True)
class Caller:
    """A person acts with their roles' permissions, a key with its scopes only
    (both read from ``accounts/permissions.py``)."""

    organisation_id: int
    person: Person | None = None
    token: ApiToken | None = None

    def may(self, permission: str) -> bool:
        if self.token is not None:
            return PERMISSIONS[permission].scope and permission in (self.token.scopes or [])
        return has_permission(self.person, permission)

    def require(self, permission: str) -> Caller:
        """Raise the API's 403, naming what the caller lacks."""
        if not self.may(permission):
            label = PERMISSIONS[permission].label
            if self.token is not None:
                raise Forbidden(_("This API key lacks the scope to %(what)s.") % {"what": label})
            raise Forbidden(_("Your role does not allow you to %(what)s.") % {"what": label})
        return self


class PersonSession(SessionAuth):
    """A logged-in person; CSRF is checked only for them, so a request that carries
    an API key and no session falls through to :class:`ApiKey`."""

    def __call__(self, request: HttpRequest) -> Caller | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        user = super().authenticate(request, key)
        if user is None or not getattr(user, "organisation_id", None):
            return None
        return Caller(organisation_id=user.organisation_id, person=user)


class ApiKey(APIKeyHeader):
    param_name = "Authorization"

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        if not key or not key.startswith("Bearer "):
            return None
        digest = hashlib.sha256(key[len("Bearer ") :].strip().encode()).hexdigest()
        token = ApiToken.objects.filter(key_hash=digest, is_active=True).first()
        if token is None:
            return None
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return Caller(organisation_id=token.organisation_id, token=token)


AUTH = [PersonSession(), ApiKey()]
