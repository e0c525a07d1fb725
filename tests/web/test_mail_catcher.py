"""Issue 14 point 2: the demo's mail catcher (a real SMTP server on localhost) keeps
what Distans sends, shows it on a page, and hands the demo mailbox's mail to its
intake, so a customer ↔ agent e-mail round trip runs on one machine."""

from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.test import Client
from tests.factories import make_organisation, make_person, make_queue
from tests.mailserver.fixtures import free_port

from distans.accounts.actions import do_create_api_token
from distans.channels_email.models import Mailbox
from distans.contacts.models import Contact
from distans.contacts.replies import send_reply
from distans.demo.mailcatcher import CatcherHandler


@pytest.fixture
def catcher(tmp_path: Path, settings):  # type: ignore[no-untyped-def]
    from aiosmtpd.controller import Controller

    port = free_port()
    settings.DISTANS_MAIL_CATCHER_PORT = port
    settings.DISTANS_MAIL_CATCHER_DIR = tmp_path / "caught"
    handler = CatcherHandler(tmp_path / "caught")
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def _wait(predicate, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_a_customer_mail_and_the_agents_reply_go_round_through_the_catcher(  # type: ignore[no-untyped-def]
    catcher, live_server, monkeypatch
) -> None:
    handler, port = catcher
    org = make_organisation()
    queue = make_queue(org, name="Allmänt")
    Mailbox.objects.create(
        organisation=org, queue=queue, address="kontakt@kommun.example", active=False,
        imap_host="imap.invalid", imap_username="x", smtp_host="127.0.0.1", smtp_port=port,
        smtp_use_tls=False, auto_acknowledge=False,
    )  # fmt: skip
    handler.deliver_url = live_server.url
    handler.mailbox = "kontakt@kommun.example"
    handler.api_key = do_create_api_token(org, "demo", scopes=["mail.inbound"])[0]
    admin = make_person(org, is_org_admin=True)
    agent = make_person(org)

    # The customer writes: through the catcher's SMTP into the mailbox's intake.
    question = EmailMessage()
    question["From"] = "Åsa Kund <asa@example.se>"
    question["To"] = "kontakt@kommun.example"
    question["Subject"] = "Sophämtning"
    question["Message-ID"] = "<q1@example.se>"
    question.set_content("När töms soptunnan?")
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(question)
    _wait(lambda: Contact.objects.filter(organisation=org, subject="Sophämtning").exists())
    contact = Contact.objects.get(organisation=org, subject="Sophämtning")
    Contact.objects.filter(pk=contact.pk).update(agent=agent, status="active")

    # The agent answers: the reply leaves over SMTP to the catcher, threaded.
    reply = send_reply(contact, agent, "På tisdag.")
    reply.outgoing.refresh_from_db()
    assert reply.outgoing.status == "sent"

    client = Client()
    client.force_login(admin)
    page = client.get("/email/caught/").content.decode()
    assert "Sophämtning" in page and f"Re: Sophämtning [#{contact.pk}]" in page
    assert "asa@example.se" in page
    caught = sorted(Path(handler.directory).glob("*.eml"))
    assert len(caught) == 2
    one = client.get(f"/email/caught/{caught[-1].stem}/").content.decode()
    assert "På tisdag." in one and "&lt;q1@example.se&gt;" in one  # In-Reply-To kept

    # The customer answers the reply: it threads onto the open contact and the agent
    # hears of it live.
    heard = []
    monkeypatch.setattr(
        "distans.channels_email.ingest.publish",
        lambda group, kind, **data: heard.append((group, kind, data)),
    )
    answer = EmailMessage()
    answer["From"] = "Åsa Kund <asa@example.se>"
    answer["To"] = "kontakt@kommun.example"
    answer["Subject"] = f"Re: Re: Sophämtning [#{contact.pk}]"
    answer["Message-ID"] = "<q2@example.se>"
    answer["In-Reply-To"] = reply.external_id
    answer.set_content("Tack!")
    with smtplib.SMTP("127.0.0.1", port) as smtp:
        smtp.send_message(answer)
    _wait(lambda: contact.messages.filter(body_text__contains="Tack!").exists())
    assert Contact.objects.filter(organisation=org).count() == 1
    assert (f"person.{agent.pk}", "message", {"contact_id": contact.pk}) in heard


@pytest.mark.django_db
def test_the_caught_mail_page_is_for_admins_and_only_while_a_catcher_runs(  # type: ignore[no-untyped-def]
    settings, tmp_path
) -> None:
    org = make_organisation()
    make_queue(org)  # set up (an admin without queues is sent to the first run)
    agent = make_person(org)
    admin = make_person(org, is_org_admin=True)
    client = Client()
    client.force_login(admin)
    settings.DISTANS_MAIL_CATCHER_PORT = 0
    assert client.get("/email/caught/").status_code == 404
    assert "/email/caught/" not in client.get("/").content.decode()  # not in the menu
    settings.DISTANS_MAIL_CATCHER_PORT = 2525
    settings.DISTANS_MAIL_CATCHER_DIR = tmp_path
    page = client.get("/email/caught/").content.decode()
    assert "Ingen e-post fångad än." in page
    assert 'href="/email/caught/"' in client.get("/").content.decode()
    client.force_login(agent)
    assert client.get("/email/caught/").status_code == 403


@pytest.mark.django_db
def test_the_demo_mailbox_sends_through_the_catcher_when_the_demo_runs_one(settings) -> None:  # type: ignore[no-untyped-def]
    from distans.channels_email.demo import demo_mailbox_address, load_email_demo

    org = make_organisation()
    make_queue(org, code="allmant")
    settings.DISTANS_MAIL_CATCHER_PORT = 0
    load_email_demo(org)
    box = Mailbox.objects.get(organisation=org, address=demo_mailbox_address())
    assert box.smtp_host == ""  # no catcher: nothing pretends to send
    settings.DISTANS_MAIL_CATCHER_PORT = 18025
    load_email_demo(org)  # `distans demo` loads the data again on every start
    box.refresh_from_db()
    assert (box.smtp_host, box.smtp_port, box.smtp_use_tls) == ("127.0.0.1", 18025, False)
