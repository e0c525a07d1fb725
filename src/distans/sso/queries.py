"""Reads of the second factor (TOTP, django-otp's SecondFactor)."""

from __future__ import annotations

from base64 import b32encode
from typing import Any
from urllib.parse import quote

from distans.sso.models import DIGITS, STEP, SecondFactor

NAME = "distans"


def confirmed_device(person: Any) -> SecondFactor | None:
    return SecondFactor.objects.filter(user=person, confirmed=True, name=NAME).first()


def pending_device(person: Any) -> SecondFactor | None:
    """A key shown for enrolment but not yet confirmed with a code."""
    return SecondFactor.objects.filter(user=person, confirmed=False, name=NAME).first()


def has_second_factor(person: Any) -> bool:
    return confirmed_device(person) is not None


def secret_of(device: SecondFactor) -> str:
    """The key as an authenticator app takes it when typed (base32, no padding)."""
    return b32encode(device.bin_key).decode().rstrip("=")


def provisioning_uri(device: SecondFactor, person: Any) -> str:
    """The otpauth:// URI that the QR code carries."""
    label = quote(f"Distans:{person.email}")
    return (f"otpauth://totp/{label}?secret={secret_of(device)}&issuer=Distans"
            f"&digits={DIGITS}&period={STEP}")  # fmt: skip


def qr_svg(uri: str) -> str:
    import segno

    return str(segno.make(uri, error="m").svg_inline(scale=4, title="QR"))


def people_with_second_factor(organisation: Any) -> int:
    return SecondFactor.objects.for_org(organisation).filter(
        user__is_active=True, confirmed=True, name=NAME
    ).count()
