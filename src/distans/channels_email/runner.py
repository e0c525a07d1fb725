"""Long-lived fetchers: one thread and one IMAP connection per active mailbox.

Each thread fetches a pass, then waits in IMAP IDLE (RFC 2177) for the server to
announce new mail — or sleeps ``poll_seconds`` when the server has no IDLE — and
fetches again. IDLE is renewed every ``idle_seconds`` (RFC 2177 asks for less than
29 minutes). A failing mailbox records its error and retries with a growing pause
(up to ``MAX_BACKOFF_SECONDS``); the other threads are untouched. Lag therefore does
not grow with the number of mailboxes: each has its own connection and waits on its
own socket. :class:`FetcherPool` starts and stops threads to match the active
mailboxes; the periodic job in ``tasks.py`` calls :meth:`FetcherPool.sync`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import close_old_connections

from distans.channels_email.fetcher import (
    clear_error,
    connect,
    fetch_new_mail,
    record_error,
    supports_idle,
)
from distans.channels_email.models import Mailbox

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300.0


class MailboxFetcher(threading.Thread):
    """The thread of one mailbox (see the module docstring)."""

    def __init__(
        self,
        mailbox_id: int,
        *,
        idle_seconds: float = 60.0,
        poll_seconds: float = 30.0,
        on_pass: Callable[[int, Any], None] | None = None,
    ) -> None:
        super().__init__(name=f"distans-mail-{mailbox_id}", daemon=True)
        self.mailbox_id = mailbox_id
        self.idle_seconds = idle_seconds
        self.poll_seconds = poll_seconds
        self.on_pass = on_pass
        self.stop_event = threading.Event()

    def stop(self) -> None:
        self.stop_event.set()

    def run(self) -> None:
        backoff = 5.0
        while not self.stop_event.is_set():
            mailbox = Mailbox.objects.filter(pk=self.mailbox_id, active=True).first()
            close_old_connections()
            if mailbox is None:
                return
            try:
                self._serve(mailbox)
                backoff = 5.0
            except Exception as error:
                logger.warning("mailbox %s: %s", mailbox.address, error)
                record_error(mailbox, error)
                close_old_connections()
                self.stop_event.wait(backoff)
                backoff = min(MAX_BACKOFF_SECONDS, backoff * 2)

    def _serve(self, mailbox: Mailbox) -> None:
        box = connect(mailbox)
        try:
            idle = supports_idle(box)
            while not self.stop_event.is_set():
                report = fetch_new_mail(mailbox, box)
                if not report.send_failed:
                    clear_error(mailbox)
                close_old_connections()
                if self.on_pass is not None:
                    self.on_pass(self.mailbox_id, report)
                if not Mailbox.objects.filter(pk=mailbox.pk, active=True).exists():
                    return
                close_old_connections()
                if idle:
                    box.idle.wait(timeout=self.idle_seconds)
                else:
                    self.stop_event.wait(self.poll_seconds)
        finally:
            try:
                box.logout()
            except Exception:  # noqa: S110 - the connection may already be gone
                pass


class FetcherPool:
    """Threads for the active mailboxes, started and stopped by :meth:`sync`."""

    def __init__(self, **fetcher_options: Any) -> None:
        self.fetchers: dict[int, MailboxFetcher] = {}
        self.options = fetcher_options
        self.lock = threading.Lock()

    def sync(self) -> int:
        """Start a thread for every active mailbox without a live one, stop the
        threads of inactive or deleted mailboxes; returns how many run."""
        active = set(Mailbox.objects.filter(active=True).values_list("pk", flat=True))
        with self.lock:
            for mailbox_id, fetcher in list(self.fetchers.items()):
                if mailbox_id not in active or not fetcher.is_alive():
                    fetcher.stop()
                    del self.fetchers[mailbox_id]
            for mailbox_id in active - set(self.fetchers):
                fetcher = MailboxFetcher(mailbox_id, **self.options)
                self.fetchers[mailbox_id] = fetcher
                fetcher.start()
            return len(self.fetchers)

    def stop(self, wait_seconds: float = 0.0) -> None:
        """Ask every thread to stop (a thread in IDLE notices within ``idle_seconds``);
        wait up to ``wait_seconds`` for them."""
        with self.lock:
            fetchers = list(self.fetchers.values())
            self.fetchers.clear()
        for fetcher in fetchers:
            fetcher.stop()
        deadline = time.monotonic() + wait_seconds
        for fetcher in fetchers:
            fetcher.join(max(0.0, deadline - time.monotonic()))
