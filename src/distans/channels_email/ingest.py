"""Turning one raw inbound mail into a contact or a message, in one transaction.

Order of decisions (docs/dev/email-channel.md): deduplicate by (mailbox, Message-ID);
parse with the pure core; thread by In-Reply-To/References against stored Message-IDs
of the organisation, else by the case tag when the case belongs to the sender; a reply
to a completed case opens a new contact linked by ``attributes["thread_of"]``; automatic
mail (bounce, auto-reply, our own mail) that matches no case is kept but makes no
contact; a sender over the rate limit is not acknowledged and adds to their newest open
contact instead of opening more.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from distans.channels_email.models import InboundMail, InboundOutcome, Mailbox
from distans.contacts.choices import OPEN_STATUSES, Channel, MessageDirection
from distans.contacts.models import Attachment, Contact, Message
from distans.core.mail.case_match import CaseTag, MatchedBy, match_case
from distans.core.mail.loop_protection import MailKind
from distans.core.mail.mime_parts import AttachmentLimits
from distans.core.mail.parse import ParsedMessage, parse_message
from distans.core.mail.rate_limit import SenderRateLimiter
from distans.realtime.groups import person_group
from distans.realtime.publish import publish
from distans.routing.actions import do_create_contact

#: Kinds that never open a new contact (RFC 3834: nobody waits for an answer).
NO_NEW_CONTACT = (MailKind.BOUNCE, MailKind.AUTO_REPLY, MailKind.OWN_MAILBOX)
ATTACHMENT_LIMITS = AttachmentLimits()

_limiters: dict[int, SenderRateLimiter] = {}
_limiters_lock = threading.Lock()


def sender_allowed(organisation_id: int, sender: str, now: datetime) -> bool:
    """Per-sender token bucket of the organisation (in memory, per process)."""
    with _limiters_lock:
        limiter = _limiters.setdefault(organisation_id, SenderRateLimiter())
        return limiter.allow(sender, now)


def reset_rate_limits() -> None:
    with _limiters_lock:
        _limiters.clear()


@dataclass(frozen=True)
class IngestResult:
    """What happened to one mail; ``acknowledge`` says an acknowledgement may go out."""

    duplicate: bool
    outcome: str
    contact_id: int | None
    message_id: int | None
    parsed: ParsedMessage | None
    matched_by: str = ""
    acknowledge: bool = False
    inbound_id: int | None = None


def own_addresses(organisation_id: int) -> tuple[str, ...]:
    return tuple(
        a.lower()
        for a in Mailbox.objects.for_org(organisation_id).values_list("address", flat=True)
    )


def _case_of_message_id(organisation_id: int):
    def lookup(message_id: str) -> int | None:
        return (
            Message.objects.for_org(organisation_id)
            .filter(external_id=message_id, contact__channel=Channel.EMAIL)
            .order_by("-id")
            .values_list("contact_id", flat=True)
            .first()
        )

    return lookup


def _case_exists(organisation_id: int, sender: str):
    def exists(number: int) -> bool:
        return (
            Contact.objects.for_org(organisation_id)
            .filter(pk=number, channel=Channel.EMAIL, customer_email__iexact=sender)
            .exists()
        )

    return exists


def _open_contact_in_thread(contact: Contact) -> Contact | None:
    """The contact itself if open, else the newest open contact reopened from it."""
    if contact.status in OPEN_STATUSES:
        return contact
    return (
        Contact.objects.for_org(contact.organisation_id)
        .filter(attributes__thread_of=contact.pk, status__in=OPEN_STATUSES)
        .order_by("-pk")
        .first()
    )


def _problems(parsed: ParsedMessage, truncated: bool) -> list[str]:
    codes = [str(p) for p in parsed.problems]
    if truncated:
        codes.append("message_too_large")
    return codes


def _store_message(contact: Contact, parsed: ParsedMessage, truncated: bool) -> Message:
    sender = parsed.sender
    message = Message.objects.create(
        organisation_id=contact.organisation_id,
        contact=contact,
        direction=MessageDirection.INBOUND,
        sender=(f"{sender.name} <{sender.address}>" if sender.name else sender.address)
        if sender
        else "",
        body_text=parsed.text_body,
        body_html=parsed.html_body or "",
        created_at=parsed.sent_at,
        external_id=parsed.message_id,
        meta={
            "subject": parsed.subject,
            "kind": str(parsed.classification.kind),
            "loop_reasons": list(parsed.classification.reasons),
            "problems": _problems(parsed, truncated),
            "dropped_attachments": [
                {"filename": d.filename, "size_bytes": d.size_bytes, "reason": str(d.reason)}
                for d in parsed.dropped_attachments
            ],
            "remote_images_blocked": parsed.remote_images_blocked,
        },
    )
    for attachment in parsed.attachments:
        row = Attachment(
            organisation_id=contact.organisation_id,
            message=message,
            filename=attachment.filename[:255],
            content_type=attachment.content_type[:100],
            size_bytes=attachment.size_bytes,
        )
        row.file.save(attachment.filename, ContentFile(attachment.content), save=False)
        row.save()
    return message


def ingest_mail(
    mailbox: Mailbox,
    raw: bytes,
    *,
    received_at: datetime,
    uid: int | None = None,
    truncated: bool = False,
    size_bytes: int | None = None,
) -> IngestResult:
    """Store one mail from ``mailbox`` (``raw``: the whole message, or only its header
    when ``truncated``). Idempotent per (mailbox, Message-ID)."""
    org_id = mailbox.organisation_id
    parsed = parse_message(
        raw, received_at=received_at, own_addresses=own_addresses(org_id), limits=ATTACHMENT_LIMITS
    )
    if InboundMail.objects.filter(mailbox=mailbox, rfc_message_id=parsed.message_id).exists():
        return IngestResult(True, "", None, None, parsed)
    try:
        with transaction.atomic():
            return _ingest(mailbox, raw, parsed, received_at, uid, truncated, size_bytes)
    except IntegrityError:  # another fetcher stored it a moment ago
        if InboundMail.objects.filter(mailbox=mailbox, rfc_message_id=parsed.message_id).exists():
            return IngestResult(True, "", None, None, parsed)
        raise


def _ingest(
    mailbox: Mailbox,
    raw: bytes,
    parsed: ParsedMessage,
    received_at: datetime,
    uid: int | None,
    truncated: bool,
    size_bytes: int | None,
) -> IngestResult:
    org_id = mailbox.organisation_id
    sender_address = parsed.sender.address if parsed.sender else ""
    kind = parsed.classification.kind
    match = match_case(
        references=parsed.thread_references,
        subject=parsed.subject,
        case_of_message_id=_case_of_message_id(org_id),
        case_exists=_case_exists(org_id, sender_address),
        case_tag=CaseTag(mailbox.case_tag_template),
    )
    allowed = kind in NO_NEW_CONTACT or sender_allowed(org_id, sender_address, received_at)
    contact: Contact | None = None
    outcome = InboundOutcome.THREADED
    if match.case_id is not None:
        found = Contact.objects.for_org(org_id).get(pk=match.case_id)
        contact = _open_contact_in_thread(found)
        if contact is None and kind in NO_NEW_CONTACT:
            contact = found  # automatic mail to a closed case: kept there, not reopened
        elif contact is None:
            contact = _new_contact(mailbox, parsed, truncated, {"thread_of": found.pk})
            outcome = InboundOutcome.CONTACT
    elif not allowed and sender_address:
        contact = (
            Contact.objects.for_org(org_id)
            .filter(
                channel=Channel.EMAIL,
                queue_id=mailbox.queue_id,
                customer_email__iexact=sender_address,
                status__in=OPEN_STATUSES,
            )
            .order_by("-pk")
            .first()
        )
    if contact is None and kind not in NO_NEW_CONTACT:
        contact = _new_contact(mailbox, parsed, truncated, {})
        outcome = InboundOutcome.CONTACT
    message = _store_message(contact, parsed, truncated) if contact is not None else None
    if message is not None and outcome == InboundOutcome.THREADED and contact.agent_id:
        # The agent handling the contact sees the customer's answer without a reload.
        publish(person_group(contact.agent_id), "message", contact_id=contact.pk)
    inbound = InboundMail(
        organisation_id=org_id,
        mailbox=mailbox,
        rfc_message_id=parsed.message_id,
        uid=uid,
        received_at=received_at,
        sender=sender_address[:300],
        subject=parsed.subject[:300],
        kind=str(kind),
        outcome=outcome if contact is not None else InboundOutcome.IGNORED,
        message=message,
        size_bytes=size_bytes if size_bytes is not None else len(raw),
        truncated=truncated,
    )
    inbound.raw.save("mail.eml", ContentFile(raw), save=False)
    inbound.save()
    acknowledge = (
        outcome == InboundOutcome.CONTACT
        and contact is not None
        and mailbox.auto_acknowledge
        and parsed.classification.may_auto_reply
        and allowed
    )
    return IngestResult(
        duplicate=False,
        outcome=inbound.outcome,
        contact_id=contact.pk if contact else None,
        message_id=message.pk if message else None,
        parsed=parsed,
        matched_by=str(match.matched_by if contact is not None else MatchedBy.NEW_CASE),
        acknowledge=acknowledge,
        inbound_id=inbound.pk,
    )


def _new_contact(
    mailbox: Mailbox, parsed: ParsedMessage, truncated: bool, attributes: dict[str, object]
) -> Contact:
    sender = parsed.sender
    attributes = {**attributes, "mailbox_id": mailbox.pk}
    problems = _problems(parsed, truncated)
    if problems:
        attributes["mail_problems"] = problems
    email = sender.address if sender and "@" in sender.address else ""
    return do_create_contact(
        mailbox.queue,
        Channel.EMAIL,
        customer_email=email[:254],
        customer_name=(sender.name if sender else "")[:200],
        subject=parsed.subject[:300],
        body=parsed.text_body,
        attributes=attributes,
    )
