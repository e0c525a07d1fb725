"""All chat and web-form writes.

The visitor side (start a chat, post a line, leave, leave a message, submit the form,
ask for the transcript) and the agent side (:func:`do_send_chat_message`, registered as
the "chat" reply sender). Events go to the group ``contact.<pk>``, which both the
desk and the visitor's socket join.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from distans.accounts.models import Person
from distans.channels_chat import limits, queries
from distans.channels_chat.models import ChatSession, ChatWidget
from distans.contacts.choices import OPEN_STATUSES, QUEUED_STATUSES, MessageDirection
from distans.contacts.models import Attachment, Contact, Message
from distans.core.errors import InvalidInput, StateConflict
from distans.realtime.groups import person_group
from distans.realtime.publish import publish
from distans.routing.actions import do_abandon_contact, do_create_contact

ABANDON_AFTER = timedelta(seconds=90)  # a waiting chat whose visitor is gone this long


def contact_group(contact_id: int) -> str:
    return f"contact.{contact_id}"


def _clean_text(text: object, max_chars: int = limits.MESSAGE_MAX_CHARS) -> str:
    if not isinstance(text, str):
        raise InvalidInput("The message must be text.")
    text = text.replace("\x00", "").strip()
    if not text:
        raise InvalidInput("The message is empty.")
    if len(text) > max_chars:
        raise InvalidInput(f"The message is longer than {max_chars} characters.")
    return text


@transaction.atomic
def do_start_chat(
    widget: ChatWidget, *, name: str = "", language: str = "", first_message: str = ""
) -> tuple[ChatSession, str]:
    """Open a chat contact (channel "chat") in the widget's queue; returns the session
    and the visitor token (shown once; only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    name = (name or "").strip()[: limits.NAME_MAX_CHARS]
    contact = do_create_contact(
        widget.queue,
        "chat",
        language=language[:8],
        customer_name=name,
        attributes={"widget_id": widget.pk},
    )
    session = ChatSession.objects.create(
        organisation_id=widget.organisation_id,
        widget=widget,
        contact=contact,
        token_hash=queries.hash_token(token),
        language=language[:8],
    )
    if first_message:
        do_post_visitor_message(session, first_message)
    return session, token


@transaction.atomic
def do_post_visitor_message(session: ChatSession, text: str, client_id: str = "") -> Message:
    text = _clean_text(text)
    contact = Contact.objects.select_for_update().get(pk=session.contact_id)
    if contact.status not in OPEN_STATUSES:
        raise StateConflict("This chat has ended.")
    message = Message.objects.create(
        organisation_id=contact.organisation_id,
        contact=contact,
        direction=MessageDirection.INBOUND,
        sender=contact.customer_name or _("Visitor"),
        body_text=text,
        external_id=str(client_id)[:64],
    )
    if not contact.body:
        contact.body = text
        contact.save(update_fields=["body"])
    publish(
        contact_group(contact.pk),
        "message",
        contact_id=contact.pk,
        message_id=message.pk,
        direction="in",
    )
    if contact.agent_id:
        # "message" on the agent's group: the desk's thread re-fetches on live:message.
        publish(
            person_group(contact.agent_id),
            "message",
            contact_id=contact.pk,
            message_id=message.pk,
        )
    return message


@transaction.atomic
def do_send_chat_message(
    contact: Contact,
    person: Person,
    text: str,
    attachments: tuple = (),
) -> Message:
    """The agent's line to the visitor: stored as an outbound Message and pushed to the
    visitor's socket (event "message" on ``contact.<pk>``)."""
    text = _clean_text(text, max_chars=10_000)
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.organisation_id != person.organisation_id or contact.channel != "chat":
        raise InvalidInput("This is not a chat of your organisation.")
    if contact.status not in OPEN_STATUSES:
        raise StateConflict("This chat has ended.")
    message = Message.objects.create(
        organisation_id=contact.organisation_id,
        contact=contact,
        direction=MessageDirection.OUTBOUND,
        author=person,
        sender=person.get_short_name(),
        body_text=text,
    )
    publish(
        contact_group(contact.pk),
        "message",
        contact_id=contact.pk,
        message_id=message.pk,
        direction="out",
    )
    return message


def send_agent_typing(contact: Contact, person: Person) -> None:
    """The desk calls this (throttled on its side to one call per ~2 s) while the agent
    types; the visitor sees "… is writing"."""
    if contact.organisation_id == person.organisation_id and contact.channel == "chat":
        publish(contact_group(contact.pk), "typing", contact_id=contact.pk, who="agent")


@transaction.atomic
def do_touch_session(session: ChatSession) -> None:
    ChatSession.objects.filter(pk=session.pk).update(last_seen_at=timezone.now())


@transaction.atomic
def do_visitor_leaves(session: ChatSession) -> Contact:
    """The visitor closes the chat: abandoned if nobody answered yet; otherwise the
    agent is told (event "visitor_left") and finishes the contact as usual."""
    contact = Contact.objects.get(pk=session.contact_id)
    if contact.status in QUEUED_STATUSES:
        return do_abandon_contact(contact)
    if contact.status in OPEN_STATUSES:
        Message.objects.create(
            organisation_id=contact.organisation_id,
            contact=contact,
            direction=MessageDirection.SYSTEM,
            body_text=_("The visitor left the chat."),
        )
        publish(contact_group(contact.pk), "visitor_left", contact_id=contact.pk)
    return contact


def do_abandon_gone_visitors() -> int:
    """Abandon waiting chats whose visitor's socket has been gone ABANDON_AFTER, each in
    its own transaction (each locks its offered agent before its contact: holding one
    contact while locking the next agent could deadlock with a round)."""
    cutoff = timezone.now() - ABANDON_AFTER
    gone = ChatSession.objects.filter(
        last_seen_at__lt=cutoff, contact__status__in=QUEUED_STATUSES
    ).select_related("contact")
    count = 0
    for session in gone:
        try:
            do_abandon_contact(session.contact)
            count += 1
        except StateConflict:
            pass
    return count


class Throttled(StateConflict):
    code = "throttled"


def do_email_transcript(session: ChatSession, address: str) -> None:
    """E-mail the chat's customer-visible lines to ``address`` (Django's send_mail)."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    try:
        validate_email(address)
    except ValidationError as exc:
        raise InvalidInput("That is not an e-mail address.") from exc
    if not limits.allow("transcript-to", address.strip().lower(), limits.TRANSCRIPTS_PER_ADDRESS):
        raise Throttled("Too many transcripts to this address today.")
    # counted in the database (not from the session object, which may be stale): of
    # ten requests on one socket, only TRANSCRIPTS_PER_SESSION send a mail
    updated = ChatSession.objects.filter(
        pk=session.pk, transcripts_sent__lt=limits.TRANSCRIPTS_PER_SESSION
    ).update(transcripts_sent=F("transcripts_sent") + 1)
    if not updated:
        raise StateConflict("The transcript was already sent.")
    contact = Contact.objects.select_related("organisation").get(pk=session.contact_id)
    with translation.override(session.language or "sv"):
        subject = _("Your chat with %(organisation)s (case %(case)s)") % {
            "organisation": contact.organisation.name,
            "case": contact.case_number,
        }
        body = render_to_string(
            "channels_chat/transcript.txt",
            {"contact": contact, "lines": queries.transcript_lines(contact)},
        )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address])


@transaction.atomic
def do_submit_form(
    widget: ChatWidget,
    *,
    name: str,
    email: str,
    phone: str,
    topic: str,
    message: str,
    attachment: UploadedFile | None = None,
    language: str = "sv",
) -> Contact:
    """A web-form message (or a message left in the closed chat): a contact on the
    "form" channel with the text as its first Message, and a receipt by e-mail."""
    text = _clean_text(message, max_chars=limits.MESSAGE_MAX_CHARS * 5)
    if not email and not phone:
        raise InvalidInput("Give an e-mail address or a phone number.")
    contact = do_create_contact(
        widget.queue,
        "form",
        language=language[:8],
        customer_name=name[:200],
        customer_email=email,
        customer_phone=phone[:40],
        subject=topic[:300],
        body=text,
        attributes={"widget_id": widget.pk, "visitor_topic": topic[:100]},
    )
    stored = Message.objects.create(
        organisation_id=contact.organisation_id,
        contact=contact,
        direction=MessageDirection.INBOUND,
        sender=name or email or phone,
        body_text=text,
    )
    if attachment is not None:
        Attachment.objects.create(
            organisation_id=contact.organisation_id,
            message=stored,
            filename=attachment.name[:255] if attachment.name else "attachment",
            content_type=(attachment.content_type or "application/octet-stream")[:100],
            size_bytes=attachment.size or 0,
            file=attachment,
        )
    if email:
        contact_id, org_name = contact.pk, widget.organisation.name
        transaction.on_commit(lambda: _send_receipt(contact_id, org_name, email, language))
    return contact


def _send_receipt(contact_id: int, organisation_name: str, address: str, language: str) -> None:
    with translation.override(language or "sv"):
        subject = _("We have received your message (case %(case)s)") % {"case": contact_id}
        body = render_to_string(
            "channels_chat/receipt.txt", {"case": contact_id, "organisation": organisation_name}
        )
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=True)
