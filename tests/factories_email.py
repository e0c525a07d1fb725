"""Factories for the e-mail channel: a Mailbox pointing at the test mail servers."""

from __future__ import annotations

from typing import Any

from distans.channels_email.models import Mailbox


def make_mailbox(
    queue: Any, imap_server: Any, user: Any, smtp: Any = None, **fields: Any
) -> Mailbox:
    """A mailbox on ``imap_server`` for ``user`` (plain IMAP on loopback), sending
    through ``smtp`` (a tests.mailserver SmtpServer) when given."""
    fields.setdefault("address", user.address)
    return Mailbox.objects.create(
        organisation_id=queue.organisation_id,
        queue=queue,
        imap_host=imap_server.host,
        imap_port=imap_server.port,
        imap_username=user.address,
        imap_password=user.password,
        use_ssl=False,
        smtp_host=smtp.host if smtp is not None else "",
        smtp_port=smtp.port if smtp is not None else 25,
        smtp_use_tls=False,
        from_name="Kundtjänst",
        **fields,
    )
