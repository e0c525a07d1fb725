"""Loss-free intake: SIGKILL the fetcher process at random moments; nothing is lost
or stored twice, and every message ends up \\Seen on the real IMAP server.

The fetcher runs as `django-admin fetch_mail` in a child process on its own SQLite
file database (the test's own database lives in a transaction the child cannot see).
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.mailserver.fixtures import build_mail

MESSAGES = 60
KILLS = 6

SETUP = """
import django, sys
django.setup()
from distans.accounts.models import Organisation
from distans.routing.models import Queue
from distans.channels_email.models import Mailbox
org = Organisation.objects.create(name="Kill", slug="kill")
queue = Queue.objects.create(organisation=org, name="E-post", code="epost", always_open=True)
Mailbox.objects.create(organisation=org, queue=queue, address=sys.argv[1], imap_host="127.0.0.1",
    imap_port=int(sys.argv[2]), imap_username=sys.argv[1], imap_password=sys.argv[3],
    use_ssl=False, auto_acknowledge=False)
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="distans.config.settings",
        DISTANS_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/kill.sqlite3",
        DISTANS_EMAIL_FETCH="0",
    )
    env.pop("REDIS_URL", None)
    return env


def _django_admin(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "django", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as connection:
            return int(
                connection.execute("select count(*) from channels_email_inboundmail").fetchone()[0]
            )
    except sqlite3.OperationalError:
        return 0


def test_sigkill_at_any_moment_loses_and_duplicates_nothing(imap_server, imap_user, tmp_path):  # type: ignore[no-untyped-def]
    env = _env(tmp_path)
    db = tmp_path / "kill.sqlite3"
    assert _django_admin(env, "migrate", "-v0").wait(timeout=300) == 0
    setup = subprocess.run(
        [sys.executable, "-c", SETUP, imap_user.address, str(imap_server.port), imap_user.password],
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert setup.returncode == 0, setup.stderr.decode()
    ids = [f"<kill-{n}@example.se>" for n in range(MESSAGES)]
    chooser = random.Random(4)
    pending = list(enumerate(ids))
    interrupted = 0  # kills that landed while mail was still waiting
    appended = 0
    for _kill in range(KILLS):
        for n, message_id in pending[: MESSAGES // KILLS]:
            imap_server.append(
                imap_user,
                build_mail(sender=f"kund{n}@example.se", message_id=message_id, body=f"nr {n}"),
            )
        pending = pending[MESSAGES // KILLS :]
        appended += MESSAGES // KILLS
        before = _stored(db)
        child = _django_admin(env, "fetch_mail", "--idle-seconds", "1", "--sync-seconds", "0.2")
        target = before + chooser.randint(0, MESSAGES // KILLS - 1)
        deadline = time.monotonic() + 60
        while _stored(db) < target and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.002)
        time.sleep(chooser.uniform(0, 0.05))
        child.send_signal(signal.SIGKILL)
        interrupted += int(_stored(db) < appended)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL, (
            child.stderr.read().decode() if child.stderr else ""
        )
    assert interrupted >= KILLS // 2, interrupted
    final = _django_admin(env, "fetch_mail", "--once")
    assert final.wait(timeout=120) == 0, final.stderr.read().decode() if final.stderr else ""

    with sqlite3.connect(db) as connection:
        inbound = [
            r[0]
            for r in connection.execute("select rfc_message_id from channels_email_inboundmail")
        ]
        messages = [
            r[0]
            for r in connection.execute(
                "select external_id from contacts_message where direction='in'"
            )
        ]
        contacts = connection.execute("select count(*) from contacts_contact").fetchone()[0]
    assert sorted(inbound) == sorted(ids)
    assert sorted(messages) == sorted(ids)
    assert contacts == MESSAGES
    client = imap_server.connect(imap_user)
    try:
        client.select("INBOX")
        assert client.uid("SEARCH", "UNSEEN")[1][0].split() == []
        assert len(client.uid("SEARCH", "ALL")[1][0].split()) == MESSAGES
    finally:
        client.logout()
