"""The e-mail fetchers, kept running by a periodic job (see runner.py)."""

from __future__ import annotations

import os

from distans.background import every
from distans.channels_email.runner import FetcherPool

pool = FetcherPool()


@every(15.0)
def keep_mail_fetchers_running() -> None:
    """Start/stop one fetcher thread per active mailbox (DISTANS_EMAIL_FETCH=0 turns
    fetching off in this process, e.g. when a dedicated `fetch_mail` process runs)."""
    if os.environ.get("DISTANS_EMAIL_FETCH", "1") == "0":
        return
    pool.sync()


@every(5.0)
def send_outgoing_mail() -> None:
    """Attempt the outbox's mail that is due (first attempts the request missed and
    retries after failures, see outbox.py)."""
    from distans.channels_email.outbox import send_due_mail

    send_due_mail()
