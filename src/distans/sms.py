"""Text messages (SMS) through an adapter, like telephony's: a small contract and
implementations chosen by a dotted path in ``DISTANS_SMS_ADAPTER``.

- :class:`RecordingSmsAdapter` keeps every message in memory (tests, and the demo:
  ``recorded()``) and sends nothing;
- :class:`WebhookSmsAdapter` POSTs ``{"to", "text", "organisation"}`` as JSON to
  ``DISTANS_SMS_WEBHOOK_URL`` (an SMS gateway or a small bridge to one), signed with
  HMAC-SHA256 of the body in ``X-Distans-Signature`` when ``DISTANS_SMS_WEBHOOK_SECRET``
  is set.

An adapter raises :class:`SmsNotSent` when the message did not go out; the caller
records it and goes on (a reminder by SMS never stops the e-mail)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from dataclasses import dataclass
from typing import Any, Protocol


class SmsNotSent(Exception):
    pass


@dataclass(frozen=True)
class Sms:
    organisation_id: int
    to: str
    text: str


class SmsAdapter(Protocol):
    def send(self, organisation_id: int, to: str, text: str) -> None: ...


_RECORDED: list[Sms] = []
_LOCK = threading.Lock()


class RecordingSmsAdapter:
    """Sends nothing; keeps every message (``recorded()``, ``clear_recorded()``)."""

    def send(self, organisation_id: int, to: str, text: str) -> None:
        with _LOCK:
            _RECORDED.append(Sms(organisation_id, to, text))


def recorded() -> list[Sms]:
    with _LOCK:
        return list(_RECORDED)


def clear_recorded() -> None:
    with _LOCK:
        _RECORDED.clear()


class WebhookSmsAdapter:
    def send(self, organisation_id: int, to: str, text: str) -> None:
        import httpx
        from django.conf import settings

        url = getattr(settings, "DISTANS_SMS_WEBHOOK_URL", "")
        if not url:
            raise SmsNotSent("DISTANS_SMS_WEBHOOK_URL is not set.")
        body = json.dumps({"organisation": organisation_id, "to": to, "text": text}).encode()
        headers = {"Content-Type": "application/json"}
        secret = getattr(settings, "DISTANS_SMS_WEBHOOK_SECRET", "")
        if secret:
            digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
            headers["X-Distans-Signature"] = f"sha256={digest}"
        try:
            response = httpx.post(url, content=body, headers=headers, timeout=10)
        except httpx.HTTPError as error:
            raise SmsNotSent(str(error)) from error
        if response.status_code >= 300:
            raise SmsNotSent(f"HTTP {response.status_code}")


def load_sms_adapter() -> Any:
    from django.conf import settings
    from django.utils.module_loading import import_string

    path = getattr(settings, "DISTANS_SMS_ADAPTER", "")
    return import_string(path)() if path else None


def send_sms(organisation_id: int, to: str, text: str) -> str:
    """Hand one text message to the configured adapter; the status to keep and show:
    ``sent`` (handed over), ``not_configured`` (no adapter: nothing was sent) or
    ``failed: …``. Never claims a message went out when it did not."""
    adapter = load_sms_adapter()
    if adapter is None:
        return "not_configured"
    try:
        adapter.send(organisation_id, to, text)
    except SmsNotSent as error:
        return f"failed: {error}"[:200]
    return "sent"
