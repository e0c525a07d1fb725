"""The embeddable web form: a valid message becomes a "form" contact with a receipt;
spam, floods and bad attachments do not."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from tests.factories import make_organisation, make_queue
from tests.factories_chat import make_widget

from distans.channels_chat import limits
from distans.contacts.models import Attachment, Contact

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_limits() -> None:
    cache.clear()


def _widget() -> Any:
    org = make_organisation(name="Exempelby kommun")
    return make_widget(org, make_queue(org), topics=["Bygglov", "Skola"])


def _post(client: Client, widget: Any, **fields: Any) -> Any:
    page = client.get(f"/chat/form/{widget.key}/?lang=sv")
    started = page.context["form"].initial["started"]
    data = {
        "name": "Vera",
        "email": "vera@example.se",
        "topic": "Bygglov",
        "message": "Hur söker jag?",
        "started": started,
    }
    data.update(fields)
    return client.post(f"/chat/form/{widget.key}/?lang=sv", data)


def test_a_valid_message_becomes_a_contact_and_the_sender_gets_a_receipt(
    client: Client, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    widget = _widget()
    pdf = SimpleUploadedFile("ritning.pdf", b"%PDF-1.4\n...", content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, widget, attachment=pdf)
    assert response.status_code == 200
    contact = Contact.objects.get()
    assert (contact.channel, contact.subject, contact.customer_email) == (
        "form",
        "Bygglov",
        "vera@example.se",
    )
    assert f"ärendenummer är {contact.pk}" in response.content.decode()
    assert Attachment.objects.get().content_type == "application/pdf"
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["vera@example.se"]
    assert str(contact.pk) in mailoutbox[0].subject
    assert "frame-ancestors 'self' https://www.example.se" in response["Content-Security-Policy"]


def test_the_honeypot_gets_a_normal_answer_and_no_contact(
    client: Client, mailoutbox: list[Any]
) -> None:
    response = _post(client, _widget(), website="http://spam.example")
    assert response.status_code == 200
    assert "Tack" in response.content.decode()
    assert not Contact.objects.exists() and not mailoutbox


def test_bad_input_keeps_what_was_typed_and_explains(client: Client) -> None:
    response = _post(client, _widget(), email="", phone="", message="Min fråga om skolan")
    body = response.content.decode()
    assert response.status_code == 400
    assert "Min fråga om skolan" in body
    assert "telefonnummer" in body  # "Ange en e-postadress eller ett telefonnummer …"
    assert not Contact.objects.exists()


def test_a_broken_attachment_is_refused(client: Client) -> None:
    widget = _widget()
    fake = SimpleUploadedFile(
        "virus.pdf", b"MZ\x90\x00\x03\x00\x00\x00", content_type="application/pdf"
    )
    response = _post(client, widget, attachment=fake)
    assert response.status_code == 400
    assert "PDF" in response.content.decode()
    big = SimpleUploadedFile(
        "stor.txt", b"a" * (limits.ATTACHMENT_MAX_BYTES + 1), content_type="text/plain"
    )
    assert _post(client, widget, attachment=big).status_code == 400
    assert not Contact.objects.exists()


def test_a_flood_from_one_address_is_rate_limited(client: Client) -> None:
    widget = _widget()
    codes = [_post(client, widget).status_code for _ in range(limits.FORMS_PER_IP[0] + 2)]
    assert codes[: limits.FORMS_PER_IP[0]] == [200] * limits.FORMS_PER_IP[0]
    assert codes[-1] == 429
    assert Contact.objects.count() == limits.FORMS_PER_IP[0]


def test_an_unknown_key_is_not_found(client: Client) -> None:
    assert client.get("/chat/form/nope/").status_code == 404


def test_widget_script_is_javascript_with_all_languages(client: Client) -> None:
    response = client.get("/chat/widget.js")
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert '"sv":' in body and '"nb":' in body and '"en":' in body
    assert "innerHTML" not in body
