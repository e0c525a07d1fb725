"""The demo's mailbox: mail arrives over the inbound HTTP endpoint (the demo has no
IMAP server), so IMAP fetching is off (``active=False``) and no receipts are sent."""

from __future__ import annotations

from distans.accounts.models import Organisation
from distans.channels_email.models import Mailbox
from distans.demo.data import DEMO_LOADERS, demo_email
from distans.routing.models import Queue

DEMO_MAILBOX_LOCAL = "kontaktcenter"


def load_email_demo(organisation: Organisation) -> None:
    queue = Queue.objects.for_org(organisation).filter(code="allmant").first()
    if queue is None:
        queue = Queue.objects.for_org(organisation).order_by("pk").first()
    if queue is None:
        return
    Mailbox.objects.get_or_create(
        organisation=organisation,
        address=demo_email(DEMO_MAILBOX_LOCAL),
        defaults={
            "queue": queue,
            "active": False,
            "imap_host": "imap.invalid",
            "imap_username": demo_email(DEMO_MAILBOX_LOCAL),
            "from_name": "Västerby kommun",
            "auto_acknowledge": False,
        },
    )


DEMO_LOADERS.append(load_email_demo)
