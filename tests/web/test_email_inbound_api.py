"""Inbound mail over HTTP (a mail system's webhook, and the demo's front door)."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.factories import make_organisation, make_person, make_queue
from tests.mailserver.fixtures import build_mail

from distans.accounts.actions import do_create_api_token
from distans.channels_email.ingest import reset_rate_limits
from distans.channels_email.models import InboundMail, Mailbox
from distans.contacts.models import Contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    reset_rate_limits()
    org = make_organisation()
    queue = make_queue(org)
    mailbox = Mailbox.objects.create(
        organisation=org, queue=queue, address="post@kommun.example", imap_host="imap.invalid",
        imap_username="post", imap_password="x", active=False, auto_acknowledge=False,
    )  # fmt: skip
    key, _ = do_create_api_token(org, "mail", scopes=["mail.inbound"])
    client = Client(headers={"Authorization": f"Bearer {key}"})

    def post(raw: bytes, address: str = "post@kommun.example"):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                f"/api/email/inbound?mailbox={address}", raw, content_type="message/rfc822"
            )

    return org, queue, mailbox, post


def test_inbound_mail_becomes_contact_once(api) -> None:  # type: ignore[no-untyped-def]
    org, queue, mailbox, post = api
    raw = build_mail(subject="Sophämtning", message_id="<in-1@example.se>")
    first = post(raw)
    assert first.status_code == 202, first.content
    assert first.json()["outcome"] == "contact" and first.json()["duplicate"] is False
    contact = Contact.objects.get(organisation=org)
    assert contact.pk == first.json()["contact_id"] and contact.queue_id == queue.pk
    assert contact.subject == "Sophämtning"
    again = post(raw)
    assert again.status_code == 202 and again.json()["duplicate"] is True
    assert Contact.objects.filter(organisation=org).count() == 1


def test_inbound_auto_reply_and_errors(api) -> None:  # type: ignore[no-untyped-def]
    org, queue, mailbox, post = api
    robot = post(build_mail(headers={"Auto-Submitted": "auto-replied"}))
    assert robot.status_code == 202 and robot.json()["outcome"] == "ignored"
    assert not Contact.objects.filter(organisation=org).exists()
    assert post(build_mail(), address="nobody@kommun.example").status_code == 404
    assert post(b"  ").status_code == 400
    Mailbox.objects.filter(pk=mailbox.pk).update(max_message_bytes=100)
    assert post(build_mail()).status_code == 413
    assert InboundMail.objects.filter(mailbox=mailbox).count() == 1


def test_inbound_needs_an_api_key(api) -> None:  # type: ignore[no-untyped-def]
    org, queue, mailbox, post = api
    client = Client()
    client.force_login(make_person(org, is_org_admin=True))
    response = client.post(
        "/api/email/inbound?mailbox=post@kommun.example",
        build_mail(),
        content_type="message/rfc822",
    )
    assert response.status_code in (401, 403)
    assert not InboundMail.objects.exists()


def test_every_parse_problem_has_a_label() -> None:
    from distans.channels_email.texts import PROBLEM_LABELS
    from distans.core.mail.problems import ParseProblem

    assert {str(p) for p in ParseProblem} | {"message_too_large"} == set(PROBLEM_LABELS)


def test_inbound_mail_up_to_the_mailboxs_limit_is_taken_beyond_djangos_default(api) -> None:  # type: ignore[no-untyped-def]
    """Django refuses request bodies over 2.5 MiB by default; a mailbox takes 40 MiB."""
    org, queue, mailbox, post = api
    attachment = "A" * (5 * 1024 * 1024)  # a 5 MiB text part, far past 2.5 MiB
    raw = build_mail(subject="Ritningar", body=f"Här är ritningen.\n{attachment}", message_id="<big-1@example.se>")
    assert len(raw) > 5 * 1024 * 1024
    response = post(raw)
    assert response.status_code == 202, response.content[:300]
    assert Contact.objects.filter(organisation=org, subject="Ritningar").count() == 1
    Mailbox.objects.filter(pk=mailbox.pk).update(max_message_bytes=4 * 1024 * 1024)
    too_big = post(build_mail(body=attachment, message_id="<big-2@example.se>"))
    assert too_big.status_code == 413 and too_big.json()["code"] == "too_large"
    assert InboundMail.objects.filter(mailbox=mailbox).count() == 1


def test_inbound_mail_with_nul_bytes_and_broken_encodings_is_stored_cleaned(api) -> None:  # type: ignore[no-untyped-def]
    """A received mail is never refused for its text: NUL bytes and bytes that are not
    valid in the declared charset are replaced, the mail becomes a contact."""
    org, queue, mailbox, post = api
    raw = (
        b"From: =?utf-8?q?=C3=85sa?= <asa@example.se>\r\nTo: post@kommun.example\r\n"
        b"Subject: Fr\x00aga \xe5\xe4\xf6\r\nMessage-ID: <nul-1@example.se>\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nHej\x00 d\xe4r \xed\xa0\x80 slut\r\n"
    )
    response = post(raw)
    assert response.status_code == 202, response.content
    contact = Contact.objects.get(organisation=org)
    assert "\x00" not in contact.subject
    message = contact.messages.get()
    assert "\x00" not in message.body_text and "slut" in message.body_text
