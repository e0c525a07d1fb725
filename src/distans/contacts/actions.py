"""Writes of the contacts app that are not a channel's or routing's."""

from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

from distans.accounts.models import Organisation, Person
from distans.contacts.models import Attachment, Contact, ContactRead, Message, RetentionPolicy

#: reads of the same content by the same person within this many seconds are one row
READ_DEDUPE_SECONDS = 600


def do_record_contact_read(person: Person, contact: Contact, what: str) -> bool:
    """Note that ``person`` read ``contact``'s content (``what``: thread, attachment,
    chat_lines); True when a row was written."""
    key = f"contact-read:{person.pk}:{contact.pk}:{what}"
    try:
        fresh = cache.add(key, 1, timeout=READ_DEDUPE_SECONDS)
    except Exception:  # the cache out of reach: write the row rather than lose the read
        fresh = True
    if not fresh:
        return False
    ContactRead.objects.create(
        organisation_id=contact.organisation_id,
        contact=contact,
        person=person,
        person_name=person.full_name[:200],
        what=what,
    )
    return True


def do_export_data_subject(
    organisation: Organisation, contacts: QuerySet[Contact], actor: Person
) -> list[dict[str, Any]]:
    """A data subject's contacts as JSON-ready data (an access request), written in
    the read log (each contact, ``export``) and the audit log (which cases)."""
    from distans.accounts.actions import do_record_audit
    from distans.contacts.queries import export_data_subject

    contacts = contacts.filter(organisation=organisation)
    data = export_data_subject(contacts)
    with transaction.atomic():
        ContactRead.objects.bulk_create(
            ContactRead(organisation=organisation, contact=contact, person=actor,
                        person_name=actor.full_name[:200], what="export")
            for contact in contacts
        )  # fmt: skip
        do_record_audit(organisation, actor, "data_subject.exported", organisation,
                        {"contacts": len(data), "cases": [row["case"] for row in data]})  # fmt: skip
    return data


ERASED = "[raderat]"


def do_erase_data_subject(
    organisation: Organisation, contacts: QuerySet[Contact], actor: Person | None = None
) -> dict[str, Any]:
    """Erase a data subject's personal data from these contacts (a GDPR erasure):
    the customer's name, address, number, the subject, notes and every message's text,
    HTML and sender are blanked, attachments and stored raw mails deleted (files too),
    chat sessions' tokens dropped. The contacts themselves stay (anonymous) so the
    statistics stay true. Returns the report (what was erased), also kept in the
    audit log."""
    ids = list(contacts.filter(organisation=organisation).values_list("pk", flat=True))
    files: list[Any] = []
    with transaction.atomic():
        messages = Message.objects.filter(organisation=organisation, contact_id__in=ids)
        attachments = Attachment.objects.filter(organisation=organisation, message__in=messages)
        files += [a.file for a in attachments if a.file]
        attachment_count = attachments.count()
        attachments.delete()
        raw_mails = _raw_mails(organisation, messages)
        files += [m.raw for m in raw_mails if m.raw]
        for mail in raw_mails:
            mail.raw = ""
            mail.sender = ""
            mail.subject = ""
            mail.save(update_fields=["raw", "sender", "subject"])
        message_count = messages.update(body_text=ERASED, body_html="", sender="", meta={})
        contact_count = Contact.objects.filter(pk__in=ids).update(
            customer_name="", customer_email="", customer_phone="", subject=ERASED, notes="",
            attributes={}, external_id="",
        )  # fmt: skip
        report = {
            "contacts": contact_count,
            "cases": [str(pk) for pk in ids],
            "messages": message_count,
            "attachments": attachment_count,
            "raw_mails": len(raw_mails),
        }
        from distans.accounts.actions import do_record_audit

        do_record_audit(organisation, actor, "data_subject_erased", organisation, report)
        transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])
    return report


def _raw_mails(organisation: Organisation, messages: QuerySet[Message]) -> list[Any]:
    try:
        from distans.channels_email.models import InboundMail
    except ImportError:  # the e-mail app is optional
        return []
    return list(InboundMail.objects.filter(message__in=messages))


def do_apply_retention(policy: RetentionPolicy, now: Any = None) -> dict[str, int]:
    """Anonymise or delete what ``policy``'s organisation keeps past its days; safe to
    run again (only what is not yet anonymised is touched). Returns counts."""
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone

    from distans.accounts.models import AuditEntry
    from distans.contacts.choices import OPEN_STATUSES

    now = now or timezone.now()
    org = policy.organisation_id
    done: dict[str, int] = {}
    files: list[Any] = []

    def before(days: int) -> Any:
        return now - timedelta(days=days)

    closed = Contact.objects.filter(organisation_id=org).exclude(status__in=OPEN_STATUSES)

    def blank_messages(messages: QuerySet[Message], name: str) -> None:
        done[name] = messages.exclude(body_text=ERASED).update(
            body_text=ERASED, body_html="", sender="", meta={}
        )

    with transaction.atomic():
        if policy.contact_content_days is not None:
            old = closed.filter(enqueued_at__lt=before(policy.contact_content_days))
            personal = ~Q(customer_name="") | ~Q(customer_email="") | ~Q(customer_phone="")
            done["contacts"] = old.filter(personal | ~Q(notes="") | ~Q(subject__in=["", ERASED])).update(
                customer_name="", customer_email="", customer_phone="", subject=ERASED,
                notes="", attributes={}, external_id="",
            )  # fmt: skip
            blank_messages(Message.objects.filter(contact__in=old), "contact_messages")
        if policy.chat_transcript_days is not None:
            old = closed.filter(channel="chat", enqueued_at__lt=before(policy.chat_transcript_days))
            blank_messages(Message.objects.filter(contact__in=old), "chat_messages")
        if policy.email_body_days is not None:
            cutoff = before(policy.email_body_days)
            old = closed.filter(channel="email", enqueued_at__lt=cutoff)
            blank_messages(Message.objects.filter(contact__in=old), "email_messages")
            raw_mails = [
                m for m in _raw_mails_before(org, cutoff) if m.raw or m.sender or m.subject
            ]
            for mail in raw_mails:
                if mail.raw:
                    files.append(mail.raw)
                mail.raw, mail.sender, mail.subject = "", "", ""
                mail.save(update_fields=["raw", "sender", "subject"])
            done["raw_mails"] = len(raw_mails)
        if policy.attachment_days is not None:
            old_attachments = Attachment.objects.filter(
                organisation_id=org,
                message__created_at__lt=before(policy.attachment_days),
                message__contact__in=closed,
            )
            files += [a.file for a in old_attachments if a.file]
            done["attachments"] = old_attachments.delete()[0]
        if policy.visitor_log_days is not None:
            done["chat_sessions"] = _delete_chat_sessions_before(org, before(policy.visitor_log_days))
        if policy.audit_days is not None:
            cutoff = before(policy.audit_days)
            done["audit_entries"] = AuditEntry.objects.filter(organisation_id=org, at__lt=cutoff).delete()[0]
            done["read_log"] = ContactRead.objects.filter(organisation_id=org, at__lt=cutoff).delete()[0]
        transaction.on_commit(lambda: [f.storage.delete(f.name) for f in files])
    return done


def _raw_mails_before(organisation_id: int, cutoff: Any) -> list[Any]:
    try:
        from distans.channels_email.models import InboundMail
    except ImportError:
        return []
    return list(InboundMail.objects.filter(organisation_id=organisation_id, received_at__lt=cutoff))


def _delete_chat_sessions_before(organisation_id: int, cutoff: Any) -> int:
    try:
        from distans.channels_chat.models import ChatSession
    except ImportError:
        return 0
    from distans.contacts.choices import OPEN_STATUSES

    return ChatSession.objects.filter(
        organisation_id=organisation_id, last_seen_at__lt=cutoff
    ).exclude(contact__status__in=OPEN_STATUSES).delete()[0]
