"""baresip as a real SIP phone in tests: it plays a WAV into the call and records what
it hears to another WAV (8 kHz mono: the file must match the codec's channel count)."""

from __future__ import annotations

import array
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

MODULES = "/usr/lib/baresip/modules"


def wait_for(condition: Callable[[], object], timeout_seconds: float = 30.0) -> bool:
    """Poll every quarter second: the test's reads share the in-memory SQLite test
    database with the live server's writers, and each read briefly blocks them."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return bool(condition())


def free_port() -> int:
    """A port free for both UDP and TCP (baresip's SIP listens on both, ctrl_tcp on TCP)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            try:
                tcp.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port")


def tone(path: Path, seconds: int = 20, frequency: int = 440) -> Path:
    subprocess.run(
        [
            "sox",
            "-n",
            "-r",
            "8000",
            "-c",
            "1",
            "-b",
            "16",
            str(path),
            "synth",
            str(seconds),
            "sine",
            str(frequency),
            "vol",
            "0.5",
        ],
        check=True,
        capture_output=True,
    )
    return path


def loudness(path: Path, skip_seconds: float = 0.0) -> float:
    """Root mean square of the samples (16-bit), after the first ``skip_seconds``."""
    if not path.exists() or path.stat().st_size < 100:
        return 0.0
    # read the samples raw: baresip writes the WAV header's length only when it closes
    # whole samples only: a fractional skip (or a file still being written) must not
    # leave an odd byte count
    raw = path.read_bytes()[44 + int(16000 * skip_seconds) // 2 * 2 :][: 16000 * 60]
    data = array.array("h", raw[: len(raw) // 2 * 2])
    if not data:
        return 0.0
    return float((sum(x * x for x in data) / len(data)) ** 0.5)


def seconds_of(path: Path) -> float:
    """Seconds recorded so far (8 kHz, 16-bit mono)."""
    if not path.exists():
        return 0.0
    return max(0, path.stat().st_size - 44) / 16000


class Baresip:
    """One baresip process: ``account`` is its accounts line; commands go to ctrl_tcp.
    It plays ``play`` into every call and records what it hears (module sndfile)."""

    def __init__(self, directory: Path, account: str, play: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.ctrl_port = free_port()
        self.sip_port = free_port()
        (directory / "accounts").write_text(account + "\n")
        (directory / "config").write_text(
            "\n".join(
                [
                    f"module_path {MODULES}",
                    "module g711.so",
                    "module aufile.so",
                    "module aubridge.so",
                    "module sndfile.so",
                    "module account.so",
                    "module ctrl_tcp.so",
                    "module_app menu.so",
                    f"sip_listen 127.0.0.1:{self.sip_port}",
                    f"ctrl_tcp_listen 127.0.0.1:{self.ctrl_port}",
                    f"audio_source aufile,{play}",
                    "audio_player aubridge,nowhere",  # sndfile records what is decoded
                    f"snd_path {directory}",
                    "audio_alert aufile,/dev/null",
                    "audio_srate 8000",
                    "audio_channels 1",
                    "ausrc_srate 8000",
                    "auplay_srate 8000",
                    "ausrc_channels 1",
                    "auplay_channels 1",
                    "net_interface 127.0.0.1",
                    "rtp_ports 32000-32999",
                    "sip_verify_server no",
                    "",
                ]
            )
        )
        self.log = open(directory / "baresip.log", "wb")
        self.process = subprocess.Popen(
            ["baresip", "-f", str(directory)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"baresip did not start: {self.text()}") from None
                time.sleep(0.1)

    def command(self, command: str, params: str = "") -> str:
        import json

        body = json.dumps({"command": command, "params": params, "token": "t"}).encode()
        with socket.create_connection(("127.0.0.1", self.ctrl_port), timeout=5) as sock:
            sock.sendall(b"%d:%s," % (len(body), body))
            sock.settimeout(5)
            try:
                return sock.recv(65535).decode(errors="replace")
            except OSError:
                return ""

    @property
    def record(self) -> Path:
        """What the phone heard (decoded audio) in its latest call."""
        heard = sorted(self.directory.glob("dump-*-dec.wav"), key=lambda p: p.stat().st_mtime)
        return heard[-1] if heard else self.directory / "nothing-heard.wav"

    def dial(self, uri: str) -> str:
        return self.command("dial", uri)

    def hangup(self) -> str:
        return self.command("hangup")

    def text(self) -> str:
        self.log.flush()
        return (self.directory / "baresip.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def installed() -> str:
    """'' when the gateway's programs are there, else what is missing."""
    missing = [
        p
        for p in ("kamailio", "rtpengine", "baresip", "sox", "espeak-ng")
        if not shutil.which(p) and not Path(f"/usr/sbin/{p}").exists()
    ]
    return ", ".join(missing)
