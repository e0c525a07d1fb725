"""The demo's mail catcher: a real SMTP server on localhost (aiosmtpd).

``distans demo`` starts it in its process tree and points the demo mailbox's SMTP
account and Django's e-mail settings (password reset) at it. Every mail it receives
is kept as an ``.eml`` file (with the SMTP envelope in a ``.json`` beside it) in its
directory, which the product's page "Sent e-mail (demo)" lists. Mail addressed to the
demo mailbox is also handed to its intake (``POST /api/email/inbound`` with the demo
API key), so a customer's answer to an agent's reply threads back onto the contact:
the whole round trip runs on this machine.

    python -m distans.demo.mailcatcher --port 8025 --dir VAR/mailcatcher \\
        [--deliver http://127.0.0.1:8000 --mailbox kontaktcenter@… --api-key-file …]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import signal
import threading
import uuid
from pathlib import Path
from typing import Any


def store(directory: Path, mail_from: str, rcpt_tos: list[str], content: bytes) -> Path:
    """Write one received mail (``.eml`` plus envelope ``.json``); returns the .eml."""
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    stem = f"{now:%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
    envelope = {"mail_from": mail_from, "rcpt_tos": rcpt_tos, "received_at": now.isoformat()}
    eml = directory / f"{stem}.eml"
    partial = directory / f"{stem}.part"
    partial.write_bytes(content)
    (directory / f"{stem}.json").write_text(json.dumps(envelope))
    partial.rename(eml)  # the page lists .eml files only: never a half-written one
    return eml


class CatcherHandler:
    """aiosmtpd handler: keep every mail; hand the demo mailbox's mail to its intake."""

    def __init__(
        self,
        directory: Path,
        deliver_url: str = "",
        mailbox: str = "",
        api_key: str = "",
        api_key_file: Path | None = None,
    ) -> None:
        self.directory = directory
        self.deliver_url = deliver_url.rstrip("/")
        self.mailbox = mailbox.lower()
        self.api_key = api_key
        # The demo starts the catcher before it makes the organisation (whose loading
        # already sends mail), so the key file may appear only later: read it then.
        self.api_key_file = api_key_file

    def _key(self) -> str:
        if not self.api_key and self.api_key_file is not None and self.api_key_file.exists():
            self.api_key = self.api_key_file.read_text().strip()
        return self.api_key

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        data = envelope.original_content or envelope.content or b""
        content = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        rcpt_tos = [str(r) for r in envelope.rcpt_tos]
        await asyncio.to_thread(store, self.directory, str(envelope.mail_from), rcpt_tos, content)
        if self.deliver_url and self.mailbox in {r.lower() for r in rcpt_tos}:
            await self._deliver(content)
        return "250 Message accepted for delivery"

    async def _deliver(self, content: bytes) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {self._key()}", "Content-Type": "message/rfc822"}
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                await client.post(
                    f"{self.deliver_url}/api/email/inbound",
                    params={"mailbox": self.mailbox},
                    content=content,
                    headers=headers,
                )
        except httpx.HTTPError:
            pass  # kept in the catcher all the same; the server may be restarting


def main(argv: list[str] | None = None) -> int:
    from aiosmtpd.controller import Controller

    parser = argparse.ArgumentParser(prog="distans.demo.mailcatcher")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--deliver", default="", help="the demo server's base URL")
    parser.add_argument("--mailbox", default="", help="the demo mailbox's address")
    parser.add_argument("--api-key-file", default="", type=Path)
    args = parser.parse_args(argv)
    handler = CatcherHandler(
        args.dir, args.deliver, args.mailbox, api_key_file=args.api_key_file or None
    )
    controller = Controller(handler, hostname=args.host, port=args.port)
    controller.start()
    print(f"mail catcher: SMTP on {args.host}:{args.port}, keeping mail in {args.dir}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        while not stop.wait(1.0):
            pass
    finally:
        controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
