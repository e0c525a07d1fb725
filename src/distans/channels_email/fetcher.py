"""IMAP fetching: one connection per mailbox, commit first, then flag \\Seen.

One pass (:func:`fetch_new_mail`): search UNSEEN, read every message's size
(``RFC822.SIZE``) before downloading, download with ``BODY.PEEK[]`` (which leaves the
flags alone) — or only ``BODY.PEEK[HEADER]`` for a message over the mailbox's limit —,
store it in one transaction (:func:`~distans.channels_email.ingest.ingest_mail`) and
only after that commit set ``\\Seen``. A fetcher killed between the commit and the flag
finds the message unseen again; the (mailbox, Message-ID) record makes the second
store a no-op and the flag is set then. The acknowledgement is sent after the flag,
so it goes out at most once.
"""

from __future__ import annotations

import logging
import re
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from imap_tools import AND, MailBox, MailBoxUnencrypted
from imap_tools.errors import MailboxLoginError

from distans.channels_email.ingest import IngestResult, ingest_mail
from distans.channels_email.models import Mailbox
from distans.channels_email.outbound import send_acknowledgement

logger = logging.getLogger(__name__)

IMAP_TIMEOUT_SECONDS = 30
FETCH_BATCH = 25
_SIZE = re.compile(rb"UID (\d+).*?RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+).*?UID (\d+)")
_UID = re.compile(rb"UID (\d+)")


@dataclass
class PassReport:
    """What one pass over a mailbox did."""

    stored: int = 0
    duplicates: int = 0
    too_large: int = 0
    acknowledged: int = 0
    send_failed: bool = False


def connect(mailbox: Mailbox) -> Any:
    """A logged-in imap-tools connection with the mailbox's folder selected."""
    box: Any
    if mailbox.use_ssl:
        box = MailBox(
            mailbox.imap_host,
            mailbox.imap_port,
            timeout=IMAP_TIMEOUT_SECONDS,
            ssl_context=ssl.create_default_context(),
        )
    else:
        box = MailBoxUnencrypted(mailbox.imap_host, mailbox.imap_port, timeout=IMAP_TIMEOUT_SECONDS)
    try:
        box.login(mailbox.imap_username, mailbox.imap_password, initial_folder=mailbox.folder)
    except BaseException:
        try:
            box.logout()
        except Exception:  # noqa: S110 - already failing; the login error is what counts
            pass
        raise
    return box


def supports_idle(box: Any) -> bool:
    return "IDLE" in getattr(box.client, "capabilities", ())


def _sizes(box: Any, uids: list[str]) -> dict[int, int]:
    status, data = box.client.uid("FETCH", ",".join(uids), "(RFC822.SIZE)")
    sizes: dict[int, int] = {}
    for line in data if status == "OK" else ():
        if isinstance(line, bytes) and (found := _SIZE.search(line)):
            uid, size = (found.group(1), found.group(2)) if found.group(1) else found.group(4, 3)
            sizes[int(uid)] = int(size)
    return sizes


def _download(box: Any, uids: list[int], part: str) -> dict[int, bytes]:
    status, data = box.client.uid("FETCH", ",".join(map(str, uids)), f"(UID {part})")
    found: dict[int, bytes] = {}
    for item in data if status == "OK" else ():
        if isinstance(item, tuple) and (uid := _UID.search(item[0])):
            found[int(uid.group(1))] = bytes(item[1])
    return found


def _mark_seen(box: Any, uid: int) -> None:
    box.client.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Seen)")


def _uidvalidity(box: Any, mailbox: Mailbox) -> None:
    validity = box.folder.status(mailbox.folder, ["UIDVALIDITY"]).get("UIDVALIDITY")
    if validity is not None and validity != mailbox.uidvalidity:
        Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=validity, last_uid=0)
        mailbox.uidvalidity, mailbox.last_uid = validity, 0


def _after_commit(
    box: Any, mailbox: Mailbox, uid: int, result: IngestResult, report: PassReport
) -> None:
    _mark_seen(box, uid)
    if result.duplicate:
        report.duplicates += 1
        return
    report.stored += 1
    if result.acknowledge and result.parsed is not None and result.contact_id is not None:
        try:
            if send_acknowledgement(mailbox, result.parsed, result.contact_id, result.inbound_id):
                report.acknowledged += 1
        except Exception as error:  # an SMTP problem must not stop the intake
            logger.warning("acknowledgement from %s failed: %s", mailbox.address, error)
            record_error(mailbox, error, sending=True)
            report.send_failed = True


def fetch_new_mail(mailbox: Mailbox, box: Any) -> PassReport:
    """One pass over the unseen messages of an open connection (see module doc)."""
    report = PassReport()
    _uidvalidity(box, mailbox)
    uids = sorted(int(u) for u in box.uids(AND(seen=False)))
    for start in range(0, len(uids), FETCH_BATCH):
        batch = [str(u) for u in uids[start : start + FETCH_BATCH]]
        sizes = _sizes(box, batch)
        small = [int(u) for u in batch if sizes.get(int(u), 0) <= mailbox.max_message_bytes]
        large = [int(u) for u in batch if sizes.get(int(u), 0) > mailbox.max_message_bytes]
        raws = _download(box, small, "BODY.PEEK[]") if small else {}
        heads = _download(box, large, "BODY.PEEK[HEADER]") if large else {}
        for uid in sorted(raws) + sorted(heads):
            truncated = uid in heads
            raw = heads[uid] if truncated else raws[uid]
            received_at: datetime = timezone.now()
            result = ingest_mail(
                mailbox,
                raw,
                received_at=received_at,
                uid=uid,
                truncated=truncated,
                size_bytes=sizes.get(uid, len(raw)),
            )
            report.too_large += int(truncated and not result.duplicate)
            _after_commit(box, mailbox, uid, result, report)
        Mailbox.objects.filter(pk=mailbox.pk, last_uid__lt=uids[-1]).update(last_uid=uids[-1])
    Mailbox.objects.filter(pk=mailbox.pk).update(last_fetched_at=timezone.now())
    return report


def error_text(error: BaseException, mailbox: Mailbox, sending: bool = False) -> str:
    """One translated line for the admins."""
    if sending:
        return _("Sending through %(host)s:%(port)s failed: %(error)s") % {
            "host": mailbox.smtp_host,
            "port": mailbox.smtp_port,
            "error": error,
        }
    if isinstance(error, MailboxLoginError):
        return _("The IMAP server refused the user name or password.")
    if isinstance(error, (socket.timeout, TimeoutError)):
        return _("The IMAP server %(host)s:%(port)s did not answer in time.") % {
            "host": mailbox.imap_host,
            "port": mailbox.imap_port,
        }
    if isinstance(error, OSError):
        return _("Cannot reach the IMAP server %(host)s:%(port)s (%(error)s).") % {
            "host": mailbox.imap_host,
            "port": mailbox.imap_port,
            "error": error,
        }
    return _("Fetching mail failed: %(error)s") % {"error": error}


def record_error(mailbox: Mailbox, error: BaseException, sending: bool = False) -> None:
    from django.conf import settings

    with translation.override(settings.LANGUAGE_CODE):
        text = error_text(error, mailbox, sending)
    Mailbox.objects.filter(pk=mailbox.pk).update(last_error=text, last_error_at=timezone.now())
    mailbox.last_error = text


def clear_error(mailbox: Mailbox) -> None:
    if mailbox.last_error:
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error="", last_error_at=None)
        mailbox.last_error = ""


def fetch_once(mailbox: Mailbox) -> PassReport | None:
    """Connect, fetch one pass, log out. Errors are recorded on the mailbox, not raised."""
    try:
        box = connect(mailbox)
        try:
            report = fetch_new_mail(mailbox, box)
        finally:
            box.logout()
    except Exception as error:
        logger.warning("fetching %s failed: %s", mailbox.address, error)
        record_error(mailbox, error)
        return None
    if not report.send_failed:
        clear_error(mailbox)
    return report
