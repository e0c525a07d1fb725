"""The web form's fields are the admin's choice per widget (Settings → Channels → a
chat widget): name and phone number shown optional, required or not at all; the
attachment shown or not. Without a phone field the e-mail address is required."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from tests.factories import make_organisation, make_person, make_queue

from distans.accounts.models import AuditEntry
from distans.channels_chat.models import ChatWidget
from distans.contacts.models import Contact

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_limits() -> None:
    cache.clear()


def _send(widget: ChatWidget, **fields: str) -> Any:
    client = Client()
    page = client.get(f"/chat/form/{widget.key}/?lang=sv")
    data = {
        "message": "Hur söker jag bygglov?",
        "started": page.context["form"].initial["started"],
        **fields,
    }
    return client.post(f"/chat/form/{widget.key}/?lang=sv", data)


def test_the_admin_chooses_the_web_forms_fields() -> None:
    org = make_organisation()
    queue = make_queue(org, name="Kundtjänst", code="kt")
    admin = make_person(org, is_org_admin=True, language="sv")
    client = Client()
    client.force_login(admin)
    base = {"name": "Webbform", "queue": queue.pk, "active": "on"}
    assert client.post("/settings/channels/widgets/new/", base).status_code == 302
    widget = ChatWidget.objects.get(organisation=org)
    assert widget.form_fields == {}
    form = Client().get(f"/chat/form/{widget.key}/?lang=sv").content.decode()
    assert 'name="name"' in form and 'name="phone"' in form and 'name="attachment"' in form

    page = client.get(f"/settings/channels/widgets/{widget.pk}/").content.decode()
    assert "Webbformulär: telefonnummer" in page and "visas inte" in page
    changed = {**base, "form_name": "required", "form_phone": "hidden", "form_attachment": "hidden"}
    assert client.post(f"/settings/channels/widgets/{widget.pk}/", changed).status_code == 302
    widget.refresh_from_db()
    assert widget.form_fields == {"name": "required", "phone": "hidden", "attachment": "hidden"}
    assert (
        AuditEntry.objects.for_org(org).filter(action="chat_widget_changed", actor=admin).exists()
    )

    form = Client().get(f"/chat/form/{widget.key}/?lang=sv").content.decode()
    assert 'name="phone"' not in form and 'name="attachment"' not in form and 'name="name"' in form
    assert "Vi svarar via e-post." in form

    no_name = _send(widget, email="vera@example.se")
    assert no_name.status_code == 400 and not Contact.objects.exists()
    no_mail = _send(
        widget, name="Vera", phone="070123456"
    )  # a phone given anyway is no answer path
    assert no_mail.status_code == 400 and not Contact.objects.exists()
    sent = _send(widget, name="Vera", email="vera@example.se")
    assert sent.status_code == 200
    contact = Contact.objects.get()
    assert contact.customer_name == "Vera" and contact.customer_phone == ""


def test_nonsense_field_settings_are_refused_and_ignored() -> None:
    org = make_organisation()
    queue = make_queue(org, name="Kundtjänst", code="kt")
    admin = make_person(org, is_org_admin=True, language="sv")
    client = Client()
    client.force_login(admin)
    bad = {"name": "W", "queue": queue.pk, "active": "on", "form_attachment": "required"}
    assert client.post("/settings/channels/widgets/new/", bad).status_code == 200
    assert not ChatWidget.objects.exists()
    widget = ChatWidget.objects.create(
        organisation=org, queue=queue, name="W", form_fields={"email": "hidden", "phone": "x"}
    )
    form = Client().get(f"/chat/form/{widget.key}/?lang=sv").content.decode()
    assert 'name="email"' in form and 'name="phone"' in form
