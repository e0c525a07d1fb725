"""Telephony adapters: how Distans tells a PBX what to do with a call.

Chosen by a dotted path in ``DISTANS_TELEPHONY_ADAPTER``. The contract (see
docs/dev/telephony.md and /api/docs) has two directions:

- the PBX → Distans: ``POST /api/telephony/calls`` (a call arrives on a line),
  ``GET /api/telephony/calls/{call_id}/route`` (where should this call go now?),
  ``POST /api/telephony/calls/{call_id}/events`` (answered, ended, transferred,
  abandoned, callback_requested, callback_failed);
- Distans → the PBX: the adapter's :meth:`connect` (ring this endpoint and bridge
  the call), :meth:`dial` (place a callback to a number, then bridge to the agent) and
  :meth:`transfer` (the switchboard puts a call through to a number: ``blind`` at once;
  ``consult`` holds the caller and rings the number for the agent; then ``complete``
  joins the caller to it or ``cancel`` takes the agent back to the caller).
  A PBX that only polls ``/route`` needs no push: :class:`PollingAdapter`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Endpoint:
    kind: str  # "sip" or "mobile"
    address: str


class TelephonyAdapter(Protocol):
    def connect(self, organisation_id: int, call_id: str, endpoint: Endpoint) -> None: ...

    def dial(self, organisation_id: int, call_id: str, number: str, endpoint: Endpoint) -> None: ...

    def transfer(self, organisation_id: int, call_id: str, number: str, mode: str) -> None: ...


class PollingAdapter:
    """Pushes nothing: the PBX (or the built-in phone simulator) asks ``/route``."""

    def connect(self, organisation_id: int, call_id: str, endpoint: Endpoint) -> None:
        return None

    def dial(self, organisation_id: int, call_id: str, number: str, endpoint: Endpoint) -> None:
        return None

    def transfer(self, organisation_id: int, call_id: str, number: str, mode: str) -> None:
        return None


def load_adapter() -> Any:
    from django.conf import settings
    from django.utils.module_loading import import_string

    path = getattr(settings, "DISTANS_TELEPHONY_ADAPTER", None)
    if path is None:  # the built-in gateway when `distans telephony config` made one
        from distans.telephony.gateway.config import current

        path = (
            "distans.telephony.gateway.adapter.GatewayAdapter"
            if current() is not None
            else "distans.telephony.adapters.webhook.WebhookAdapter"
        )
    return import_string(path)()
