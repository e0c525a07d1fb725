"""The generic webhook adapter: POSTs signed JSON commands to the organisation's
configured ``webhook_url`` (if any). A failed delivery is logged and the PBX can still
learn the same answer from ``GET /api/telephony/calls/{call_id}/route``."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading

import httpx

from distans.telephony.adapters.base import Endpoint

logger = logging.getLogger(__name__)


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookAdapter:
    timeout_seconds = 5.0

    def _post(self, organisation_id: int, payload: dict[str, object]) -> None:
        from distans.telephony.models import TelephonySettings

        config = TelephonySettings.objects.filter(organisation_id=organisation_id).first()
        if config is None or not config.webhook_url:
            return
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if config.webhook_secret:
            headers["X-Distans-Signature"] = "sha256=" + sign(config.webhook_secret, body)

        def deliver() -> None:
            try:
                httpx.post(config.webhook_url, content=body, headers=headers, timeout=self.timeout_seconds)
            except httpx.HTTPError as exc:
                logger.warning("telephony webhook to %s failed: %s", config.webhook_url, exc)

        threading.Thread(target=deliver, daemon=True).start()

    def connect(self, organisation_id: int, call_id: str, endpoint: Endpoint) -> None:
        self._post(organisation_id, {"command": "connect", "call_id": call_id,
                                     "endpoint": {"kind": endpoint.kind, "address": endpoint.address}})

    def dial(self, organisation_id: int, call_id: str, number: str, endpoint: Endpoint) -> None:
        self._post(organisation_id, {"command": "dial", "call_id": call_id, "number": number,
                                     "endpoint": {"kind": endpoint.kind, "address": endpoint.address}})

    def transfer(self, organisation_id: int, call_id: str, number: str, mode: str) -> None:
        self._post(organisation_id, {"command": "transfer", "call_id": call_id, "number": number,
                                     "mode": mode})
