"""Keys a waiting caller presses: rtpengine reports each DTMF event (RFC 4733, on the
waiting leg ``wait-<call>``) as JSON over UDP to ``dtmf-log-dest``; this listener,
run beside the gateway (``distans telephony run``), acts on them. "1" asks for a
callback: the contract's ``callback_requested`` keeps the caller's place in line,
the caller hears a confirmation and the gateway ends the call."""

from __future__ import annotations

import json
import logging
import socket
import threading

import httpx

from distans.telephony.gateway import media
from distans.telephony.gateway.config import GatewayConfig

logger = logging.getLogger(__name__)

CALLBACK_KEY = 1


class Listener(threading.Thread):
    def __init__(self, config: GatewayConfig) -> None:
        super().__init__(daemon=True, name="distans-dtmf")
        self.config = config
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", config.dtmf_port))
        # a socket closed while this thread is blocked in recv() stays bound until
        # the recv returns: wake up now and then to see whether the gateway stopped
        self.sock.settimeout(0.5)
        self.stopped = threading.Event()
        self.handled: set[str] = set()

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return  # closed: the gateway stops
            try:
                self.handle(json.loads(data))
            except Exception:  # one bad datagram must not stop the listener
                logger.exception("gateway: a DTMF event could not be handled")

    def handle(self, event: dict[str, object]) -> None:
        leg = str(event.get("callid", ""))
        if not leg.startswith("wait-") or event.get("event") != CALLBACK_KEY:
            return
        call_id = leg.removeprefix("wait-")
        if call_id in self.handled:  # a key is reported more than once
            return
        self.handled.add(call_id)
        threading.Thread(target=request_callback, args=(self.config, call_id), daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()
        if self.is_alive():
            self.join(timeout=2)
        self.sock.close()


def request_callback(config: GatewayConfig, call_id: str) -> None:
    url = f"{config.distans_url.rstrip('/')}/api/telephony/calls/{call_id}/events"
    answer = None
    for _ in range(5):  # tried again while Distans answers 5xx (restarting, busy)
        try:
            answer = httpx.post(
                url,
                json={"event": "callback_requested"},
                headers={"Authorization": f"Bearer {config.api_key}"},
                timeout=10.0,
            )
        except httpx.HTTPError as exc:
            logger.warning("gateway: callback for call %s: %s", call_id, exc)
            continue
        if answer.status_code < 500:
            break
    if answer is None or answer.status_code != 200:
        logger.warning("gateway: callback for call %s refused", call_id)
        return
    media.confirm_callback(config, call_id)
