"""Run the e-mail fetchers in their own process: `django-admin fetch_mail`."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from distans.channels_email.fetcher import fetch_once
from distans.channels_email.models import Mailbox
from distans.channels_email.runner import FetcherPool


class Command(BaseCommand):
    help = "Fetch mail from the active mailboxes (one thread per mailbox, IDLE or polling)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one pass over each mailbox")
        parser.add_argument("--idle-seconds", type=float, default=60.0)
        parser.add_argument("--poll-seconds", type=float, default=30.0)
        parser.add_argument("--sync-seconds", type=float, default=15.0)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            for mailbox in Mailbox.objects.filter(active=True):
                report = fetch_once(mailbox)
                self.stdout.write(f"{mailbox.address}: {report or mailbox.last_error}")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        pool = FetcherPool(
            idle_seconds=options["idle_seconds"], poll_seconds=options["poll_seconds"]
        )
        try:
            while not stop.is_set():
                pool.sync()
                stop.wait(options["sync_seconds"])
        except KeyboardInterrupt:
            pass
        finally:
            pool.stop()
