"""Organisation B cannot deliver mail into organisation A's mailbox (inbound API)."""

from __future__ import annotations

from typing import Any

from django.test import Client
from tests.web.isolation import CASES, Probe, World, denied, must_not_show, world_builder

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


def _caught_mail_of_a(world: World) -> list[Probe]:
    """The demo's mail catcher holds a mail to A's mailbox: B's admin sees neither it
    in the list nor its page."""
    import tempfile
    from email.message import EmailMessage
    from pathlib import Path

    from django.test import override_settings

    from distans.demo.mailcatcher import store

    directory = Path(tempfile.mkdtemp(prefix="caught-"))
    mail = EmailMessage()
    mail["From"] = "kund@example.org"
    mail["To"] = "a-post@example.se"
    mail["Subject"] = "Alfa-hemlis"
    mail.set_content("hej")
    name = store(directory, "kund@example.org", ["a-post@example.se"], bytes(mail)).stem
    catcher = override_settings(DISTANS_MAIL_CATCHER_PORT=2525, DISTANS_MAIL_CATCHER_DIR=directory)
    catcher.enable()

    def last(response: Any, world: World) -> None:
        try:
            denied(response, world)
        finally:
            catcher.disable()

    return [
        Probe("get", "/email/caught/", must_not_show(lambda w: "Alfa-hemlis")),
        Probe("get", f"/email/caught/{name}/", last),
    ]


CASES["channels_email:caught"] = _caught_mail_of_a
CASES["channels_email:caught_one"] = _caught_mail_of_a


def _retry_of_a(world: World) -> list[Probe]:
    """B's person cannot make A's failed mail go (or learn anything about it)."""
    from datetime import timedelta

    from django.utils import timezone

    from distans.channels_email.models import OutgoingMail
    from distans.contacts.models import Message

    message = Message.objects.create(
        organisation=world.org_a, contact=world.extra["active_a"], direction="out", body_text="a"
    )
    world.extra["outgoing_a"] = OutgoingMail.objects.create(
        organisation=world.org_a, message=message, purpose="reply", recipients="kund@example.org",
        subject="Alfa-svar", raw=b"x", status="failed", attempts=1, created_at=timezone.now(),
        next_attempt_at=timezone.now() + timedelta(hours=1), last_error="alfa-fel",
    )  # fmt: skip

    def untouched(response: Any, world: World) -> None:
        assert response.status_code in (403, 404), response.status_code
        assert "alfa-fel" not in response.content.decode()
        row = OutgoingMail.objects.get(pk=world.extra["outgoing_a"].pk)
        assert (row.status, row.attempts) == ("failed", 1)

    return [Probe("post", f"/email/outgoing/{world.extra['outgoing_a'].pk}/retry/", untouched)]


CASES["channels_email:retry_outgoing"] = _retry_of_a
