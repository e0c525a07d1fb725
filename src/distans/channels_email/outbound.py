"""Sending over SMTP: the automatic acknowledgement and the agent's reply.

Both are built by the pure core (``distans.core.mail.compose``) and stored as an
outbound :class:`~distans.contacts.models.Message` whose ``external_id`` is the
Message-ID we sent, so the customer's answer threads back onto the contact by its
In-Reply-To/References.
"""

from __future__ import annotations

import mimetypes
from datetime import datetime
from email.message import EmailMessage
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from distans.channels_email.models import InboundMail, Mailbox, OutgoingPurpose, OutgoingStatus
from distans.channels_email.outbox import (
    MailNotSent,
    deliver,
    deliver_after_commit,
    queue_mail,
    smtp_send,
)
from distans.contacts.choices import MessageDirection
from distans.contacts.models import Attachment, Contact, Message
from distans.core.errors import InvalidInput
from distans.core.mail import compose
from distans.core.mail.case_match import CaseTag
from distans.core.mail.parse import ParsedMessage, parse_message

__all__ = ["send_acknowledgement", "send_email_reply", "smtp_send"]


def sender_of(mailbox: Mailbox) -> compose.Mailbox:
    return compose.Mailbox(address=mailbox.address, display_name=mailbox.from_name)


def _store_outbound(
    contact: Contact, message: EmailMessage, text: str, author: Any, meta: dict[str, Any]
) -> Message:
    return Message.objects.create(
        organisation_id=contact.organisation_id,
        contact=contact,
        direction=MessageDirection.OUTBOUND,
        author=author,
        sender=str(message["From"] or "")[:300],
        body_text=text,
        created_at=timezone.now(),
        external_id=str(message["Message-ID"] or ""),
        meta={
            "subject": str(message["Subject"] or ""),
            "to": str(message["To"] or ""),
            "in_reply_to": str(message["In-Reply-To"] or ""),
            "references": str(message["References"] or ""),
            **meta,
        },
    )


def acknowledgement_text(case_number: int) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "Thank you for your message. We have received it and will answer as soon as "
            "we can. Your case number is %(case)s; please keep it in the subject if you "
            "write to us again about the same matter."
        ) % {"case": case_number}


def send_acknowledgement(
    mailbox: Mailbox, parsed: ParsedMessage, contact_id: int, inbound_id: int | None
) -> Message | None:
    """Send the acknowledgement for a new contact (``None`` when loop protection says
    no); stored on the contact and marked on the inbound record."""
    now = timezone.now()
    text = acknowledgement_text(contact_id)
    ack = compose.build_acknowledgement(
        parsed,
        mailbox=sender_of(mailbox),
        body_text=text,
        case_number=contact_id,
        now=now,
        case_tag=CaseTag(mailbox.case_tag_template),
    )
    if ack is None:
        return None
    contact = Contact.objects.for_org(mailbox.organisation_id).get(pk=contact_id)
    with transaction.atomic():
        stored = _store_outbound(contact, ack, text, None, {"automatic": True})
        outgoing = queue_mail(
            contact.organisation_id,
            ack,
            purpose=OutgoingPurpose.ACKNOWLEDGEMENT,
            mailbox=mailbox,
            stored_message=stored,
        )
        if inbound_id is not None:
            InboundMail.objects.filter(pk=inbound_id).update(acknowledged=True)
    result = deliver(outgoing.pk)
    if result is not None and result.status == OutgoingStatus.FAILED:
        raise MailNotSent(result.last_error)
    return stored


def mailbox_for_contact(contact: Contact) -> Mailbox:
    """The mailbox the contact came in through, else an active one of its queue."""
    boxes = Mailbox.objects.for_org(contact.organisation_id)
    mailbox_id = (contact.attributes or {}).get("mailbox_id")
    found = boxes.filter(pk=mailbox_id).first() if mailbox_id else None
    if found is None:
        found = boxes.filter(queue_id=contact.queue_id).order_by("-active", "pk").first()
    if found is None:
        found = boxes.order_by("-active", "pk").first()
    if found is None:
        raise InvalidInput(_("No mailbox is set up to send e-mail from."))
    return found


def _original(contact: Contact) -> ParsedMessage:
    """The latest inbound mail of the contact, re-parsed from its stored raw bytes; a
    stand-in addressed to the customer when there is none (no threading headers)."""
    inbound = (
        InboundMail.objects.for_org(contact.organisation_id)
        .filter(message__contact=contact)
        .order_by("-received_at", "-pk")
        .first()
    )
    now = timezone.now()
    if inbound is not None and inbound.raw:
        with inbound.raw.open("rb") as handle:
            return parse_message(handle.read(), received_at=inbound.received_at)
    if not contact.customer_email:
        raise InvalidInput(_("The contact has no e-mail address to answer."))
    stand_in = EmailMessage()
    stand_in["From"] = f"{contact.customer_name} <{contact.customer_email}>"
    stand_in["Subject"] = contact.subject
    return parse_message(bytes(stand_in), received_at=now)


def _attachment_parts(attachments: tuple[Any, ...]) -> list[tuple[str, str, bytes]]:
    """(filename, content type, bytes) from uploaded files or such tuples."""
    parts = []
    for item in attachments:
        if isinstance(item, tuple):
            name, content_type, content = item
        else:
            name = getattr(item, "name", "attachment")
            content_type = getattr(item, "content_type", "") or ""
            content = item.read()
        content_type = content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
        parts.append((str(name).rsplit("/", 1)[-1], content_type, bytes(content)))
    return parts


def send_email_reply(
    contact: Contact, person: Any, text: str, attachments: tuple[Any, ...] = ()
) -> Message:
    """Send ``text`` (and ``attachments``: uploaded files or ``(name, type, bytes)``)
    to the customer of an e-mail ``contact`` as a threaded reply; returns the stored
    outbound Message. The mail goes through the outbox (``outbox.py``): stored with
    the message, first attempt right after the commit, retried with back-off; its
    state is ``message.outgoing``. Raises InvalidInput when no mail can be written
    (no mailbox, no address); an SMTP failure is not an exception but a state."""
    mailbox = mailbox_for_contact(contact)
    now: datetime = timezone.now()
    reply = compose.build_reply(
        _original(contact),
        mailbox=sender_of(mailbox),
        body_text=text,
        case_number=contact.pk,
        now=now,
        case_tag=CaseTag(mailbox.case_tag_template),
    )
    parts = _attachment_parts(attachments)
    for name, content_type, content in parts:
        maintype, _slash, subtype = content_type.partition("/")
        reply.add_attachment(
            content, maintype=maintype, subtype=subtype or "octet-stream", filename=name
        )
    with transaction.atomic():
        stored = _store_outbound(contact, reply, text, person, {})
        outgoing = queue_mail(
            contact.organisation_id,
            reply,
            purpose=OutgoingPurpose.REPLY,
            mailbox=mailbox,
            stored_message=stored,
        )
        for name, content_type, content in parts:
            row = Attachment(
                organisation_id=contact.organisation_id,
                message=stored,
                filename=name[:255],
                content_type=content_type[:100],
                size_bytes=len(content),
            )
            row.file.save(name, ContentFile(content), save=False)
            row.save()
        deliver_after_commit(outgoing)
    return stored


def close_warnings(contact: Contact) -> list[str]:
    """For the desk before closing an e-mail contact: no reply was written since the
    customer's latest mail, or the latest reply is not (yet) sent."""
    messages = Message.objects.for_org(contact.organisation_id).filter(contact=contact)
    latest_in = (
        messages.filter(direction=MessageDirection.INBOUND).order_by("-created_at", "-pk").first()
    )
    replies = messages.filter(direction=MessageDirection.OUTBOUND, author__isnull=False)
    if latest_in is not None:
        replies = replies.filter(created_at__gte=latest_in.created_at)
    latest_reply = replies.select_related("outgoing").order_by("-created_at", "-pk").first()
    if latest_reply is None:
        return [_("No reply has been sent to the customer.")]
    outgoing = getattr(latest_reply, "outgoing", None)
    if outgoing is None or outgoing.status == OutgoingStatus.SENT:
        return []
    if outgoing.status == OutgoingStatus.FAILED:
        return [_("The latest reply could not be sent: %(error)s") % {"error": outgoing.last_error}]
    return [_("The latest reply is waiting to be sent.")]
