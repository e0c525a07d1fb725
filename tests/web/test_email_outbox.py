"""Issue 14 point 2: every outgoing mail is in the outbox and tells the truth (queued,
sent, failed; retried with back-off), per message on the desk; closing a contact
whose reply is missing or failed warns."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from tests.factories import make_agent, make_organisation, make_queue
from tests.factories_desk import make_topic

from distans.channels_email.models import Mailbox, OutgoingMail
from distans.channels_email.outbox import MAX_ATTEMPTS, RETRY_DELAYS, deliver, send_due_mail
from distans.contacts.models import Contact, Message
from distans.routing import actions as routing
from distans.routing.models import Offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """An agent (Swedish desk) handling an e-mail contact of a mailbox without SMTP."""
    org = make_organisation()
    queue = make_queue(org, name="Allmänt", wrap_up_seconds=60)
    agent = make_agent(org, [queue], full_name="Anna Agent", language="sv")
    make_topic(org, name="Bygglov")
    mailbox = Mailbox.objects.create(
        organisation=org,
        queue=queue,
        address="kontakt@kommun.example",
        active=False,
        imap_host="imap.invalid",
        imap_username="kontakt@kommun.example",
    )
    client = Client()
    client.force_login(agent)

    def post(path: str, data: dict | None = None):  # type: ignore[no-untyped-def,type-arg]
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data or {}, HTTP_HX_REQUEST="true")

    with django_capture_on_commit_callbacks(execute=True):
        routing.do_set_presence(agent, "available")
    with django_capture_on_commit_callbacks(execute=True):
        contact = routing.do_create_contact(
            queue,
            "email",
            customer_email="asa@example.se",
            customer_name="Åsa Kund",
            subject="Bygglov",
            attributes={"mailbox_id": mailbox.pk},
        )
    Message.objects.create(
        organisation=org, contact=contact, direction="in", body_text="Hur söker jag bygglov?"
    )
    post(f"/desk/offers/{Offer.objects.get(contact=contact).pk}/accept/")
    return org, mailbox, contact, client, post


def _outgoing(contact: Contact) -> OutgoingMail:
    return OutgoingMail.objects.get(message__contact=contact)


def test_a_reply_without_smtp_is_stored_failed_retried_with_back_off_then_sent(  # type: ignore[no-untyped-def]
    desk, smtp_server
) -> None:
    org, mailbox, contact, client, post = desk
    response = post(f"/desk/contacts/{contact.pk}/reply/", {"text": "Du söker på webben."})
    assert response.status_code == 200
    outgoing = _outgoing(contact)
    assert (outgoing.status, outgoing.attempts) == ("failed", 1)
    assert "kontakt@kommun.example" in outgoing.last_error  # "… has no SMTP server"
    first_retry = outgoing.next_attempt_at
    assert first_retry is not None
    assert first_retry - outgoing.last_attempt_at == dt.timedelta(seconds=RETRY_DELAYS[0])

    thread = client.get(f"/desk/contacts/{contact.pk}/thread/").content.decode()
    assert "Du söker på webben." in thread
    assert "E-post inte skickad" in thread and "nästa försök" in thread

    # Not due yet: nothing is tried.
    assert send_due_mail(now=first_retry - dt.timedelta(seconds=1)) == 0
    assert _outgoing(contact).attempts == 1
    # Due, still failing: the pause grows.
    send_due_mail(now=first_retry)
    outgoing = _outgoing(contact)
    assert (outgoing.status, outgoing.attempts) == ("failed", 2)
    assert outgoing.next_attempt_at - outgoing.last_attempt_at == dt.timedelta(
        seconds=RETRY_DELAYS[1]
    )

    # The administrator fixes the mailbox; the next attempt sends it.
    Mailbox.objects.filter(pk=mailbox.pk).update(
        smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_use_tls=False
    )
    assert send_due_mail(now=outgoing.next_attempt_at) == 1
    outgoing = _outgoing(contact)
    assert (outgoing.status, outgoing.attempts, outgoing.last_error) == ("sent", 3, "")
    assert smtp_server.wait_for(1)[0].rcpt_tos == ("asa@example.se",)
    thread = client.get(f"/desk/contacts/{contact.pk}/thread/").content.decode()
    assert "E-post skickad" in thread and "inte skickad" not in thread


def test_the_outbox_gives_up_after_the_last_attempt(desk) -> None:  # type: ignore[no-untyped-def]
    org, mailbox, contact, client, post = desk
    post(f"/desk/contacts/{contact.pk}/reply/", {"text": "Svar"})
    for _ in range(MAX_ATTEMPTS + 2):
        outgoing = _outgoing(contact)
        if outgoing.next_attempt_at is None:
            break
        send_due_mail(now=outgoing.next_attempt_at)
    outgoing = _outgoing(contact)
    assert (outgoing.status, outgoing.attempts, outgoing.next_attempt_at) == (
        "failed",
        MAX_ATTEMPTS,
        None,
    )
    thread = client.get(f"/desk/contacts/{contact.pk}/thread/").content.decode()
    assert "slutat försöka" in thread


def test_one_attempt_at_a_time(desk, smtp_server) -> None:  # type: ignore[no-untyped-def]
    """Two workers due at the same moment: only the one that claims the row sends."""
    org, mailbox, contact, client, post = desk
    post(f"/desk/contacts/{contact.pk}/reply/", {"text": "Svar"})
    Mailbox.objects.filter(pk=mailbox.pk).update(
        smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_use_tls=False
    )
    due = _outgoing(contact).next_attempt_at
    first = deliver(_outgoing(contact).pk, now=due)
    second = deliver(_outgoing(contact).pk, now=due)
    assert first is not None and first.status == "sent" and second is None
    assert len(smtp_server.wait_for(1)) == 1


def test_closing_without_a_reply_warns_and_can_be_confirmed(desk) -> None:  # type: ignore[no-untyped-def]
    org, mailbox, contact, client, post = desk
    response = post(f"/desk/contacts/{contact.pk}/complete/", {"topic": "Bygglov"})
    html = response.content.decode()
    assert "Inget svar har skickats till kunden." in html and "Avsluta ändå" in html
    assert "X-Desk-Ok" not in response
    contact.refresh_from_db()
    assert contact.status == "active"

    confirmed = post(f"/desk/contacts/{contact.pk}/complete/", {"topic": "Bygglov", "confirm": "1"})
    assert confirmed["X-Desk-Ok"] == "1"
    contact.refresh_from_db()
    assert contact.status != "active"


def test_closing_after_a_failed_reply_warns_and_after_a_sent_one_does_not(  # type: ignore[no-untyped-def]
    desk, smtp_server
) -> None:
    org, mailbox, contact, client, post = desk
    post(f"/desk/contacts/{contact.pk}/reply/", {"text": "Svar"})
    html = post(f"/desk/contacts/{contact.pk}/complete/", {"topic": "Bygglov"}).content.decode()
    assert "Det senaste svaret kunde inte skickas" in html
    contact.refresh_from_db()
    assert contact.status == "active"

    Mailbox.objects.filter(pk=mailbox.pk).update(
        smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_use_tls=False
    )
    send_due_mail(now=timezone.now() + dt.timedelta(hours=1))
    assert post(f"/desk/contacts/{contact.pk}/complete/", {"topic": "Bygglov"})["X-Desk-Ok"] == "1"


@pytest.mark.django_db(transaction=True)
def test_the_agent_hears_at_once_that_the_reply_was_not_sent(desk) -> None:  # type: ignore[no-untyped-def]
    """Outside a test transaction the first attempt runs before the answer: the
    agent is told right away (and the reply is kept, not lost)."""
    org, mailbox, contact, client, post = desk
    response = client.post(
        f"/desk/contacts/{contact.pk}/reply/", {"text": "Hej"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "Ditt svar är sparat men e-postmeddelandet kunde inte skickas" in html
    assert response["HX-Retarget"] == "#desk-alert"
    assert Message.objects.filter(contact=contact, direction="out", body_text="Hej").exists()


def test_a_web_form_contact_is_answered_by_email(
    desk, smtp_server, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    """The desk offers a reply box on a form contact: it goes out by e-mail to the
    address the visitor gave (before, "Replies on the form channel are not possible")."""
    org, mailbox, contact, client, post = desk
    Mailbox.objects.filter(pk=mailbox.pk).update(
        smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_use_tls=False
    )
    Contact.objects.filter(pk=contact.pk).update(channel="form")
    response = post(f"/desk/contacts/{contact.pk}/reply/", {"text": "Tack för ditt formulär."})
    assert response["X-Desk-Ok"] == "1"
    received = smtp_server.wait_for(1)[0]
    assert received.rcpt_tos == ("asa@example.se",)
    assert _outgoing(contact).status == "sent"


def test_the_admin_lists_the_organisations_outgoing_mail_and_retries_failed_ones(desk) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_person

    org, mailbox, contact, client, post = desk
    post(f"/desk/contacts/{contact.pk}/reply/", {"text": "Svar"})
    outgoing = _outgoing(contact)
    other_org = make_organisation()
    OutgoingMail.objects.create(
        organisation=other_org, purpose="account", recipients="beta@example.org",
        subject="Beta-hemlis", raw=b"x", created_at=timezone.now(),
    )  # fmt: skip
    admin = Client()
    admin.force_login(make_person(org, is_org_admin=True))
    listing = admin.get("/admin/channels_email/outgoingmail/").content.decode()
    assert "asa@example.se" in listing and "Beta-hemlis" not in listing
    assert "Misslyckades" in listing  # the state, in Swedish
    admin.post(
        "/admin/channels_email/outgoingmail/",
        {"action": "try_again_now", "_selected_action": [outgoing.pk]},
    )
    outgoing.refresh_from_db()
    assert outgoing.next_attempt_at <= timezone.now()


def test_the_agent_tries_a_failed_reply_again_from_the_thread(desk, smtp_server) -> None:  # type: ignore[no-untyped-def]
    from tests.factories import make_person

    org, mailbox, contact, client, post = desk
    post(f"/desk/contacts/{contact.pk}/reply/", {"text": "Svar"})
    outgoing = _outgoing(contact)
    thread = client.get(f"/desk/contacts/{contact.pk}/thread/").content.decode()
    assert (
        f'hx-post="/email/outgoing/{outgoing.pk}/retry/"' in thread and "Försök igen nu" in thread
    )

    still = post(f"/email/outgoing/{outgoing.pk}/retry/").content.decode()
    assert "kunde fortfarande inte skickas" in still  # the mailbox still has no SMTP
    assert _outgoing(contact).attempts == 2

    colleague = Client()
    colleague.force_login(make_person(org))  # not the agent handling the contact
    assert colleague.post(f"/email/outgoing/{outgoing.pk}/retry/").status_code == 404

    Mailbox.objects.filter(pk=mailbox.pk).update(
        smtp_host=smtp_server.host, smtp_port=smtp_server.port, smtp_use_tls=False
    )
    sent = post(f"/email/outgoing/{outgoing.pk}/retry/")
    assert "skickat nu" in sent.content.decode() and sent["HX-Retarget"] == "#desk-alert"
    assert _outgoing(contact).status == "sent"
    assert smtp_server.wait_for(1)[0].rcpt_tos == ("asa@example.se",)
    assert post(f"/email/outgoing/{outgoing.pk}/retry/").status_code == 404  # nothing to retry
