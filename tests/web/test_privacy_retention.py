"""Retention per kind of data: what is older than its organisation's days is
anonymised or deleted; open contacts, other kinds and other organisations are not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.factories import make_organisation, make_queue

from distans.accounts.models import AuditEntry
from distans.contacts.actions import ERASED, do_apply_retention
from distans.contacts.models import Contact, ContactRead, Message, RetentionPolicy
from distans.contacts.tasks import apply_retention

pytestmark = pytest.mark.django_db


def _contact(org, queue, channel, days_ago, status="completed", **fields):  # type: ignore[no-untyped-def]
    at = timezone.now() - timedelta(days=days_ago)
    contact = Contact.objects.create(organisation=org, queue=queue, channel=channel, status=status,
                                     enqueued_at=at, customer_email="asa@example.se", subject="Fråga", **fields)  # fmt: skip
    Message.objects.create(organisation=org, contact=contact, direction="in", body_text="Hej!", created_at=at)
    return contact


def test_each_kind_is_anonymised_after_its_days_and_only_then() -> None:
    org, other = make_organisation(), make_organisation()
    queue, other_queue = make_queue(org), make_queue(other)
    RetentionPolicy.objects.create(organisation=org, contact_content_days=365, chat_transcript_days=30, audit_days=730)
    old_chat = _contact(org, queue, "chat", 40)
    new_chat = _contact(org, queue, "chat", 10)
    old_mail = _contact(org, queue, "email", 400)
    still_open = _contact(org, queue, "email", 400, status="active")
    theirs = _contact(other, other_queue, "chat", 4000)
    AuditEntry.objects.create(organisation=org, action="x", object_type="t", object_id="1")
    AuditEntry.objects.filter(organisation=org).update(at=timezone.now() - timedelta(days=800))
    ContactRead.objects.create(organisation=org, contact=new_chat, what="thread")

    apply_retention()  # the hourly job

    def texts(contact: Contact) -> list[str]:
        return list(contact.messages.values_list("body_text", flat=True))

    assert texts(old_chat) == [ERASED] and Contact.objects.get(pk=old_chat.pk).customer_email == "asa@example.se"
    assert texts(new_chat) == ["Hej!"]
    mail = Contact.objects.get(pk=old_mail.pk)
    assert (mail.customer_email, mail.subject, texts(mail)) == ("", ERASED, [ERASED])
    assert Contact.objects.get(pk=still_open.pk).customer_email == "asa@example.se"  # not while open
    assert texts(theirs) == ["Hej!"]  # another organisation without a policy
    assert not AuditEntry.objects.filter(organisation=org).exists()
    assert ContactRead.objects.count() == 1  # a fresh read stays
    # a second run finds nothing more to do
    assert not any(do_apply_retention(RetentionPolicy.objects.get(organisation=org)).values())
