"""The long-lived fetchers: one thread per mailbox, IDLE or polling; a broken mailbox
records its error and the others keep working."""

from __future__ import annotations

import pytest
from tests.factories import make_organisation, make_queue
from tests.factories_email import make_mailbox
from tests.mailserver.fixtures import build_mail, free_port
from tests.waiting import wait_for

from distans.channels_email import runner
from distans.channels_email.models import Mailbox
from distans.contacts.models import Contact


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("idle", [True, False], ids=["idle", "polling"])
def test_pool_fetches_new_mail_and_survives_a_broken_mailbox(
    imap_server, imap_user, monkeypatch, idle
):  # type: ignore[no-untyped-def]
    from django.db import connection

    if connection.vendor == "sqlite":
        # The in-memory test database is SQLite shared cache: threads get "table is
        # locked" at once instead of waiting. Runs under `make pytest-postgres`; the
        # SQLite-file path is covered by test_email_killsafe.py (fetch_mail's pool).
        pytest.skip("threaded fetcher test: not on the SQLite shared-cache test database")
    if not idle:
        monkeypatch.setattr(runner, "supports_idle", lambda box: False)
    org = make_organisation()
    queue = make_queue(org)
    good = make_mailbox(queue, imap_server, imap_user, auto_acknowledge=False)
    broken = Mailbox.objects.create(
        organisation=org, queue=queue, address="down@distans.test", imap_host="127.0.0.1",
        imap_port=free_port(), imap_username="x", imap_password="y", use_ssl=False,
    )  # fmt: skip
    pool = runner.FetcherPool(idle_seconds=1.0, poll_seconds=0.5)
    try:
        assert pool.sync() == 2
        assert wait_for(lambda: Mailbox.objects.get(pk=broken.pk).last_error != "")
        # Mail that arrives while the fetcher waits (IDLE or poll) is picked up.
        assert wait_for(lambda: Mailbox.objects.get(pk=good.pk).last_fetched_at is not None)
        imap_server.append(imap_user, build_mail(message_id="<while-idle@example.se>"))
        assert wait_for(lambda: Contact.objects.filter(organisation=org).exists())
        assert Mailbox.objects.get(pk=good.pk).last_error == ""
        # Deactivating a mailbox stops its thread at the next sync.
        Mailbox.objects.filter(pk=broken.pk).update(active=False)
        assert pool.sync() == 1
    finally:
        pool.stop(wait_seconds=10.0)
    assert (
        Contact.objects.get(organisation=org).messages.get().external_id
        == "<while-idle@example.se>"
    )
