"""Reads of the contacts app: a data subject's contacts (GDPR access and erasure)."""

from __future__ import annotations

import re
from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace

from distans.contacts.models import Contact, Message


def identity_number_variants(number: str) -> list[str]:
    """The ways a Swedish or Norwegian identity number is written in free text."""
    digits = re.sub(r"\D", "", number)
    if len(digits) == 12:  # YYYYMMDDNNNN
        short = digits[2:]
        return [digits, f"{digits[:8]}-{digits[8:]}", short, f"{short[:6]}-{short[6:]}", f"{short[:6]}+{short[6:]}"]
    if len(digits) == 10:  # YYMMDDNNNN
        return [digits, f"{digits[:6]}-{digits[6:]}", f"{digits[:6]}+{digits[6:]}"]
    if len(digits) == 11:  # Norwegian DDMMYYIIIKK
        return [digits, f"{digits[:6]} {digits[6:]}"]
    return [number.strip()] if number.strip() else []


def _phone_digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    return digits[-8:] if len(digits) >= 8 else digits


def find_data_subject_contacts(
    organisation_id: int, *, email: str = "", phone: str = "", identity_number: str = ""
) -> QuerySet[Contact]:
    """The organisation's contacts of one person, by e-mail address, phone number (the
    last eight digits, so +46 70… and 070… match) or identity number (in the subject
    or any message)."""
    match = Q(pk__in=[])
    contacts = Contact.objects.for_org(organisation_id)
    if email.strip():
        match |= Q(customer_email__iexact=email.strip())
    digits = _phone_digits(phone)
    if len(digits) >= 6:
        stripped: Any = F("customer_phone")
        for separator in (" ", "-", "(", ")", ".", "/"):
            stripped = Replace(stripped, Value(separator), Value(""))
        contacts = contacts.annotate(phone_digits=stripped)
        match |= Q(phone_digits__endswith=digits)
    for variant in identity_number_variants(identity_number):
        in_messages = Message.objects.filter(
            organisation_id=organisation_id, body_text__contains=variant
        ).values("contact_id")
        match |= Q(subject__contains=variant) | Q(notes__contains=variant) | Q(pk__in=in_messages)
    return contacts.filter(match).order_by("enqueued_at", "pk")


def export_data_subject(contacts: QuerySet[Contact]) -> list[dict[str, Any]]:
    """Everything stored of these contacts' content, as JSON-ready data (a data
    subject's access request)."""
    result = []
    for contact in contacts.prefetch_related("messages__attachments"):
        result.append(
            {
                "case": contact.case_number,
                "channel": contact.channel,
                "arrived_at": contact.enqueued_at.isoformat(),
                "status": contact.status,
                "customer_name": contact.customer_name,
                "customer_email": contact.customer_email,
                "customer_phone": contact.customer_phone,
                "subject": contact.subject,
                "topic": contact.topic,
                "notes": contact.notes,
                "messages": [
                    {
                        "at": m.created_at.isoformat(),
                        "direction": m.direction,
                        "sender": m.sender,
                        "text": m.body_text,
                        "attachments": [a.filename for a in m.attachments.all()],
                    }
                    for m in contact.messages.all()
                ],
            }
        )
    return result
