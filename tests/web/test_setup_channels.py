"""Channel settings (/settings/channels/): chat widgets with their web form, mailboxes
(secrets encrypted at rest, never shown back, connection test against a real IMAP
and SMTP server), phone lines."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from tests.factories import make_organisation, make_person, make_queue

from distans.accounts.models import AuditEntry
from distans.channels_chat.models import ChatWidget
from distans.channels_email.models import Mailbox
from distans.telephony.models import Line

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):  # type: ignore[no-untyped-def]
    org = make_organisation()
    person = make_person(org, is_org_admin=True, language="sv")
    client = Client()
    client.force_login(person)
    return org, person, client, make_queue(org, name="Kundtjänst", code="kt")


def test_a_widget_is_saved_with_origins_colour_texts_and_shows_its_snippet(admin) -> None:  # type: ignore[no-untyped-def]
    org, person, client, queue = admin
    data = {
        "name": "Webbchatt", "queue": queue.pk, "allowed_origins": "https://www.example.se/\nhttps://example.se",
        "colour": "#0b4f9c", "topics": "Bygglov\nSkola", "active": "on", "greeting_sv": "Hej!",
        "greeting_en": "Hello!", "confirmation_sv": "Tack, vi svarar inom två dagar.",
    }  # fmt: skip
    # A light colour would fail WCAG contrast with the white text: refused, nothing stored.
    response = client.post("/settings/channels/widgets/new/", {**data, "colour": "#ffdd00"})
    assert response.status_code == 200 and "4.5:1" in response.content.decode()
    assert not ChatWidget.objects.exists()
    response = client.post("/settings/channels/widgets/new/", data)
    assert response.status_code == 302
    widget = ChatWidget.objects.get(organisation=org)
    assert widget.allowed_origins == ["https://example.se", "https://www.example.se"]
    assert widget.greetings == {"sv": "Hej!", "en": "Hello!"} and widget.topics == ["Bygglov", "Skola"]
    page = client.get(f"/settings/channels/widgets/{widget.pk}/").content.decode()
    assert f"data-key=&quot;{widget.key}&quot;" in page
    # The web form's thank-you page uses the confirmation text.
    form_page = Client().get(f"/chat/form/{widget.key}/?lang=sv").content.decode()
    assert "form" in form_page
    assert AuditEntry.objects.for_org(org).filter(action="chat_widget_created", actor=person).exists()


def test_mailbox_passwords_are_encrypted_never_shown_and_kept_when_left_empty(admin) -> None:  # type: ignore[no-untyped-def]
    org, _, client, queue = admin
    data = {
        "address": "post@example.se", "queue": queue.pk, "active": "on", "imap_host": "imap.example.se",
        "imap_port": 993, "use_ssl": "on", "imap_username": "post", "imap_password": "hemligt-imap-9",
        "folder": "INBOX", "smtp_host": "smtp.example.se", "smtp_port": 587, "smtp_use_tls": "on",
        "smtp_username": "post", "smtp_password": "hemligt-smtp-9", "from_name": "Kommunen",
    }  # fmt: skip
    assert client.post("/settings/channels/mailboxes/new/", data).status_code == 302
    mailbox = Mailbox.objects.get(organisation=org)
    assert mailbox.imap_password == "hemligt-imap-9"  # the fetcher reads plain text
    with connection.cursor() as cursor:
        cursor.execute("SELECT imap_password, smtp_password FROM channels_email_mailbox WHERE id = %s", [mailbox.pk])
        raw = cursor.fetchone()
    assert all(value.startswith("enc1:") and "hemligt" not in value for value in raw)
    page = client.get(f"/settings/channels/mailboxes/{mailbox.pk}/").content.decode()
    assert "hemligt" not in page
    # Saved again without typing the passwords: they are kept; a new one replaces.
    response = client.post(f"/settings/channels/mailboxes/{mailbox.pk}/", {**data, "imap_password": "", "smtp_password": "", "from_name": "Västerby"})
    assert response.status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.imap_password, mailbox.smtp_password, mailbox.from_name) == ("hemligt-imap-9", "hemligt-smtp-9", "Västerby")
    client.post(f"/settings/channels/mailboxes/{mailbox.pk}/", {**data, "imap_password": "nytt-losen", "smtp_password": ""})
    mailbox.refresh_from_db()
    assert mailbox.imap_password == "nytt-losen" and mailbox.smtp_password == "hemligt-smtp-9"
    for entry in AuditEntry.objects.for_org(org).filter(object_type="channels_email.mailbox"):
        assert "hemligt" not in str(entry.changes) and "nytt-losen" not in str(entry.changes)


def test_the_connection_test_logs_in_to_real_imap_and_smtp_servers(admin, imap_server, imap_user, smtp_server) -> None:  # type: ignore[no-untyped-def]
    org, _, client, queue = admin
    mailbox = Mailbox.objects.create(
        organisation=org, queue=queue, address=imap_user.address, imap_host=imap_server.host,
        imap_port=imap_server.port, use_ssl=False, imap_username=imap_user.address,
        imap_password=imap_user.password, smtp_host=smtp_server.host, smtp_port=smtp_server.port,
        smtp_use_tls=False,
    )  # fmt: skip
    body = client.post(f"/settings/channels/mailboxes/{mailbox.pk}/test/").content.decode()
    assert body.count("fungerar") == 2, body
    mailbox.imap_password = "fel"
    mailbox.save()
    body = client.post(f"/settings/channels/mailboxes/{mailbox.pk}/test/").content.decode()
    assert "IMAP: <strong>misslyckades" in body and "SMTP: <strong>fungerar" in body


def test_a_phone_line_maps_a_number_to_a_queue(admin) -> None:  # type: ignore[no-untyped-def]
    org, _, client, queue = admin
    assert client.post("/settings/channels/lines/new/", {"number": "+46 8 123 00", "name": "Växeln", "queue": queue.pk}).status_code == 302
    line = Line.objects.get(organisation=org)
    assert line.number == "+46812300" and line.queue == queue
    response = client.post("/settings/channels/lines/new/", {"number": "+4681230O", "name": "Fel", "queue": queue.pk})
    assert response.status_code == 200 and Line.objects.count() == 1


def test_an_agent_may_not_change_channels(admin) -> None:  # type: ignore[no-untyped-def]
    org, _, _, queue = admin
    client = Client()
    client.force_login(make_person(org))
    assert client.get("/settings/channels/").status_code == 403
    assert client.post("/settings/channels/lines/new/", {"number": "+4611", "name": "X", "queue": queue.pk}).status_code == 403
    assert not Line.objects.exists()


def test_a_channel_offers_only_the_queues_that_take_it(admin) -> None:  # type: ignore[no-untyped-def]
    org, _, client, queue = admin  # "Kundtjänst" names no channels: takes them all
    phone_only = make_queue(org, name="Telefonkön", code="tel", channels=["phone"])
    widget_page = client.get("/settings/channels/widgets/new/").content.decode()
    line_page = client.get("/settings/channels/lines/new/").content.decode()
    assert "Telefonkön" not in widget_page and "Kundtjänst" in widget_page
    assert "Telefonkön" in line_page
    response = client.post("/settings/channels/widgets/new/", {"name": "Fel kö", "queue": phone_only.pk, "active": "on"})
    assert response.status_code == 200 and not ChatWidget.objects.filter(name="Fel kö").exists()
