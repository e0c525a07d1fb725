"""Organisation B cannot deliver mail into organisation A's mailbox (inbound API)."""

from __future__ import annotations

from typing import Any

from django.test import Client
from tests.web.isolation import CASES, Probe, World, world_builder

from distans.accounts.actions import do_create_api_token
from distans.channels_email.models import InboundMail, Mailbox

RAW = b"From: b@example.org\r\nSubject: probe\r\nMessage-ID: <probe@b>\r\n\r\nhej\r\n"


@world_builder
def _email_world(world: World) -> None:
    world.extra["mailbox_a"] = Mailbox.objects.create(
        organisation=world.org_a, queue=world.extra["queue_a"], address="a-post@example.se",
        imap_host="imap.invalid", imap_username="a", imap_password="a-secret", active=False,
    )  # fmt: skip
    world.extra["email_key_b"] = do_create_api_token(world.org_b, "mail-b", scopes=["mail.inbound"])[0]


def _nothing_delivered(response: Any, world: World) -> None:
    assert response.status_code in (401, 403, 404)
    client = Client(headers={"Authorization": f"Bearer {world.extra['email_key_b']}"})
    answer = client.post(
        "/api/email/inbound?mailbox=a-post@example.se", RAW, content_type="message/rfc822"
    )
    assert answer.status_code == 404
    assert "a-secret" not in answer.content.decode()
    assert not InboundMail.objects.filter(mailbox=world.extra["mailbox_a"]).exists()


# B's person posts first (refused: API keys only), then the check repeats it with B's key.
CASES["api:email_inbound"] = lambda w: [
    Probe("post", "/api/email/inbound?mailbox=a-post@example.se", _nothing_delivered, {}, True)
]
