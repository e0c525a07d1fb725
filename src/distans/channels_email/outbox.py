"""The outbox: every mail Distans sends is an :class:`OutgoingMail` row first.

``queue_mail`` stores it (in the caller's transaction, beside what it belongs to);
``deliver`` makes one attempt; ``send_due_mail`` (a periodic job, ``tasks.py``) makes
the attempts that are due. An attempt *claims* the row first with one conditional
UPDATE (moving ``next_attempt_at`` past the attempt's longest duration), so several
processes never send the same mail twice at once, and no transaction is held open
while the SMTP server answers. A failed attempt is retried with back-off
(``RETRY_DELAYS``); after the last one the mail stays ``failed`` with no next attempt.

The agent handling the contact hears of every change live (``message`` event), so the
desk's thread shows the truth without a reload.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
import ssl
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage as DjangoEmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distans.channels_email.models import Mailbox, OutgoingMail, OutgoingPurpose, OutgoingStatus
from distans.core.errors import InvalidInput

logger = logging.getLogger(__name__)

SMTP_TIMEOUT_SECONDS = 20
# Seconds before the 2nd, 3rd … attempt; after the last one Distans gives up.
RETRY_DELAYS = (30, 60, 120, 300, 600, 1800, 3600, 3600)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
CLAIM_SECONDS = 2 * SMTP_TIMEOUT_SECONDS + 30


class MailNotSent(Exception):
    """An attempt failed (the row is marked ``failed`` and retried later)."""


def smtp_send(mailbox: Mailbox, message: EmailMessage | Any) -> None:
    """Deliver ``message`` through the mailbox's SMTP account (STARTTLS when set)."""
    if not mailbox.smtp_host:
        raise InvalidInput(_("The mailbox %(address)s has no SMTP server.") % {"address": mailbox})
    with smtplib.SMTP(mailbox.smtp_host, mailbox.smtp_port, timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if mailbox.smtp_use_tls:
            smtp.starttls(context=ssl.create_default_context())
        if mailbox.smtp_username:
            smtp.login(mailbox.smtp_username, mailbox.smtp_password)
        smtp.send_message(message)


def queue_mail(
    organisation_id: int,
    message: EmailMessage,
    *,
    purpose: str,
    mailbox: Mailbox | None = None,
    stored_message: Any = None,
) -> OutgoingMail:
    """Store ``message`` in the outbox, due now (call inside the writing transaction)."""
    now = timezone.now()
    recipients = ", ".join(
        str(value) for key in ("To", "Cc", "Bcc") for value in message.get_all(key, [])
    )
    return OutgoingMail.objects.create(
        organisation_id=organisation_id,
        mailbox=mailbox,
        message=stored_message,
        purpose=purpose,
        recipients=recipients[:1000],
        subject=str(message["Subject"] or "")[:300],
        raw=bytes(message),
        created_at=now,
        next_attempt_at=now,
    )


def _claim(outgoing_id: int, now: dt.datetime) -> bool:
    claimed = OutgoingMail.objects.filter(
        pk=outgoing_id,
        status__in=[OutgoingStatus.QUEUED, OutgoingStatus.FAILED],
        next_attempt_at__lte=now,
    ).update(next_attempt_at=now + dt.timedelta(seconds=CLAIM_SECONDS))
    return claimed == 1


def _send_system_mail(raw: bytes) -> None:
    """System mail (no mailbox) through Django's e-mail backend and settings; its
    attachments (a visit's .ics) go along."""
    parsed = message_from_bytes(raw, policy=policy.default)
    body = parsed.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    mail = DjangoEmailMessage(
        subject=str(parsed["Subject"] or ""),
        body=text,
        from_email=str(parsed["From"] or settings.DEFAULT_FROM_EMAIL),
        to=[str(a) for a in parsed.get_all("To", [])],
    )
    for part in parsed.iter_attachments():
        mail.attach(part.get_filename(), part.get_content(), part.get_content_type())
    mail.send(fail_silently=False)


def _announce(outgoing: OutgoingMail) -> None:
    from distans.realtime.groups import person_group
    from distans.realtime.publish import publish

    message = outgoing.message
    if message is None:
        return
    agent_id = message.contact.agent_id
    if agent_id is not None:
        publish(person_group(agent_id), "message", contact_id=message.contact_id)


def deliver(outgoing_id: int, *, now: dt.datetime | None = None) -> OutgoingMail | None:
    """One attempt to send the mail, if it is due and no one else is sending it;
    returns the row as it is afterwards (``None`` when it was not this call's turn)."""
    now = now or timezone.now()
    if not _claim(outgoing_id, now):
        return None
    outgoing = OutgoingMail.objects.select_related("mailbox", "message__contact").get(
        pk=outgoing_id
    )
    error = ""
    try:
        if outgoing.mailbox is not None:
            smtp_send(outgoing.mailbox, message_from_bytes(bytes(outgoing.raw)))
        elif outgoing.purpose in (
            OutgoingPurpose.ACCOUNT,
            OutgoingPurpose.ANNOUNCEMENT,
            OutgoingPurpose.VISIT,
            OutgoingPurpose.PHONE_MESSAGE,
        ):
            _send_system_mail(bytes(outgoing.raw))
        else:
            raise InvalidInput(_("No mailbox is set up to send e-mail from."))
    except Exception as failure:  # any failure is this attempt's, told and retried
        error = str(failure) or failure.__class__.__name__
        logger.warning("outgoing mail %s not sent: %s", outgoing_id, error)
    attempts = outgoing.attempts + 1
    finished = timezone.now()
    if error:
        delay = RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else None
        fields: dict[str, Any] = {
            "status": OutgoingStatus.FAILED,
            "last_error": error[:2000],
            "next_attempt_at": finished + dt.timedelta(seconds=delay) if delay else None,
        }
    else:
        fields = {
            "status": OutgoingStatus.SENT,
            "last_error": "",
            "sent_at": finished,
            "next_attempt_at": None,
        }
    with transaction.atomic():
        OutgoingMail.objects.filter(pk=outgoing_id).update(
            attempts=attempts, last_attempt_at=finished, **fields
        )
        outgoing.refresh_from_db()
        _announce(outgoing)
    return outgoing


def deliver_after_commit(outgoing: OutgoingMail) -> None:
    """The first attempt as soon as the row is committed (at once outside a
    transaction); the background job catches any that this misses."""
    outgoing_id = outgoing.pk
    transaction.on_commit(lambda: deliver(outgoing_id), robust=True)


def send_due_mail(limit: int = 100, now: dt.datetime | None = None) -> int:
    """Attempt every mail that is due (oldest first); returns how many were sent."""
    now = now or timezone.now()
    due = list(
        OutgoingMail.objects.filter(
            status__in=[OutgoingStatus.QUEUED, OutgoingStatus.FAILED], next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for outgoing_id in due:
        result = deliver(outgoing_id, now=now)
        if result is not None and result.status == OutgoingStatus.SENT:
            sent += 1
    return sent


def system_mail_failing() -> bool:
    """Whether system mail (password reset) cannot be sent at the moment: the latest
    finished attempt of any system mail failed. It does not depend on any address, so
    saying it reveals nothing about who has an account."""
    latest = (
        OutgoingMail.objects.filter(purpose=OutgoingPurpose.ACCOUNT, attempts__gt=0)
        .order_by("-last_attempt_at", "-pk")
        .values_list("status", flat=True)
        .first()
    )
    return latest == OutgoingStatus.FAILED


def retry_now(outgoing_ids: Any) -> int:
    """Make failed mail (also mail Distans gave up on) due now; the background job sends
    it within seconds. Returns how many were failed."""
    return OutgoingMail.objects.filter(
        pk__in=list(outgoing_ids), status=OutgoingStatus.FAILED
    ).update(next_attempt_at=timezone.now())
