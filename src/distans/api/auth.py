"""Who is calling the API: a logged-in person (session + CSRF) or an API key."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyHeader, SessionAuth

from distans.accounts.models import ApiToken, Person


@dataclass(frozen=True)
class Caller:
    organisation_id: int
    person: Person | None = None
    token: ApiToken | None = None

    @property
    def is_supervisor(self) -> bool:
        return self.token is not None or bool(
            self.person and (self.person.is_supervisor or self.person.is_org_admin or self.person.is_team_leader)
        )


class PersonSession(SessionAuth):
    """A logged-in person; CSRF is checked only for them, so a request that carries
    an API key and no session falls through to :class:`ApiKey`."""

    def __call__(self, request: HttpRequest) -> Caller | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)  # type: ignore[no-any-return]

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
