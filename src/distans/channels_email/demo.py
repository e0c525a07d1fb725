"""The demo's mailbox: mail arrives over the inbound HTTP endpoint (the demo has no
IMAP server), so IMAP fetching is off (``active=False``) and no receipts are sent.
Replies go out over SMTP to the demo's mail catcher on localhost
(``distans.demo.mailcatcher``, port ``DISTANS_MAIL_CATCHER_PORT``), which hands mail
addressed to this mailbox back to the inbound endpoint."""

from __future__ import annotations

from django.conf import settings

from distans.accounts.models import Organisation
from distans.channels_email.models import Mailbox
from distans.demo.data import DEMO_LOADERS, demo_email
from distans.routing.models import Queue

DEMO_MAILBOX_LOCAL = "kontaktcenter"


def demo_mailbox_address() -> str:
    return demo_email(DEMO_MAILBOX_LOCAL)


def load_email_demo(organisation: Organisation) -> None:
    queue = Queue.objects.for_org(organisation).filter(code="allmant").first()
    if queue is None:
        queue = Queue.objects.for_org(organisation).order_by("pk").first()
    if queue is None:
        return
    mailbox, _created = Mailbox.objects.get_or_create(
        organisation=organisation,
        address=demo_mailbox_address(),
        defaults={
            "queue": queue,
            "active": False,
            "imap_host": "imap.invalid",
            "imap_username": demo_email(DEMO_MAILBOX_LOCAL),
            "from_name": "Västerby kommun",
            "auto_acknowledge": False,
        },
    )
    port = settings.DISTANS_MAIL_CATCHER_PORT
    if port:  # sending through the catcher `distans demo` runs beside the server
        mailbox.smtp_host, mailbox.smtp_port, mailbox.smtp_use_tls = "127.0.0.1", port, False
        mailbox.save(update_fields=["smtp_host", "smtp_port", "smtp_use_tls"])


DEMO_LOADERS.append(load_email_demo)
