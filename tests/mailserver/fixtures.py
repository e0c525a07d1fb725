"""Real mail servers for tests: a private Dovecot IMAP server and an aiosmtpd SMTP server.

A pytest plugin module. Fixtures:

* ``imap_server`` (session): a private ``dovecot`` on a free 127.0.0.1 port, with a
  generated configuration in a temporary directory (nothing under /etc is read or
  written): passwd-file users with plaintext test passwords, Maildir storage, no TLS,
  plaintext login allowed. Skips with a one-line reason when ``/usr/sbin/dovecot`` is
  missing (``apt-get install dovecot-imapd``).
* ``imap_user`` (function): a fresh user (address and password) on that server, so
  tests never see each other's mail.
* ``smtp_server`` (function): an aiosmtpd ``Controller`` on a free port that keeps
  every message it receives and, when the recipient is an IMAP user, delivers it into
  that user's INBOX (IMAP APPEND with a ``Return-Path`` header, as an MTA would).

Register it for a whole suite with ``pytest_plugins = ["mailserver.fixtures"]`` in
``tests/conftest.py``. See ``docs/dev/mail.md``.
"""

from __future__ import annotations

import getpass
import grp
import imaplib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DOVECOT_BINARY = os.environ.get("DISTANS_DOVECOT", "/usr/sbin/dovecot")
SKIP_REASON = "dovecot not installed: apt-get install dovecot-imapd"
START_TIMEOUT_SECONDS = 15.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class MailUser:
    """A mailbox on the test IMAP server; ``address`` is also the login name."""

    address: str
    password: str


@dataclass
class ImapServer:
    """A running private Dovecot. ``host``/``port`` speak plain IMAP (no TLS)."""

    host: str
    port: int
    root: Path
    process: subprocess.Popen[bytes]
    mail_uid: int
    mail_gid: int
    users: dict[str, MailUser] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _counter: itertools.count[int] = field(default_factory=itertools.count, repr=False)

    def home(self, address: str) -> Path:
        """The user's home; their Maildir is ``home / "Maildir"``."""
        return self.root / "mail" / address

    def add_user(
        self,
        address: str | None = None,
        password: str = "secret",  # noqa: S107 - a test password on a private test server
    ) -> MailUser:
        """Create a user: one passwd-file per user (``users/<address>``).

        Dovecot re-reads a changed passwd-file at most once a second, so a single file
        would make a user added just after a login unknown for up to a second; a new
        file per user is read on its first lookup.
        """
        with self._lock:
            if address is None:
                address = f"user{next(self._counter)}@distans.test"
            address = address.lower()
            if "/" in address or address in self.users:
                raise ValueError(f"cannot create IMAP user {address!r}")
            user = MailUser(address, password)
            line = (
                f"{address}:{{PLAIN}}{password}:{self.mail_uid}:{self.mail_gid}::"
                f"{self.home(address)}\n"
            )
            path = self.root / "users" / address
            path.write_text(line, encoding="utf-8")
            path.chmod(0o644)
            self.users[address] = user
            return user

    def connect(self, user: MailUser) -> imaplib.IMAP4:
        """A logged-in imaplib connection (close it with ``logout()``)."""
        client = imaplib.IMAP4(self.host, self.port, timeout=10)
        client.login(user.address, user.password)
        return client

    def append(self, user: MailUser, raw: bytes, folder: str = "INBOX") -> None:
        """Put ``raw`` into ``folder`` of ``user`` over IMAP APPEND."""
        client = self.connect(user)
        try:
            if folder != "INBOX":
                client.create(folder)
            status, data = client.append(folder, None, None, raw)
            if status != "OK":
                raise RuntimeError(f"IMAP APPEND failed: {data!r}")
        finally:
            client.logout()

    def clear(self, user: MailUser) -> None:
        """Delete every message in every folder of ``user`` (for reusing a mailbox)."""
        from imap_tools import MailBoxUnencrypted

        with MailBoxUnencrypted(self.host, self.port).login(user.address, user.password) as box:
            for folder in box.folder.list():
                box.folder.set(folder.name)
                uids = box.uids()
                if uids:
                    box.delete(uids)

    def log_tail(self, lines: int = 20) -> str:
        log = self.root / "dovecot.log"
        if not log.exists():
            return ""
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _mail_ids() -> tuple[int, int, str, str]:
    """uid/gid for mail processes and the login/internal service users.

    As a normal user everything runs as that user. As root Dovecot refuses uid 0 for
    mail and for login processes, so Debian's ``dovecot``/``dovenull`` users (created
    by the package) are used, falling back to ``nobody``.
    """
    if os.geteuid() != 0:
        name = getpass.getuser()
        return os.getuid(), os.getgid(), name, name
    for internal in ("dovecot", "nobody"):
        try:
            entry = pwd.getpwnam(internal)
        except KeyError:
            continue
        login = "dovenull" if _user_exists("dovenull") else internal
        return entry.pw_uid, entry.pw_gid, login, internal
    raise RuntimeError("running as root needs a 'dovecot' or 'nobody' user for Dovecot")


def _internal_group() -> str | None:
    """As a normal user the unix sockets must belong to the user's own group (Debian's
    defaults name the ``dovecot`` group, which a normal user cannot chown to)."""
    if os.geteuid() == 0:
        return None
    return grp.getgrgid(os.getgid()).gr_name


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _config(
    root: Path,
    port: int,
    uid: int,
    gid: int,
    login_user: str,
    internal: str,
    internal_group: str | None = None,
) -> str:
    return f"""# generated by tests/mailserver/fixtures.py; private to one test session
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {login_user}
default_internal_user = {internal}
{"" if internal_group is None else f"default_internal_group = {internal_group}"}
first_valid_uid = {uid}
last_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:~/Maildir
mail_fsync = never
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


def _wait_for_greeting(port: int, process: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(64).startswith(b"* OK"):
                    return True
        except OSError:
            time.sleep(0.05)
    return False


def _die_with_parent() -> list[str]:
    """``setpriv --pdeathsig TERM``: Dovecot stops even if pytest is killed outright
    (the signal is sent when the thread that started it dies; pytest sets fixtures up
    in its main thread)."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []


def start_dovecot() -> ImapServer:
    """Start a private Dovecot (see the module docstring); stop it with :func:`stop_dovecot`."""
    uid, gid, login_user, internal = _mail_ids()
    root = Path(tempfile.mkdtemp(prefix="distans-dovecot-"))
    root.chmod(0o755)  # the mail uid (not root) must reach its home below
    for sub in ("run", "state", "mail", "users"):
        (root / sub).mkdir()
    os.chown(root / "mail", uid, gid)
    last_error = ""
    for _attempt in range(3):
        port = free_port()
        (root / "dovecot.conf").write_text(
            _config(root, port, uid, gid, login_user, internal, _internal_group()),
            encoding="utf-8",
        )
        process = subprocess.Popen(
            [*_die_with_parent(), DOVECOT_BINARY, "-F", "-c", str(root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        server = ImapServer("127.0.0.1", port, root, process, uid, gid)
        if _wait_for_greeting(port, process):
            return server
        _terminate(process)
        stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
        last_error = f"{stderr.strip()}\n{server.log_tail()}"
    shutil.rmtree(root, ignore_errors=True)
    raise RuntimeError(f"dovecot did not start:\n{last_error}")


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def stop_dovecot(server: ImapServer) -> None:
    """Stop the server's master process (it stops its children) and delete its files."""
    _terminate(server.process)
    if server.process.stderr is not None:
        server.process.stderr.close()
    if not os.environ.get("DISTANS_KEEP_DOVECOT"):
        shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    """A private Dovecot IMAP server for the whole session (skips without dovecot)."""
    if not Path(DOVECOT_BINARY).exists():
        pytest.skip(SKIP_REASON)
    server = start_dovecot()
    try:
        yield server
    finally:
        stop_dovecot(server)


@pytest.fixture
def imap_user(imap_server: ImapServer) -> MailUser:
    """A new, empty mailbox on the session's IMAP server."""
    return imap_server.add_user()


def build_mail(
    *,
    subject: str = "Fråga",
    body: str = "Hej! Jag har en fråga.",
    sender: str = "Åsa Kund <asa@example.se>",
    to: str = "kundtjanst@distans.test",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A realistic customer mail as bytes, for tests that need one (IMAP APPEND, SMTP)."""
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = message_id or make_msgid(domain="example.se")
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
    if references:
        mail["References"] = references
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    return mail.as_bytes()


# --- SMTP -------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the SMTP server received it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes


@dataclass
class SmtpServer:
    """A running aiosmtpd server that records messages and may deliver them."""

    host: str
    port: int
    messages: list[ReceivedMail] = field(default_factory=list)
    deliver_to: ImapServer | None = None
    delivered: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def wait_for(self, count: int, timeout_seconds: float = 10.0) -> list[ReceivedMail]:
        """Block until ``count`` messages have arrived (or fail after the timeout)."""
        with self.delivered:
            if not self.delivered.wait_for(lambda: len(self.messages) >= count, timeout_seconds):
                raise AssertionError(f"expected {count} messages, got {len(self.messages)}")
            return list(self.messages)


class _RecordingHandler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        data = getattr(envelope, "original_content", None) or getattr(envelope, "content", b"")
        content = data.encode("utf-8") if isinstance(data, str) else bytes(data or b"")
        mail_from = str(getattr(envelope, "mail_from", "") or "")
        rcpt_tos = tuple(str(r) for r in getattr(envelope, "rcpt_tos", ()))
        imap = self.server.deliver_to
        if imap is not None:
            for rcpt in rcpt_tos:
                user = imap.users.get(rcpt.lower())
                if user is not None:
                    imap.append(user, f"Return-Path: <{mail_from}>\r\n".encode() + content)
        with self.server.delivered:
            self.server.messages.append(ReceivedMail(mail_from, rcpt_tos, content))
            self.server.delivered.notify_all()
        return "250 Message accepted for delivery"


def start_smtp(deliver_to: ImapServer | None = None) -> tuple[SmtpServer, object]:
    """Start an aiosmtpd Controller on a free port; returns the server and controller."""
    from aiosmtpd.controller import Controller

    server = SmtpServer("127.0.0.1", free_port(), deliver_to=deliver_to)
    controller = Controller(_RecordingHandler(server), hostname=server.host, port=server.port)
    controller.start()
    return server, controller


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """An SMTP server that records what it receives (no delivery)."""
    server, controller = start_smtp()
    try:
        yield server
    finally:
        controller.stop()  # type: ignore[attr-defined]


@pytest.fixture
def smtp_to_imap(imap_server: ImapServer) -> Iterator[SmtpServer]:
    """An SMTP server that also delivers to users of ``imap_server`` (a full loop)."""
    server, controller = start_smtp(deliver_to=imap_server)
    try:
        yield server
    finally:
        controller.stop()  # type: ignore[attr-defined]
