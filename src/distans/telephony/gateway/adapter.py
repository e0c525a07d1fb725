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


def _digits(number: str) -> str:
    return "".join(ch for ch in number if ch.isdigit())


def transfer_uri(config: gateway_config.GatewayConfig, number: str) -> str:
    """Where the switchboard's ``number`` is reached through the gateway: a SIP address
    as it is; a queue line (a new call in that queue); a person of the organisation
    with that phone number (in the directory or on their profile) at their endpoint
    (the desk's softphone, as when a call is connected to them); else the number
    through the trunk."""
    from distans.accounts.models import Person
    from distans.telephony.actions import endpoint_for

    number = number.strip()
    if number.startswith("sip:"):
        return number
    if number in config.lines:
        return f"sip:{number}@{config.domain}"
    digits = _digits(number)
    if digits:
        person = None
        people = Person.objects.filter(organisation_id=config.organisation_id).exclude(phone="")
        for candidate in people.only("pk", "phone"):
            if _digits(candidate.phone) == digits:
                person = candidate
                break
        if person is None:
            from distans.switchboard.models import DirectoryEntry

            entries = DirectoryEntry.objects.filter(
                organisation_id=config.organisation_id, person__isnull=False
            ).select_related("person")
            for entry in entries:
                if digits in (_digits(entry.phone), _digits(entry.mobile)):
                    person = entry.person
                    break
        if person is not None:
            endpoint = endpoint_for(person)
            if endpoint.kind != "mobile" or _digits(endpoint.address) != digits:
                return sip_uri(config, endpoint)
    return sip_uri(config, Endpoint("mobile", number))


def _control(url: str, token: str, payload: dict[str, str], what: str) -> int:
    try:
        answer = httpx.post(url, json=payload, headers={"X-Distans-Gateway": token}, timeout=5.0)
    except httpx.HTTPError as exc:
        logger.warning("gateway: %s of call %s failed: %s", what, payload.get("call_id"), exc)
        return 0
    if answer.status_code == 404:  # not a call in this gateway (simulated)
        logger.debug("gateway: call %s is not here (%s)", payload.get("call_id"), what)
    elif answer.status_code != 200:
        logger.warning("gateway: %s of call %s gave %s", what, payload.get("call_id"), answer.status_code)
    return answer.status_code


class GatewayAdapter(WebhookAdapter):
    def connect(self, organisation_id: int, call_id: str, endpoint: Endpoint) -> None:
        super().connect(organisation_id, call_id, endpoint)
        config = gateway_config.current()
        if config is None or config.organisation_id != organisation_id:
            return
        uri = sip_uri(config, endpoint)

        def resume() -> None:
            # A waiting call: the waiting media plays on while the agent's phone rings
            # (stopped when answered): if it is not answered the caller waits on,
            # hearing it. A connected call (moved to this agent by the desk's
            # transfer): the gateway REFERs the caller to this agent.
            _control(config.control_url, config.control_token,
                     {"call_id": call_id, "uri": uri}, "connecting")

        threading.Thread(target=resume, daemon=True).start()

    def transfer(self, organisation_id: int, call_id: str, number: str, mode: str) -> None:
        """Blind transfer of a connected call (the switchboard): the gateway REFERs the
        caller to the number's address, hangs up the agent and reports ``transferred``.
        A consultation is not carried by the gateway (the webhook, if any, hears it)."""
        super().transfer(organisation_id, call_id, number, mode)
        config = gateway_config.current()
        if config is None or config.organisation_id != organisation_id or mode != "blind":
            return
        uri = transfer_uri(config, number)

        def put_through() -> None:
            _control(config.transfer_url, config.control_token,
                     {"call_id": call_id, "uri": uri, "number": number}, "transfer")

        threading.Thread(target=put_through, daemon=True).start()
