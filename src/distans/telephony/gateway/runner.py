"""``distans telephony run``: rtpengine first (Kamailio marks an engine that does not
answer as down for a while), then Kamailio, both in the foreground; when either
stops, the other is stopped too and the exit status says which."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from distans.telephony.gateway import dtmf
from distans.telephony.gateway.config import GatewayConfig
from distans.telephony.gateway.rtpengine import Rtpengine


class GatewayMissing(Exception):
    pass


def missing() -> str:
    """'' when rtpengine and Kamailio are installed, else which is missing."""
    wanted = {"rtpengine": "/usr/bin/rtpengine", "kamailio": "/usr/sbin/kamailio"}
    return ", ".join(
        name for name, path in wanted.items() if not (shutil.which(name) or Path(path).exists())
    )


def commands(config: GatewayConfig) -> tuple[list[str], list[str]]:
    rtpengine = shutil.which("rtpengine") or "/usr/bin/rtpengine"
    kamailio = shutil.which("kamailio") or "/usr/sbin/kamailio"
    for program in (rtpengine, kamailio):
        if not Path(program).exists():
            raise GatewayMissing(f"{program} is not installed: run `make telephony-install`")
    run_dir = config.path / "run"
    run_dir.mkdir(parents=True, exist_ok=True)
    return (
        [
            rtpengine,
            f"--config-file={config.path / 'rtpengine.conf'}",
            "--config-section=rtpengine",
            f"--pidfile={run_dir / 'rtpengine.pid'}",
        ],
        [
            kamailio,
            "-DD",
            "-E",
            "-f",
            str(config.path / "kamailio.cfg"),
            "-Y",
            str(run_dir),
            "-P",
            str(run_dir / "kamailio.pid"),
            "-m",
            "64",
            "-M",
            "8",
        ],
    )


def start(config: GatewayConfig, log: Path | None = None) -> list[subprocess.Popen[bytes]]:
    """Start both; return once rtpengine answers and Kamailio listens."""
    rtp_cmd, kam_cmd = commands(config)
    out = open(log, "ab") if log else None
    rtp = subprocess.Popen(rtp_cmd, stdout=out, stderr=subprocess.STDOUT)
    engine = Rtpengine(port=config.ng_port, timeout=0.5)
    deadline = time.monotonic() + 15
    try:
        while not engine.ping():
            if rtp.poll() is not None or time.monotonic() > deadline:
                raise GatewayMissing("rtpengine did not start (see its log)")
    except BaseException:
        stop([rtp])
        raise
    kam = subprocess.Popen(kam_cmd, stdout=out, stderr=subprocess.STDOUT)
    import socket

    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", config.ws_port), timeout=0.5):
                break
        except OSError:
            if kam.poll() is not None or time.monotonic() > deadline:
                stop([rtp, kam])
                raise GatewayMissing("Kamailio did not start (see its log)") from None
            time.sleep(0.1)
    try:
        listener = dtmf.Listener(config)
    except OSError as exc:  # its port taken (another gateway started meanwhile)
        stop([rtp, kam])
        raise GatewayMissing(f"the DTMF port {config.dtmf_port} is taken ({exc})") from None
    _listeners[id(kam)] = listener
    listener.start()
    return [rtp, kam]


#: the DTMF listener of each running gateway (keyed by its Kamailio process)
_listeners: dict[int, dtmf.Listener] = {}


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        listener = _listeners.pop(id(process), None)
        if listener is not None:
            listener.stop()
    for process in reversed(processes):
        if process.poll() is None:
            process.terminate()
    for process in reversed(processes):
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_foreground(config: GatewayConfig) -> int:
    processes = start(config)
    stopping = False

    def handle(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    print(
        f"distans telephony gateway: SIP udp/tcp {config.bind}:{config.sip_port}, "
        f"WebSocket {config.websocket_url}; Ctrl-C stops it",
        flush=True,
    )
    while not stopping and all(p.poll() is None for p in processes):
        time.sleep(0.5)
    names = ["rtpengine", "kamailio"]
    failed = [name for name, p in zip(names, processes, strict=True) if p.poll() is not None]
    stop(processes)
    if failed and not stopping:
        print(f"distans telephony gateway: {', '.join(failed)} stopped", file=sys.stderr)
        return 1
    return 0
