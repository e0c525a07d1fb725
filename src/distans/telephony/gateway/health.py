"""Is the gateway there, and is it the same Kamailio as before? Asked by Distans every
few seconds (``telephony.tasks.watch_gateway``): Kamailio's loopback control route
``/distans/health`` (with the control token) answers when it started (``$Tb``; a new
value is a restart, whose memory of parked calls is gone) and the calls it holds
parked; rtpengine answers its ng ``ping``. No Django here."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from distans.telephony.gateway.config import GatewayConfig
from distans.telephony.gateway.rtpengine import Rtpengine


@dataclass(frozen=True)
class Health:
    kamailio: bool
    rtpengine: bool
    started: int | None = None  # Kamailio's start (Unix time), when it answered
    parked: frozenset[str] = field(default_factory=frozenset)

    @property
    def up(self) -> bool:
        return self.kamailio and self.rtpengine


def check(config: GatewayConfig, timeout: float = 3.0) -> Health:
    started: int | None = None
    parked: frozenset[str] = frozenset()
    kamailio = False
    try:
        answer = httpx.get(
            config.health_url, headers={"X-Distans-Gateway": config.control_token}, timeout=timeout
        )
        if answer.status_code == 200:
            data = answer.json()
            kamailio = bool(data.get("ok"))
            started = int(data["started"]) if data.get("started") is not None else None
            parked = frozenset(str(c) for c in data.get("parked") or [])
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        kamailio = False
    rtpengine = Rtpengine(port=config.ng_port, timeout=min(timeout, 1.0)).ping()
    return Health(kamailio=kamailio, rtpengine=rtpengine, started=started, parked=parked)
