"""The real test servers work: IMAP append/fetch/IDLE/seen with imap-tools, SMTP loop."""

from __future__ import annotations

import imaplib
import smtplib
import socket
import threading
import time
from email.message import EmailMessage

import pytest
from imap_tools import AND, MailBoxUnencrypted, MailMessageFlags

from mailserver.fixtures import ImapServer, MailUser, SmtpServer, build_mail

pytestmark = pytest.mark.imap


def _mail(subject: str, to: str = "someone@distans.test") -> bytes:
    mail = EmailMessage()
    mail["From"] = "Åsa <asa@example.se>"
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = f"<{abs(hash(subject))}@example.se>"
    mail.set_content("Hej! Jag har en fråga.")
    return mail.as_bytes()


def _login(server: ImapServer, user: MailUser) -> MailBoxUnencrypted:
    return MailBoxUnencrypted(server.host, server.port).login(user.address, user.password)


def test_append_then_fetch_returns_the_message(
    imap_server: ImapServer, imap_user: MailUser
) -> None:
    imap_server.append(imap_user, _mail("Fråga ett"))
    with _login(imap_server, imap_user) as mailbox:
        messages = list(mailbox.fetch(mark_seen=False))
    assert [m.subject for m in messages] == ["Fråga ett"]
    assert messages[0].from_ == "asa@example.se"
    assert "Jag har en fråga" in messages[0].text
    assert (imap_server.home(imap_user.address) / "Maildir").is_dir()


def test_users_do_not_see_each_other(imap_server: ImapServer) -> None:
    first, second = imap_server.add_user(), imap_server.add_user()
    imap_server.append(first, _mail("bara för ett"))
    with _login(imap_server, second) as mailbox:
        assert list(mailbox.fetch()) == []


class _FromOtherLoopbackAddress(imaplib.IMAP4):
    """Connects from 127.0.0.2: Dovecot slows later logins from an address that
    failed one (anvil's auth penalty), which would slow the other tests."""

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return socket.create_connection(
            (self.host, self.port), timeout, source_address=("127.0.0.2", 0)
        )


def test_wrong_password_is_refused(imap_server: ImapServer, imap_user: MailUser) -> None:
    client = _FromOtherLoopbackAddress(imap_server.host, imap_server.port, timeout=10)
    try:
        with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
            client.login(imap_user.address, "fel")
    finally:
        client.shutdown()


def test_mark_seen_is_stored_on_the_server(imap_server: ImapServer, imap_user: MailUser) -> None:
    imap_server.append(imap_user, _mail("ett"))
    imap_server.append(imap_user, _mail("två"))
    with _login(imap_server, imap_user) as mailbox:
        first_uid = next(mailbox.fetch(AND(subject="ett"), mark_seen=False)).uid
        assert first_uid is not None
        mailbox.flag(first_uid, MailMessageFlags.SEEN, True)
    with _login(imap_server, imap_user) as mailbox:  # a new session sees the flag
        unseen = [m.subject for m in mailbox.fetch(AND(seen=False), mark_seen=False)]
    assert unseen == ["två"]


def test_idle_wakes_up_when_a_message_arrives(imap_server: ImapServer, imap_user: MailUser) -> None:
    assert "IDLE" in imaplib_capabilities(imap_server, imap_user)
    with _login(imap_server, imap_user) as mailbox:
        timer = threading.Timer(0.5, imap_server.append, (imap_user, _mail("ny")))
        started = time.monotonic()
        with mailbox.idle as idle:
            timer.start()
            responses = idle.poll(timeout=30)
        timer.join()
        assert time.monotonic() - started < 30, "IDLE did not wake up before its timeout"
        assert any(b"EXISTS" in r for r in responses)
        assert [m.subject for m in mailbox.fetch(mark_seen=False)] == ["ny"]


def imaplib_capabilities(server: ImapServer, user: MailUser) -> tuple[str, ...]:
    client = server.connect(user)
    try:
        return tuple(client.capabilities)
    finally:
        client.logout()


def test_smtp_server_records_what_it_receives(smtp_server: SmtpServer) -> None:
    with smtplib.SMTP(smtp_server.host, smtp_server.port, timeout=10) as client:
        client.sendmail("kundtjanst@kommun.test", ["asa@example.se"], _mail("svar"))
    [received] = smtp_server.wait_for(1)
    assert received.mail_from == "kundtjanst@kommun.test"
    assert received.rcpt_tos == ("asa@example.se",)
    assert b"Subject: svar" in received.content


def test_smtp_delivers_into_the_imap_mailbox(
    smtp_to_imap: SmtpServer, imap_server: ImapServer, imap_user: MailUser
) -> None:
    with smtplib.SMTP(smtp_to_imap.host, smtp_to_imap.port, timeout=10) as client:
        client.sendmail("asa@example.se", [imap_user.address], _mail("via smtp", imap_user.address))
    smtp_to_imap.wait_for(1)
    with _login(imap_server, imap_user) as mailbox:
        [message] = list(mailbox.fetch(mark_seen=False))
    assert message.subject == "via smtp"
    assert message.headers["return-path"] == ("<asa@example.se>",)


def test_clear_empties_every_folder(imap_server: ImapServer, imap_user: MailUser) -> None:
    imap_server.append(imap_user, build_mail(subject="inkorg"))
    imap_server.append(imap_user, build_mail(subject="arkiv"), folder="Arkiv")
    imap_server.clear(imap_user)
    with _login(imap_server, imap_user) as mailbox:
        assert list(mailbox.fetch()) == []
        mailbox.folder.set("Arkiv")
        assert list(mailbox.fetch()) == []
