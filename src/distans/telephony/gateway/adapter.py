"""Distans → the built-in gateway: when an agent accepts a call that waits in Kamailio,
stop its waiting media and resume it towards the agent's endpoint. Falls through to the
webhook adapter as well, so a hosted provider configured with a webhook URL keeps
working beside the gateway."""

from __future__ import annotations

import logging
import threading

import httpx

from distans.telephony.adapters.base import Endpoint
from distans.telephony.adapters.webhook import WebhookAdapter
from distans.telephony.gateway import config as gateway_config

logger = logging.getLogger(__name__)


def sip_uri(config: gateway_config.GatewayConfig, endpoint: Endpoint) -> str:
    if endpoint.kind == "mobile":
        number = "".join(ch for ch in endpoint.address if ch.isdigit() or ch == "+")
        host = config.trunk or config.domain
        return f"sip:{number}@{host}"
    address = endpoint.address
    return address if address.startswith("sip:") else f"sip:{address}"


class GatewayAdapter(WebhookAdapter):
    def connect(self, organisation_id: int, call_id: str, endpoint: Endpoint) -> None:
        super().connect(organisation_id, call_id, endpoint)
        config = gateway_config.current()
        if config is None or config.organisation_id != organisation_id:
            return
        uri = sip_uri(config, endpoint)

        def resume() -> None:
            # the waiting media plays on while the agent's phone rings (stopped when
            # answered): if it is not answered the caller waits on, hearing it
            try:
                answer = httpx.post(
                    config.control_url,
                    json={"call_id": call_id, "uri": uri},
                    headers={"X-Distans-Gateway": config.control_token},
                    timeout=5.0,
                )
                if answer.status_code == 404:  # not a call waiting in this gateway (simulated)
                    logger.debug("gateway: call %s is not waiting here", call_id)
                elif answer.status_code != 200:
                    logger.warning("gateway: resuming call %s gave %s", call_id, answer.status_code)
            except httpx.HTTPError as exc:
                logger.warning("gateway: resuming call %s failed: %s", call_id, exc)

        threading.Thread(target=resume, daemon=True).start()
