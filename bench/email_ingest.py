"""E-mail intake benchmark against a real Dovecot (started like the test fixture).

1. Throughput: ``--burst`` mails APPENDed to one mailbox, then one fetch pass:
   messages/s end to end (IMAP UNSEEN search, size check, download, parse, contact +
   message + raw file committed, \\Seen stored). No acknowledgements (no SMTP).
2. Steady inflow: ``--mailboxes`` mailboxes, each with its own fetcher thread (IMAP
   IDLE), while an appender spreads ``--rate`` mails/s over them for ``--seconds``.
   Lag = contact created (``Contact.enqueued_at``, set in the committing transaction)
   − APPEND start time (carried in the Message-ID). p50/p99 over the first and the last
   fifth of the run: a growing lag would show as end ≫ start.

Prints one JSON object. Database: a fresh SQLite file in a temp dir unless
DATABASE_URL is set (then it must be an empty database you can migrate).

    .venv/bin/python bench/email_ingest.py --burst 500 --mailboxes 80 --rate 10 --seconds 120
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)


def setup_django(var_dir: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distans.config.settings")
    os.environ["DISTANS_VAR_DIR"] = var_dir
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{var_dir}/bench.sqlite3")
    os.environ["DISTANS_EMAIL_FETCH"] = "0"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def burst(server, queue, count: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from distans.channels_email.fetcher import fetch_once
    from distans.channels_email.models import Mailbox
    from mailserver.fixtures import build_mail

    user = server.add_user()
    mailbox = Mailbox.objects.create(
        organisation_id=queue.organisation_id, queue=queue, address=user.address,
        imap_host=server.host, imap_port=server.port, imap_username=user.address,
        imap_password=user.password, use_ssl=False, auto_acknowledge=False,
    )  # fmt: skip
    client = server.connect(user)
    for n in range(count):
        raw = build_mail(sender=f"kund{n}@example.se", subject=f"Fråga {n}", body="Hej! " * 40)
        client.append("INBOX", None, None, raw)
    client.logout()
    started = time.perf_counter()
    report = fetch_once(mailbox)
    seconds = time.perf_counter() - started
    assert report is not None and report.stored == count, (report, mailbox.last_error)
    return {
        "messages": count,
        "seconds": round(seconds, 2),
        "messages_per_second": round(count / seconds, 1),
    }


def steady(server, queue, mailboxes: int, rate: float, seconds: float) -> dict[str, object]:  # type: ignore[no-untyped-def]
    from distans.channels_email.models import Mailbox
    from distans.channels_email.runner import FetcherPool
    from distans.contacts.models import Message
    from mailserver.fixtures import build_mail

    users = [server.add_user() for _ in range(mailboxes)]
    for user in users:
        Mailbox.objects.create(
            organisation_id=queue.organisation_id, queue=queue, address=user.address,
            imap_host=server.host, imap_port=server.port, imap_username=user.address,
            imap_password=user.password, use_ssl=False, auto_acknowledge=False,
        )  # fmt: skip
    pool = FetcherPool(idle_seconds=60.0)
    pool.sync()
    time.sleep(3.0)  # every thread logged in and idling
    chooser = random.Random(7)
    sent = 0
    started = time.time()
    while (now := time.time()) - started < seconds:
        user = chooser.choice(users)
        raw = build_mail(sender=f"s{sent}@example.se", message_id=f"<lag-{now:.6f}-{sent}@bench>")
        server.append(user, raw)
        sent += 1
        time.sleep(max(0.0, started + sent / rate - time.time()))
    deadline = time.time() + 120
    prefix = "<lag-"
    while time.time() < deadline:
        done = Message.objects.filter(external_id__startswith=prefix).count()
        if done >= sent:
            break
        time.sleep(0.5)
    pool.stop()
    rows = Message.objects.filter(external_id__startswith=prefix).values_list(
        "external_id", "contact__enqueued_at"
    )
    lags: list[tuple[float, float]] = []
    for external_id, committed in rows:
        appended = float(external_id.split("-")[1])
        lags.append((appended - started, committed.timestamp() - appended))
    fifth = seconds / 5
    first = [lag for at, lag in lags if at < fifth]
    last = [lag for at, lag in lags if at >= seconds - fifth]
    return {
        "mailboxes": mailboxes,
        "rate_per_second": rate,
        "seconds": seconds,
        "appended": sent,
        "stored": len(lags),
        "lag_seconds_start": {"p50": percentile(first, 0.5), "p99": percentile(first, 0.99)},
        "lag_seconds_end": {"p50": percentile(last, 0.5), "p99": percentile(last, 0.99)},
        "lag_seconds_p50_p99_per_30s": [
            [
                percentile([lag for at, lag in lags if start <= at < start + 30], 0.5),
                percentile([lag for at, lag in lags if start <= at < start + 30], 0.99),
            ]
            for start in range(0, int(seconds), 30)
        ],
        "lag_seconds_all_mean": round(statistics.fmean(lag for _, lag in lags), 3)
        if lags
        else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--burst", type=int, default=500)
    parser.add_argument("--mailboxes", type=int, default=80)
    parser.add_argument("--rate", type=float, default=10.0, help="mails per second, all mailboxes")
    parser.add_argument("--seconds", type=float, default=120.0)
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="distans-email-bench-")
    setup_django(var_dir)
    from distans.accounts.models import Organisation
    from distans.routing.models import Queue
    from mailserver.fixtures import start_dovecot, stop_dovecot

    org = Organisation.objects.create(name="Bench", slug=f"bench-{os.getpid()}")
    queue = Queue.objects.create(organisation=org, name="E-post", code="epost", always_open=True)
    server = start_dovecot()
    try:
        result = {
            "database": os.environ["DATABASE_URL"].split(":", 1)[0],
            "burst": burst(server, queue, args.burst),
            "steady": steady(server, queue, args.mailboxes, args.rate, args.seconds),
        }
    finally:
        stop_dovecot(server)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
