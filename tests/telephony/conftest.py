"""The real telephony gateway in tests: Kamailio and rtpengine on loopback ports of
their own, configured by the same code as ``distans telephony config`` for a test
organisation, talking to Distans served by pytest-django's live server."""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import require_service
from tests.factories import make_organisation, make_queue
from tests.telephony.sipphone import installed

from distans.telephony.models import Line

pytestmark = pytest.mark.sip
# rounds run right after commit in the committing thread: no router thread writing
# beside the live server's threads in the shared in-memory SQLite test database
os.environ["DISTANS_ROUTING_MODE"] = "inline"


def _ports_free(*ports: int) -> bool:
    for port in ports:
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            with socket.socket(socket.AF_INET, kind) as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    return False
    return True


def _ports() -> dict[str, int]:
    for _ in range(50):
        base = random.randrange(20000, 28000, 10)
        if _ports_free(base, base + 1, base + 2, base + 3):  # + 3: the DTMF listener
            rtp = random.randrange(33000, 39000, 200)
            return {
                "sip_port": base,
                "ws_port": base + 1,
                "ng_port": base + 2,
                "rtp_min": rtp,
                "rtp_max": rtp + 199,
            }
    raise RuntimeError("no free ports")


@pytest.fixture
def gateway(live_server: Any, settings: Any, tmp_path: Path) -> Iterator[dict[str, Any]]:
    missing = installed()
    require_service(
        "sip", not missing, f"sip gateway not installed ({missing}): make telephony-install"
    )
    import httpx

    from distans.telephony.gateway import runner
    from distans.telephony.gateway.setup import configure

    httpx.get(f"{live_server.url}/healthz", timeout=60)  # the URLconf's first import is slow
    settings.DISTANS_TELEPHONY_GATEWAY_DIR = str(tmp_path / "gateway")
    org = make_organisation(country="SE")
    queue = make_queue(org, code="kundtjanst", name="Kundtjänst")
    Line.objects.create(organisation=org, number="4655510010", name="Kundtjänst", queue=queue)
    config, _ = configure(
        org, tmp_path / "gateway", distans_url=live_server.url, debug=2, **_ports()
    )
    log = tmp_path / "gateway.log"
    processes = runner.start(config, log=log)
    try:
        yield {
            "config": config, "org": org, "queue": queue, "log": log, "tmp": tmp_path,
            "processes": processes,  # [rtpengine, kamailio]: a test may restart Kamailio
        }  # fmt: skip
    finally:
        runner.stop(processes)
