"""The second factor's key (TOTP): django-otp's Device with its throttling, kept per
organisation and with the key encrypted at rest (like mailbox passwords)."""

from __future__ import annotations

import secrets
import time
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin
from django_otp.oath import TOTP

from distans.accounts.fields import EncryptedCharField
from distans.accounts.models import OrgOwned, OrgQuerySet

STEP, DIGITS, TOLERANCE = 30, 6, 1  # what every authenticator app does by default


def new_key() -> str:
    return secrets.token_hex(20)  # 160 bits, as RFC 4226 recommends


class SecondFactor(OrgOwned, ThrottlingMixin, Device):
    key = EncryptedCharField(_("key"), max_length=255, default=new_key)
    #: the time step of the last code taken: each code works once
    last_t = models.BigIntegerField(default=-1)
    drift = models.SmallIntegerField(default=0)

    objects = OrgQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("second factor")
        verbose_name_plural = _("second factors")

    @property
    def bin_key(self) -> bytes:
        return bytes.fromhex(self.key)

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    def verify_token(self, token: Any) -> bool:
        allowed, _reason = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            code = int(token)
        except (TypeError, ValueError):
            verified = False
        else:
            totp = TOTP(self.bin_key, STEP, 0, DIGITS, self.drift)
            totp.time = time.time()
            verified = bool(totp.verify(code, TOLERANCE, self.last_t + 1))
            if verified:
                self.last_t, self.drift = totp.t(), totp.drift
                self.throttle_reset(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return verified


class OrganisationProvider(OrgOwned):
    """An organisation's own OpenID Connect provider, set by its admin on Settings →
    Sign-in. The install-wide one (``DISTANS_OIDC_*``) stays as the fallback."""

    enabled = models.BooleanField(_("on"), default=False)
    name = models.CharField(_("name on the login button"), max_length=100, blank=True)
    issuer = models.URLField(_("issuer"), max_length=300)
    authorization_endpoint = models.URLField(_("authorization endpoint"), max_length=300, blank=True)
    token_endpoint = models.URLField(_("token endpoint"), max_length=300, blank=True)
    userinfo_endpoint = models.URLField(_("userinfo endpoint"), max_length=300, blank=True)
    jwks_endpoint = models.URLField(_("JWKS endpoint"), max_length=300, blank=True)
    client_id = models.CharField(_("client id"), max_length=255)
    client_secret = EncryptedCharField(_("client secret"), max_length=1024, blank=True)
    #: e-mail domains, one a line: who is sent to this provider, and who it may sign in
    allowed_domains = models.TextField(_("e-mail domains"), blank=True)
    #: the claim carrying groups or roles (e.g. "groups", "roles"); empty: no mapping
    role_claim = models.CharField(_("claim with groups or roles"), max_length=100, blank=True)
    #: {"<claim value>": "<role>"}; never the organisation admin role
    role_map = models.JSONField(_("role mapping"), default=dict, blank=True)

    class Meta:
        verbose_name = _("single sign-on provider")
        verbose_name_plural = _("single sign-on providers")
        constraints = [models.UniqueConstraint(fields=["organisation"], name="sso_one_provider_per_org")]

    def domains(self) -> list[str]:
        return [d.strip().lower().lstrip("@") for d in self.allowed_domains.split() if d.strip()]
