"""Secrets stored encrypted at rest (mailbox passwords, signing secrets).

:class:`EncryptedCharField` keeps ``enc1:<Fernet token>`` in the database and gives
the plain text to Python. Fernet (``cryptography``) is authenticated encryption
(AES-128-CBC + HMAC-SHA256) with a random IV, so equal secrets store differently and a
changed row is refused, not decrypted into garbage.

Keys: ``DISTANS_SECRET_KEYS`` (comma-separated Fernet keys, newest first: rotation
re-encrypts on the next save) or, when unset, one key derived from ``SECRET_KEY``
with HKDF-SHA256 (info ``distans-secrets``), so a default install encrypts without a
new setting; changing SECRET_KEY then needs the old value in DISTANS_SECRET_KEYS.
A value without the prefix (rows written before encryption) is read as plain text
and encrypted on its next save.
"""

from __future__ import annotations

import base64
from functools import cache
from typing import Any

from django.conf import settings
from django.db import models

PREFIX = "enc1:"


@cache
def _fernet(secret_key: str, configured: str) -> Any:
    from cryptography.fernet import Fernet, MultiFernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    keys = [k.strip() for k in configured.split(",") if k.strip()]
    if not keys:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"distans-secrets").derive(
            secret_key.encode()
        )
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(k) for k in keys])


def fernet() -> Any:
    return _fernet(settings.SECRET_KEY, getattr(settings, "DISTANS_SECRET_KEYS", "") or "")


def encrypt(plain: str) -> str:
    if not plain:
        return ""
    return PREFIX + fernet().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored or not stored.startswith(PREFIX):
        return stored or ""
    return str(fernet().decrypt(stored[len(PREFIX) :].encode()).decode())


class EncryptedCharField(models.CharField):
    """A CharField whose value is encrypted in the database (``max_length`` is of the
    stored token: about 1.4 × the secret + 105 characters)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return decrypt(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        # Python always holds the plain text (from_db_value decrypts): encrypt it all.
        return encrypt(value) if isinstance(value, str) and value else value
