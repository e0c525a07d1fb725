"""A data subject's contacts found, exported and erased (``distans privacy …``)."""

from __future__ import annotations

import json

import pytest
from tests.factories import make_organisation, make_queue

from distans.accounts.models import AuditEntry
from distans.cli.main import main
from distans.contacts.models import Attachment, Contact, Message

pytestmark = pytest.mark.django_db(transaction=True)


def _contact(org, queue, **fields):  # type: ignore[no-untyped-def]
    contact = Contact.objects.create(organisation=org, queue=queue, channel="email", status="completed", **fields)
    message = Message.objects.create(
        organisation=org, contact=contact, direction="in", sender=fields.get("customer_email", ""),
        body_text=fields.pop("text", "Hej, jag har en fråga."),
    )  # fmt: skip
    return contact, message


def test_find_export_and_erase_a_data_subject(capsys, tmp_path, settings) -> None:  # type: ignore[no-untyped-def]
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = str(tmp_path)
    org = make_organisation(slug="kommun")
    other = make_organisation(slug="annan")
    queue, other_queue = make_queue(org), make_queue(other)
    by_mail, message = _contact(org, queue, customer_email="Asa@Example.se", subject="Bygglov", customer_name="Åsa")
    attachment = Attachment(organisation=org, message=message, filename="ritning.pdf", content_type="application/pdf", size_bytes=3)
    attachment.file.save("ritning.pdf", ContentFile(b"pdf"), save=True)
    by_phone, _ = _contact(org, queue, customer_phone="070-123 45 67")
    by_number = Contact.objects.create(organisation=org, queue=queue, channel="phone", status="completed")
    Message.objects.create(organisation=org, contact=by_number, direction="in", body_text="Mitt pnr är 811218-9876")
    unrelated, _ = _contact(org, queue, customer_email="bo@example.se", subject="Skola")
    elsewhere, _ = _contact(other, other_queue, customer_email="asa@example.se", subject="Annat")

    args = ["--organisation", "kommun", "--email", "asa@example.se", "--phone", "+46701234567",
            "--identity-number", "19811218-9876"]  # fmt: skip
    assert main(["privacy", "find", *args]) == 0
    found = {row["case"] for row in json.loads(capsys.readouterr().out)}
    assert found == {by_mail.case_number, by_phone.case_number, by_number.case_number}

    assert main(["privacy", "export", *args]) == 0
    exported = json.loads(capsys.readouterr().out)
    mail_case = next(c for c in exported if c["case"] == by_mail.case_number)
    assert mail_case["subject"] == "Bygglov" and mail_case["messages"][0]["attachments"] == ["ritning.pdf"]

    assert main(["privacy", "erase", *args]) == 0  # without --yes: only what would be
    assert "would_erase_cases" in capsys.readouterr().out
    assert Contact.objects.get(pk=by_mail.pk).customer_email == "Asa@Example.se"

    stored_file = attachment.file.path
    assert main(["privacy", "erase", *args, "--yes"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["contacts"], report["messages"], report["attachments"]) == (3, 3, 1)
    erased = Contact.objects.get(pk=by_mail.pk)
    assert (erased.customer_email, erased.customer_name, erased.subject) == ("", "", "[raderat]")
    assert not Message.objects.filter(contact_id__in=[by_mail.pk, by_phone.pk, by_number.pk]).exclude(body_text="[raderat]").exists()
    assert not Attachment.objects.exists()
    import os

    assert not os.path.exists(stored_file)
    assert Contact.objects.get(pk=unrelated.pk).customer_email == "bo@example.se"
    assert Contact.objects.get(pk=elsewhere.pk).customer_email == "asa@example.se"
    assert AuditEntry.objects.filter(organisation=org, action="data_subject_erased").count() == 1
    assert main(["privacy", "find", "--organisation", "kommun"]) == 1  # nothing to look for
