"""A minimal client of rtpengine's control protocol ("ng": bencoded dictionaries over
UDP, each prefixed by a cookie)."""

from __future__ import annotations

import secrets
import socket
from typing import Any


class RtpengineError(Exception):
    pass


def bencode(value: Any) -> bytes:
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, (list, tuple)):
        return b"l" + b"".join(bencode(item) for item in value) + b"e"
    if isinstance(value, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, v) for k, v in value.items())
        return b"d" + b"".join(bencode(k) + bencode(v) for k, v in items) + b"e"
    raise TypeError(f"cannot bencode {type(value).__name__}")


def bdecode(data: bytes) -> Any:
    value, end = _decode(data, 0)
    if end != len(data):
        raise RtpengineError("trailing data in the answer")
    return value


def _decode(data: bytes, i: int) -> tuple[Any, int]:
    kind = data[i : i + 1]
    if kind == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1 : end]), end + 1
    if kind in (b"l", b"d"):
        i += 1
        items: list[Any] = []
        while data[i : i + 1] != b"e":
            item, i = _decode(data, i)
            items.append(item)
        if kind == b"l":
            return items, i + 1
        return {str(items[n]): items[n + 1] for n in range(0, len(items), 2)}, i + 1
    colon = data.index(b":", i)
    length = int(data[i:colon])
    start = colon + 1
    raw = data[start : start + length]
    try:
        return raw.decode(), start + length
    except UnicodeDecodeError:
        return raw, start + length


class Rtpengine:
    def __init__(self, host: str = "127.0.0.1", port: int = 22222, timeout: float = 2.0) -> None:
        self.address = (host, port)
        self.timeout = timeout

    def command(self, name: str, **fields: Any) -> dict[str, Any]:
        cookie = secrets.token_hex(6).encode()
        message = {
            "command": name,
            **{key.replace("_", "-"): value for key, value in fields.items()},
        }
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(self.timeout)
            sock.sendto(cookie + b" " + bencode(message), self.address)
            while True:
                try:
                    data, _ = sock.recvfrom(65535)
                except OSError as exc:
                    raise RtpengineError(
                        f"rtpengine at {self.address[0]}:{self.address[1]} did not answer: {exc}"
                    ) from exc
                got, _, body = data.partition(b" ")
                if got == cookie:
                    break
        answer = bdecode(body)
        if not isinstance(answer, dict) or answer.get("result") not in ("ok", "pong"):
            reason = answer.get("error-reason", answer) if isinstance(answer, dict) else answer
            raise RtpengineError(f"rtpengine {name}: {reason}")
        return answer

    def ping(self) -> bool:
        try:
            return self.command("ping").get("result") == "pong"
        except RtpengineError:
            return False
