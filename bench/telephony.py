"""Real SIP calls through the built-in gateway (Kamailio + rtpengine) into `distans serve`.

Setup (in this process, in a temporary var dir with its own SQLite database, as the
demo): migrate, one organisation with one queue line and no agent (every call waits),
`distans telephony config`'s ``configure()`` on free loopback ports, `distans serve`
and the gateway (rtpengine, Kamailio, the DTMF listener). Then three phases:

1. **Dial to the greeting's media** (``--latency-calls``, one at a time): this process
   sends an INVITE itself (UDP, PCMU) whose SDP points at a UDP socket of its own, and
   times INVITE → 183 (Distans made the contact and the waiting media) and INVITE →
   the first RTP packet of the greeting; then CANCEL (the caller hangs up: abandoned).
2. **Calls set up per second** (SIPp, Debian ``sip-tester``): ``--setup-calls`` calls
   offered at ``--setup-rate`` per second, each CANCELled a second after its 183;
   the calls that got their 183 per second of the phase, INVITE → 183 (SIPp's RTD),
   failures.
3. **Concurrent waiting callers** (SIPp): ``--hold-calls`` callers arrive at
   ``--hold-rate`` per second and wait ``--hold-seconds`` each (greeting, place,
   estimated wait and music playing to every one of them); at the peak the bench
   counts the contacts waiting in Distans, the INVITEs parked in Kamailio (its
   ``parked`` htable is not readable from here: the 183s SIPp has and no final answer)
   and the RTP packets per second arriving at the callers' media socket (music to
   every caller: 50 packets per second each).

Output: one JSON object (with the machine, the date and the load average: the machine
is shared, note it next to the figures).

    .venv/bin/python bench/telephony.py --hold-calls 200
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LINE = "4655510010"

SCENARIO = """<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="distans waiting caller">
  <send start_rtd="setup">
    <![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:07[call_number]@[local_ip]>;tag=[pid]t[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:caller@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=- 1 1 IN IP4 127.0.0.1
s=-
c=IN IP4 127.0.0.1
t=0 0
m=audio [rtp_sink] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=sendrecv
    ]]>
  </send>
  <recv response="100" optional="true"/>
  <recv response="180" optional="true"/>
  <recv response="183" rtd="setup"/>
  <pause/>
  <send>
    <![CDATA[
CANCEL sip:[service]@[remote_ip]:[remote_port] SIP/2.0
[last_Via:]
From: <sip:07[call_number]@[local_ip]>;tag=[pid]t[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 CANCEL
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
  <recv response="200"/>
  <recv response="487"/>
  <send>
    <![CDATA[
ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch-8]
From: <sip:07[call_number]@[local_ip]>;tag=[pid]t[call_number]
[last_To:]
Call-ID: [call_id]
CSeq: 1 ACK
Max-Forwards: 70
Content-Length: 0

    ]]>
  </send>
</scenario>
"""


def _free_port(kind: int = socket.SOCK_DGRAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _free_base() -> int:
    import random

    for _ in range(100):
        base = random.randrange(20000, 28000, 10)
        ok = True
        for port in (base, base + 1, base + 2, base + 3):
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                with socket.socket(socket.AF_INET, kind) as sock:
                    try:
                        sock.bind(("127.0.0.1", port))
                    except OSError:
                        ok = False
        if ok:
            return base
    raise RuntimeError("no free ports")


def setup(var_dir: Path, http_port: int) -> Any:
    os.environ["DISTANS_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "distans.config.settings"
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DISTANS_ROUTING_MODE", "inline")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from distans.accounts.models import Organisation
    from distans.routing.models import Queue
    from distans.telephony.gateway.setup import configure
    from distans.telephony.models import Line

    call_command("migrate", interactive=False, verbosity=0)
    org = Organisation.objects.create(name="Telephony bench", slug="telephony-bench", country="SE")
    # open around the clock: a closed queue gives the closed message and hangs up
    queue = Queue.objects.create(
        organisation=org, code="kundtjanst", name="Kundtjänst", always_open=True
    )
    Line.objects.create(organisation=org, number=LINE, name="Kundtjänst", queue=queue)
    base = _free_base()
    config, _ = configure(
        org,
        var_dir / "telephony",
        distans_url=f"http://127.0.0.1:{http_port}",
        sip_port=base,
        ws_port=base + 1,
        ng_port=base + 2,
        rtp_min=40000,
        rtp_max=49999,
        debug=1,
    )
    connections.close_all()
    return config


def start_server(var_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DISTANS_VAR_DIR": str(var_dir)}
    process = subprocess.Popen(
        [sys.executable, "-m", "distans", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(var_dir / "server.log").open("w"),
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((var_dir / "server.log").read_text()[-2000:])
        try:
            import httpx

            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30).status_code < 500:
                return process
        except Exception:  # not up yet
            time.sleep(0.3)
    process.kill()
    raise RuntimeError("server did not start")


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


def summary(values: list[float]) -> dict[str, Any]:
    return {
        "n": len(values),
        "p50_ms": percentile(values, 0.5),
        "p90_ms": percentile(values, 0.9),
        "max_ms": round(max(values), 1) if values else None,
        "mean_ms": round(statistics.fmean(values), 1) if values else None,
    }


# ---------------------------------------------------------------- phase 1: one call at a time


def one_call(sip_port: int, hold_seconds: float = 0.5) -> tuple[float | None, float | None]:
    """INVITE → 183 and INVITE → first RTP packet (ms); then CANCEL."""
    sip = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sip.bind(("127.0.0.1", 0))
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rtp.bind(("127.0.0.1", 0))
    local, media = sip.getsockname()[1], rtp.getsockname()[1]
    call_id, tag, branch = secrets.token_hex(8), secrets.token_hex(4), "z9hG4bK" + secrets.token_hex(6)
    target = f"sip:{LINE}@127.0.0.1:{sip_port}"
    sdp = (
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"m=audio {media} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
    )
    common = (
        f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch={branch};rport\r\n"
        f"From: <sip:0701234567@127.0.0.1>;tag={tag}\r\nTo: <{target}>\r\nCall-ID: {call_id}\r\n"
        "Max-Forwards: 70\r\n"
    )
    invite = (
        f"INVITE {target} SIP/2.0\r\n{common}CSeq: 1 INVITE\r\n"
        f"Contact: <sip:caller@127.0.0.1:{local}>\r\nContent-Type: application/sdp\r\n"
        f"Content-Length: {len(sdp)}\r\n\r\n{sdp}"
    )
    started = time.monotonic()
    sip.sendto(invite.encode(), ("127.0.0.1", sip_port))
    progress = first_media = None
    to_header = ""
    deadline = started + 15
    sip.setblocking(False)
    rtp.setblocking(False)
    while time.monotonic() < deadline and (progress is None or first_media is None):
        try:
            data = sip.recv(65535).decode(errors="replace")
            if data.startswith("SIP/2.0 183") and progress is None:
                progress = (time.monotonic() - started) * 1000
                match = re.search(r"^To: .*$", data, re.M | re.I)
                to_header = match.group(0) if match else ""
            elif re.match(r"SIP/2.0 [3-6]", data):
                break
        except BlockingIOError:
            pass
        try:
            rtp.recv(2048)
            if first_media is None:
                first_media = (time.monotonic() - started) * 1000
        except BlockingIOError:
            pass
        time.sleep(0.0005)
    time.sleep(hold_seconds)
    cancel = f"CANCEL {target} SIP/2.0\r\n{common}CSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n"
    sip.sendto(cancel.encode(), ("127.0.0.1", sip_port))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            data = sip.recv(65535).decode(errors="replace")
            if data.startswith("SIP/2.0 487"):
                match = re.search(r"^To: .*$", data, re.M | re.I)
                ack_common = common.replace(f"To: <{target}>", match.group(0) if match else to_header)
                ack = f"ACK {target} SIP/2.0\r\n{ack_common}CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
                sip.sendto(ack.encode(), ("127.0.0.1", sip_port))
                break
        except BlockingIOError:
            time.sleep(0.005)
    sip.close()
    rtp.close()
    return progress, first_media


# ---------------------------------------------------------------- SIPp phases


class RtpSink:
    """One UDP socket every SIPp caller's SDP points at: packets per second of all."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 * 1024 * 1024)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.packets = 0
        self.sources: set[int] = set()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.running:
            try:
                _, address = self.sock.recvfrom(2048)
                self.packets += 1
                self.sources.add(address[1])
            except OSError:
                continue

    def rate(self, seconds: float = 3.0) -> tuple[float, int]:
        """Packets per second over ``seconds`` and distinct sending ports in that time."""
        self.sources = set()
        before = self.packets
        time.sleep(seconds)
        return (self.packets - before) / seconds, len(self.sources)

    def stop(self) -> None:
        self.running = False
        self.thread.join(timeout=2)
        self.sock.close()


def sipp(
    work: Path, sip_port: int, sink: RtpSink, name: str, calls: int, rate: float, hold_ms: int
) -> subprocess.Popen[bytes]:
    scenario = work / "waiting.xml"
    scenario.write_text(SCENARIO)
    return subprocess.Popen(
        [
            "sipp", f"127.0.0.1:{sip_port}", "-sf", str(scenario), "-s", LINE,
            "-i", "127.0.0.1", "-p", str(_free_port()), "-key", "rtp_sink", str(sink.port),
            "-r", str(rate), "-m", str(calls), "-l", str(calls), "-d", str(hold_ms),
            "-trace_rtt", "-rtt_freq", "1", "-trace_stat", "-fd", "1", "-nostdin",
            "-timeout_error", "-timeout", f"{int(hold_ms / 1000 + calls / rate + 120)}s",
            "-max_recv_loops", "10000", "-max_sched_loops", "10000",
        ],
        cwd=work,
        stdout=(work / f"{name}.out").open("w"),
        stderr=subprocess.STDOUT,
    )


def sipp_results(work: Path) -> tuple[list[float], dict[str, str]]:
    rtts: list[float] = []
    for path in work.glob("*_rtt.csv"):
        for line in path.read_text().splitlines()[1:]:
            parts = line.split(";")
            if len(parts) >= 2:
                try:
                    rtts.append(float(parts[1]))
                except ValueError:
                    continue
    stats: dict[str, str] = {}
    for path in sorted(work.glob("*_.csv")):
        lines = path.read_text().splitlines()
        if len(lines) >= 2:
            stats = dict(zip(lines[0].split(";"), lines[-1].split(";"), strict=False))
    return rtts, stats


def _count(name: str, stats: dict[str, str]) -> int:
    try:
        return int(stats.get(name, "0") or 0)
    except ValueError:
        return 0


def waiting_contacts() -> int:
    from django.db import connections

    from distans.contacts.models import Contact

    try:
        return Contact.objects.filter(status="waiting", channel="phone").count()
    finally:
        connections.close_all()


def phase(
    root: Path, name: str, sip_port: int, sink: RtpSink, calls: int, rate: float, hold_s: float,
    at_peak: bool,
) -> dict[str, Any]:
    work = root / name
    work.mkdir()
    started = time.monotonic()
    process = sipp(work, sip_port, sink, name, calls, rate, int(hold_s * 1000))
    peak: dict[str, Any] = {}
    if at_peak:
        # all callers arrived and heard their 183: measure while they all wait
        time.sleep(calls / rate + min(10.0, hold_s / 3))
        packets, sources = sink.rate(5.0)
        peak = {
            "waiting_contacts_in_distans": waiting_contacts(),
            "rtp_packets_per_second_to_callers": round(packets),
            "callers_receiving_media": sources,
            "expected_packets_per_second": 50 * calls,
            "load_average_at_peak": os.getloadavg(),
        }
    process.wait()
    elapsed = time.monotonic() - started
    rtts, stats = sipp_results(work)
    ok, failed = _count("SuccessfulCall(C)", stats), _count("FailedCall(C)", stats)
    result = {
        "calls": calls,
        "offered_rate_per_s": rate,
        "hold_s": hold_s,
        "successful": ok,
        "failed": failed,
        "elapsed_s": round(elapsed, 1),
        "invite_to_183": summary(rtts),
        "sipp_exit": process.returncode,
        **peak,
    }
    if not at_peak:
        # every call offered got its 183 within a second: the gateway keeps up with this rate
        result["kept_up"] = ok == calls and failed == 0 and (percentile(rtts, 0.9) or 1e9) < 1000
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency-calls", type=int, default=20)
    parser.add_argument("--setup-rates", default="5,10,20,40",
                        help="calls offered per second, 10 s each, until one is not kept up with")
    parser.add_argument("--hold-calls", type=int, default=200)
    parser.add_argument("--hold-rate", type=float, default=10.0)
    parser.add_argument("--hold-seconds", type=float, default=60.0)
    args = parser.parse_args()
    missing = [p for p in ("kamailio", "rtpengine", "sipp", "sox", "espeak-ng")
               if not shutil.which(p) and not Path(f"/usr/sbin/{p}").exists()]
    if missing:
        print(json.dumps({"skipped": f"not installed: {', '.join(missing)} (make telephony-install)"}))
        return 0
    sys.path.insert(0, str(ROOT / "src"))
    from distans.telephony.gateway import runner

    var_dir = Path(tempfile.mkdtemp(prefix="distans-bench-telephony-"))
    http_port = _free_port(socket.SOCK_STREAM)
    config = setup(var_dir, http_port)
    server = start_server(var_dir, http_port)
    gateway = runner.start(config, log=var_dir / "gateway.log")
    sink = RtpSink()
    result: dict[str, Any] = {
        "bench": "telephony",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "load_average_start": os.getloadavg(),
        "database": "SQLite (the demo's), one `distans serve` process",
    }
    try:
        time.sleep(1.0)
        one_call(config.sip_port)  # warm-up: the server's first call imports and caches
        time.sleep(0.5)
        progress, media = [], []
        for _ in range(args.latency_calls):
            p, m = one_call(config.sip_port)
            if p is not None:
                progress.append(p)
            if m is not None:
                media.append(m)
            time.sleep(0.3)
        result["dial_to_183"] = summary(progress)
        result["dial_to_greeting_media"] = summary(media)
        result["setup"] = []
        for rate in (float(r) for r in args.setup_rates.split(",")):
            outcome = phase(var_dir, f"setup-{rate:g}", config.sip_port, sink, int(rate * 10),
                            rate, 1.0, at_peak=False)
            result["setup"].append(outcome)
            time.sleep(3)
            if not outcome["kept_up"]:
                break
        kept = [o["offered_rate_per_s"] for o in result["setup"] if o["kept_up"]]
        result["calls_set_up_per_s_kept_up"] = max(kept) if kept else 0
        result["held"] = phase(var_dir, "held", config.sip_port, sink, args.hold_calls,
                               args.hold_rate, args.hold_seconds, at_peak=True)
        result["load_average_end"] = os.getloadavg()
    finally:
        sink.stop()
        runner.stop(gateway)
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    result["var_dir"] = str(var_dir)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
