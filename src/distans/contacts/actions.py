"""Writes of the contacts app that are not a channel's or routing's."""

from __future__ import annotations

from django.core.cache import cache

from distans.accounts.models import Person
from distans.contacts.models import Contact, ContactRead

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
