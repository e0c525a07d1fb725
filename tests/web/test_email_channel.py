"""The e-mail channel against the real test servers (Dovecot IMAP, aiosmtpd SMTP)."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from tests.factories import make_organisation, make_person, make_queue
from tests.factories_email import make_mailbox
from tests.mailserver.fixtures import build_mail

from distans.channels_email.fetcher import fetch_once
from distans.channels_email.ingest import reset_rate_limits
from distans.channels_email.models import InboundMail, Mailbox
from distans.contacts.choices import ContactStatus, MessageDirection
from distans.contacts.models import Contact, Message
from distans.contacts.replies import send_reply

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    reset_rate_limits()


@pytest.fixture
def setup(imap_server, imap_user, smtp_server, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org)
    mailbox = make_mailbox(queue, imap_server, imap_user, smtp_server)

    def fetch():  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            report = fetch_once(Mailbox.objects.get(pk=mailbox.pk))
        return report

    return org, queue, mailbox, fetch


def unseen(imap_server, user) -> list[bytes]:  # type: ignore[no-untyped-def]
    client = imap_server.connect(user)
    try:
        client.select("INBOX")
        return client.uid("SEARCH", "UNSEEN")[1][0].split()
    finally:
        client.logout()


def rich_mail() -> bytes:
    mail = EmailMessage()
    mail["From"] = "Åsa Kund <asa@example.se>"
    mail["To"] = "kundtjanst@distans.test"
    mail["Subject"] = "Faktura saknas"
    mail["Message-ID"] = "<rich-1@example.se>"
    mail.set_content("Hej! Fakturan kom aldrig.")
    mail.add_alternative(
        '<p onclick="steal()">Hej! <b>Fakturan</b> kom aldrig.</p><script>alert(1)</script>',
        subtype="html",
    )
    mail.add_attachment(
        b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="faktura.pdf"
    )
    return mail.as_bytes()


def test_mail_becomes_contact_with_attachment_and_clean_html(
    setup, imap_server, imap_user, smtp_server
):  # type: ignore[no-untyped-def]
    org, queue, mailbox, fetch = setup
    imap_server.append(imap_user, rich_mail())
    report = fetch()
    assert report is not None and report.stored == 1
    contact = Contact.objects.get(organisation=org)
    assert contact.queue_id == queue.pk and contact.channel == "email"
    assert contact.customer_email == "asa@example.se" and contact.customer_name == "Åsa Kund"
    assert contact.subject == "Faktura saknas" and "Fakturan kom aldrig" in contact.body
    message = contact.messages.get(direction=MessageDirection.INBOUND)
    assert message.direction == MessageDirection.INBOUND
    assert message.external_id == "<rich-1@example.se>"
    assert "<b>Fakturan</b>" in message.body_html
    assert "script" not in message.body_html and "onclick" not in message.body_html
    attachment = message.attachments.get()
    assert attachment.filename == "faktura.pdf" and attachment.file.read() == b"%PDF-1.4 fake"
    assert unseen(imap_server, imap_user) == []
    # The acknowledgement reaches the customer with the case number and threading.
    ack = message_from_bytes(smtp_server.wait_for(1)[0].content, policy=policy.default)
    assert f"[#{contact.pk}]" in str(ack["Subject"])
    assert str(ack["In-Reply-To"]) == "<rich-1@example.se>"
    assert str(ack["Auto-Submitted"]) == "auto-replied"
    assert str(contact.pk) in ack.get_body(("plain",)).get_content()
    # Fetching again changes nothing.
    assert fetch().stored == 0
    assert Contact.objects.filter(organisation=org).count() == 1


def test_replies_thread_by_headers_and_by_case_tag(setup, imap_server, imap_user, smtp_server):  # type: ignore[no-untyped-def]
    org, queue, mailbox, fetch = setup
    imap_server.append(imap_user, build_mail(message_id="<first@example.se>"))
    fetch()
    contact = Contact.objects.get(organisation=org)
    imap_server.append(
        imap_user,
        build_mail(
            subject="Re: Fråga",
            body="Glömde en sak.",
            message_id="<second@example.se>",
            in_reply_to="<first@example.se>",
            references="<first@example.se>",
        ),
    )
    imap_server.append(
        imap_user,
        build_mail(
            subject=f"SV: Fråga [#{contact.pk}]",
            body="Och en till.",
            message_id="<third@example.se>",
        ),
    )
    # A stranger typing the tag does not get into the case.
    imap_server.append(
        imap_user,
        build_mail(
            subject=f"Re: [#{contact.pk}]", sender="mallory@example.org", message_id="<m@x>"
        ),
    )
    fetch()
    inbound = contact.messages.filter(direction=MessageDirection.INBOUND)
    assert list(inbound.values_list("external_id", flat=True)) == [
        "<first@example.se>",
        "<second@example.se>",
        "<third@example.se>",
    ]
    assert Contact.objects.filter(organisation=org).count() == 2
    assert Contact.objects.filter(organisation=org, customer_email="mallory@example.org").exists()
    # The customer answers our acknowledgement (references our own Message-ID).
    ack_id = contact.messages.get(direction=MessageDirection.OUTBOUND).external_id
    imap_server.append(imap_user, build_mail(message_id="<fourth@example.se>", in_reply_to=ack_id))
    fetch()
    assert contact.messages.filter(external_id="<fourth@example.se>").exists()


def test_reply_to_completed_contact_opens_linked_contact(setup, imap_server, imap_user):  # type: ignore[no-untyped-def]
    org, queue, mailbox, fetch = setup
    imap_server.append(imap_user, build_mail(message_id="<a1@example.se>"))
    fetch()
    old = Contact.objects.get(organisation=org)
    Contact.objects.filter(pk=old.pk).update(status=ContactStatus.COMPLETED)
    imap_server.append(
        imap_user, build_mail(message_id="<a2@example.se>", in_reply_to="<a1@example.se>")
    )
    imap_server.append(
        imap_user, build_mail(message_id="<a3@example.se>", in_reply_to="<a1@example.se>")
    )
    fetch()
    new = Contact.objects.get(organisation=org, attributes__thread_of=old.pk)
    assert new.status == ContactStatus.WAITING and new.queue_id == queue.pk
    assert list(new.messages.filter(direction="in").values_list("external_id", flat=True)) == [
        "<a2@example.se>",
        "<a3@example.se>",
    ]
    assert Contact.objects.filter(organisation=org).count() == 2


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"Return-Path": "<>"},
    ],
)
def test_automatic_mail_makes_no_contact_and_no_acknowledgement(
    setup, imap_server, imap_user, smtp_server, headers
):  # type: ignore[no-untyped-def]
    org, queue, mailbox, fetch = setup
    imap_server.append(imap_user, build_mail(headers=headers, message_id="<robot@example.se>"))
    report = fetch()
    assert report.stored == 1 and report.acknowledged == 0
    assert not Contact.objects.filter(organisation=org).exists()
    inbound = InboundMail.objects.get(mailbox=mailbox)
    assert inbound.outcome == "ignored" and inbound.raw.read().startswith(b"")
    assert smtp_server.messages == []
    assert unseen(imap_server, imap_user) == []


def test_bounce_report_and_own_mail_are_not_contacts(setup, imap_server, imap_user, smtp_server):  # type: ignore[no-untyped-def]
    org, queue, mailbox, fetch = setup
    bounce = (
        b"From: MAILER-DAEMON@mx.example.se\r\nTo: kundtjanst@distans.test\r\n"
        b"Subject: Undelivered Mail\r\nMessage-ID: <b1@mx>\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nFailed.\r\n--b--\r\n"
    )
    imap_server.append(imap_user, bounce)
    imap_server.append(imap_user, build_mail(sender=mailbox.address, message_id="<own@x>"))
    fetch()
    assert not Contact.objects.filter(organisation=org).exists()
    assert set(InboundMail.objects.values_list("kind", flat=True)) == {"bounce", "own_mailbox"}
    assert smtp_server.messages == []


def test_rate_limited_sender_gets_no_more_acknowledgements(
    setup, imap_server, imap_user, smtp_server
):  # type: ignore[no-untyped-def]
    org, queue, mailbox, fetch = setup
    for n in range(8):
        imap_server.append(
            imap_user, build_mail(subject=f"Fråga {n}", message_id=f"<r{n}@example.se>")
        )
    report = fetch()
    assert report.stored == 8 and report.acknowledged == 5
    # Over the limit: added to the sender's newest open contact, not new contacts.
    assert Contact.objects.filter(organisation=org).count() == 5
    assert Message.objects.filter(organisation=org, direction="in").count() == 8


def test_agent_reply_goes_out_threaded(  # type: ignore[no-untyped-def]
    setup, imap_server, imap_user, smtp_server, django_capture_on_commit_callbacks
):
    org, queue, mailbox, fetch = setup
    imap_server.append(
        imap_user,
        build_mail(
            message_id="<q2@example.se>",
            in_reply_to="<q1@example.se>",
            references="<q1@example.se>",
        ),
    )
    fetch()
    contact = Contact.objects.get(organisation=org)
    agent = make_person(org)
    smtp_server.wait_for(1)
    with django_capture_on_commit_callbacks(execute=True):  # the first attempt: after commit
        stored = send_reply(
            contact,
            agent,
            "Hej Åsa, här är svaret.",
            attachments=(("svar.txt", "text/plain", b"ok"),),
        )
    sent = message_from_bytes(smtp_server.wait_for(2)[1].content, policy=policy.default)
    assert str(sent["In-Reply-To"]) == "<q2@example.se>"
    assert str(sent["References"]).split() == ["<q1@example.se>", "<q2@example.se>"]
    assert str(sent["Subject"]) == f"Re: Fråga [#{contact.pk}]"
    assert str(sent["To"]) == "Åsa Kund <asa@example.se>"
    assert "här är svaret" in sent.get_body(("plain",)).get_content()
    assert [p.get_filename() for p in sent.iter_attachments()] == ["svar.txt"]
    assert stored.direction == MessageDirection.OUTBOUND and stored.author == agent
    assert stored.external_id == str(sent["Message-ID"])
    assert stored.attachments.get().filename == "svar.txt"
    stored.outgoing.refresh_from_db()
    assert (stored.outgoing.status, stored.outgoing.attempts) == ("sent", 1)


def test_malformed_mail_becomes_contact_with_problems(setup, imap_server, imap_user):  # type: ignore[no-untyped-def]
    org, queue, mailbox, fetch = setup
    broken = (
        b"From: =?utf-8?q?broken <kund@example.se\r\nSubject: \xe5\xe4\xf6 trasig\r\n"
        b"Date: not a date\r\nContent-Type: multipart/mixed\r\n\r\nno boundary at all \xff\xfe\r\n"
    )
    imap_server.append(imap_user, broken)
    imap_server.append(imap_user, build_mail(message_id="<after@example.se>"))
    report = fetch()
    assert report.stored == 2
    contacts = Contact.objects.filter(organisation=org).order_by("pk")
    assert contacts.count() == 2
    problems = contacts[0].attributes["mail_problems"]
    assert "missing_message_id" in problems and "invalid_date" in problems
    assert unseen(imap_server, imap_user) == []


def test_too_large_mail_keeps_header_and_notes_it(setup, imap_server, imap_user):  # type: ignore[no-untyped-def]
    org, queue, mailbox, fetch = setup
    Mailbox.objects.filter(pk=mailbox.pk).update(max_message_bytes=2000)
    imap_server.append(imap_user, build_mail(body="x" * 5000, message_id="<big@example.se>"))
    report = fetch()
    assert report.too_large == 1
    contact = Contact.objects.get(organisation=org)
    assert "message_too_large" in contact.attributes["mail_problems"]
    assert InboundMail.objects.get(mailbox=mailbox).truncated


def test_errors_are_recorded_on_the_mailbox_and_others_go_on(setup, imap_server, imap_user):  # type: ignore[no-untyped-def]
    org, queue, mailbox, fetch = setup
    from tests.mailserver.fixtures import free_port

    down = Mailbox.objects.create(
        organisation=org, queue=queue, address="down@distans.test", imap_host="127.0.0.1",
        imap_port=free_port(), imap_username="x", imap_password="y", use_ssl=False,
    )  # fmt: skip
    assert fetch_once(down) is None
    down.refresh_from_db()
    assert down.last_error and down.last_error_at is not None
    # A refused login gets its own line for the admins (not tried against Dovecot here:
    # a failed login slows later logins from the same address for the whole session).
    from imap_tools.errors import MailboxLoginError

    from distans.channels_email.fetcher import error_text

    refused = error_text(MailboxLoginError(("NO", [b"failed"]), "OK"), down)
    assert "lösenord" in refused or "password" in refused
    imap_server.append(imap_user, build_mail())
    assert fetch().stored == 1
