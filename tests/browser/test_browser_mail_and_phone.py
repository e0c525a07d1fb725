"""Newcomer journey (issue 14): an e-mail reply round trip through the demo's mail
catcher, and a phone call from the simulator answered and wrapped up in the browser.

The e-mail: a citizen's mail goes to the demo's mail catcher (real SMTP on localhost),
which hands it to the demo mailbox's intake; the agent accepts it, is warned when
trying to finish without an answer, replies; the desk says the e-mail was sent; the
supervisor sees the reply on the "Sent e-mail (demo)" page; the citizen's answer to
the reply reaches the agent's thread live; finishing warns that it is unanswered and
the agent confirms.

The phone call: the supervisor adds a topic with a keyword; the simulator (the demo's
fake PBX, over the telephony API) places a call; the agent accepts it, the notes bring
the new topic's suggestion live and preselect it; the agent finishes and ends wrap-up;
the simulator's call was answered."""

from __future__ import annotations

import asyncio
import random
import smtplib
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import httpx
from tests.browser.conftest import login
from tests.browser.test_browser_desk import blocking_violations

from distans.channels_email.demo import demo_mailbox_address
from distans.demo.data import DEMO_PASSWORD, demo_email
from distans.telephony.simulator import CallerProfile, place_call


def _watch_errors(page) -> list[str]:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)
    return errors


def _available_desk(browser, base_url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    desk = context.new_page()
    errors = _watch_errors(desk)
    login(desk, base_url, demo_email("agent"), DEMO_PASSWORD)
    desk.goto(f"{base_url}/desk/")
    desk.wait_for_selector("#live-status:not(.offline)")
    desk.click("#desk-state button[hx-vals*='\"available\"']")
    desk.wait_for_selector("#desk-state .presence-available")
    return context, desk, errors


def _finish(desk, contact_id: str, topic: str) -> None:  # type: ignore[no-untyped-def]
    desk.select_option(f"#topic-{contact_id}", topic)
    desk.click(f".workspace[data-contact='{contact_id}'] .complete-form button[type=submit]")
    desk.wait_for_selector(f".workspace[data-contact='{contact_id}']", state="detached")
    desk.wait_for_selector("#desk-state .wrap-up button")
    desk.click("#desk-state .wrap-up button")
    desk.wait_for_selector("#desk-state .presence-available")


def test_an_email_reply_goes_round_through_the_demos_mail_catcher(  # type: ignore[no-untyped-def]
    demo_server, demo_mail_port, demo_var_dir, browser
) -> None:
    agent_context, desk, errors = _available_desk(browser, demo_server)

    question = EmailMessage()
    question["From"] = "Åsa Medborgare <asa.medborgare@medborgare.example>"
    question["To"] = demo_mailbox_address()
    question["Subject"] = "Tömning av soptunnan"
    question["Message-ID"] = "<journey-q1@medborgare.example>"
    question.set_content("Hej! Soptunnan har inte tömts på två veckor. Mvh Åsa")
    with smtplib.SMTP("127.0.0.1", demo_mail_port, timeout=10) as smtp:
        smtp.send_message(question)

    offer = desk.wait_for_selector(".offer:has-text('Åsa Medborgare')", timeout=15_000)
    offer.query_selector("button.accept").click()
    workspace = desk.wait_for_selector(".workspace.ws-email:has-text('Åsa Medborgare')")
    contact_id = workspace.get_attribute("data-contact")
    desk.wait_for_selector(f"#thread-{contact_id} .msg-in:has-text('inte tömts')")

    # Finishing before answering warns (and keeps the contact open).
    desk.select_option(f"#topic-{contact_id}", index=1)
    desk.click(f".workspace[data-contact='{contact_id}'] .complete-form button[type=submit]")
    desk.wait_for_selector("#desk-alert .desk-warning:has-text('Inget svar har skickats')")
    assert desk.locator(f".workspace[data-contact='{contact_id}']").count() == 1

    desk.fill(f"#reply-{contact_id}", "Hej Åsa! Vi tömmer den på torsdag.")
    desk.click(f".workspace[data-contact='{contact_id}'] .reply-form button[type=submit]")
    desk.wait_for_selector(
        f"#thread-{contact_id} .msg-out:has-text('torsdag') .delivery-sent", timeout=15_000
    )

    # The supervisor sees the reply the demo sent, on the mail catcher's page.
    sup_context = browser.new_context(viewport={"width": 1400, "height": 900})
    caught = sup_context.new_page()
    sup_errors = _watch_errors(caught)
    login(caught, demo_server, demo_email("supervisor"), DEMO_PASSWORD)
    caught.goto(f"{demo_server}/email/caught/")
    subject = f"Re: Tömning av soptunnan [#{contact_id}]"
    caught.click(f"a:text-is('{subject}')")
    caught.wait_for_selector(".caught-text:has-text('Vi tömmer den på torsdag.')")
    assert blocking_violations(caught, "main") == []

    # The citizen answers the reply (their mail client threads it by In-Reply-To).
    sent = [
        message_from_bytes(p.read_bytes(), policy=policy.default)
        for p in sorted((Path(demo_var_dir) / "mailcatcher").glob("*.eml"))
    ]
    reply = next(m for m in sent if str(m["Subject"]) == subject)
    assert str(reply["To"]).endswith("<asa.medborgare@medborgare.example>")
    answer = EmailMessage()
    answer["From"] = question["From"]
    answer["To"] = demo_mailbox_address()
    answer["Subject"] = f"Re: {subject}"
    answer["Message-ID"] = "<journey-q2@medborgare.example>"
    answer["In-Reply-To"] = str(reply["Message-ID"])
    answer.set_content("Tack så mycket!")
    with smtplib.SMTP("127.0.0.1", demo_mail_port, timeout=10) as smtp:
        smtp.send_message(answer)
    desk.wait_for_selector(
        f"#thread-{contact_id} .msg-in:has-text('Tack så mycket!')", timeout=15_000
    )

    # The citizen's thanks is newer than the reply: finishing warns again, and the
    # agent confirms.
    desk.select_option(f"#topic-{contact_id}", index=1)
    desk.click(f".workspace[data-contact='{contact_id}'] .complete-form button[type=submit]")
    desk.click("#desk-alert .desk-warning button:text('Avsluta ändå')")
    desk.wait_for_selector(f".workspace[data-contact='{contact_id}']", state="detached")
    desk.click("#desk-state .wrap-up button")
    desk.wait_for_selector("#desk-state .presence-available")
    assert errors == [] and sup_errors == [], (errors, sup_errors)
    agent_context.close()
    sup_context.close()


def test_a_simulated_phone_call_is_answered_and_wrapped_up_in_the_browser(  # type: ignore[no-untyped-def]
    demo_server, demo_var_dir, browser
) -> None:
    # The supervisor adds a topic whose keyword no model has been trained on yet.
    sup_context = browser.new_context(viewport={"width": 1400, "height": 900})
    topics = sup_context.new_page()
    login(topics, demo_server, demo_email("supervisor"), DEMO_PASSWORD)
    topics.goto(f"{demo_server}/topics/new/")
    topics.fill("#id_code", "skolskjuts")
    topics.fill("#id_name", "Skolskjuts")
    topics.fill("#id_keywords_text", "skolskjuts")
    topics.click("main form button[type=submit]")
    topics.wait_for_url(f"{demo_server}/topics/")

    agent_context, desk, errors = _available_desk(browser, demo_server)

    key = (Path(demo_var_dir) / "demo_api_key").read_text().strip()
    outcome: list[str] = []
    stop = asyncio.Event()

    async def call() -> str:
        async with httpx.AsyncClient(
            base_url=demo_server, headers={"Authorization": f"Bearer {key}"}, timeout=10
        ) as client:
            profile = CallerProfile(line="+4655510010", patience_seconds=90, talk_seconds=3)
            return await place_call(client, profile, random.Random(14), stop)

    caller = threading.Thread(target=lambda: outcome.append(asyncio.run(call())), daemon=True)
    caller.start()

    offer = desk.wait_for_selector(".offer", timeout=20_000)
    offer.query_selector("button.accept").click()
    workspace = desk.wait_for_selector(".workspace.ws-phone")
    contact_id = workspace.get_attribute("data-contact")
    caller.join(timeout=30)
    assert outcome == ["answered"]

    # The notes are the call's text: the new topic is suggested while the agent types.
    desk.fill(f"#notes-{contact_id}", "Frågar varför skolskjutsen inte kom i morse.")
    desk.wait_for_selector(f"#topic-hint-{contact_id} :text('Skolskjuts')", timeout=10_000)
    assert desk.locator(f"#topic-{contact_id}").input_value() == "Skolskjuts"
    assert blocking_violations(desk, ".desk") == []

    _finish(desk, contact_id, "Skolskjuts")
    assert errors == [], errors
    agent_context.close()
    sup_context.close()


def test_a_password_reset_link_arrives_through_the_demos_mail_catcher(  # type: ignore[no-untyped-def]
    demo_server, demo_var_dir, browser
) -> None:
    """The done page does not claim the mail went out; the outbox sends it within
    seconds to the catcher, and its link opens the new-password form."""
    import re
    import time

    context = browser.new_context(locale="sv-SE")  # not logged in: the browser's language
    page = context.new_page()
    errors = _watch_errors(page)
    address = demo_email("teamleader")
    page.goto(f"{demo_server}/account/password-reset/")
    page.fill("input[name=email]", address)
    page.click("main form button[type=submit]")
    page.wait_for_selector("h1:text('Din begäran har tagits emot')")
    assert "Titta i din e-post" not in page.content()
    assert blocking_violations(page, "main") == []

    deadline = time.monotonic() + 30
    mail = None
    while mail is None and time.monotonic() < deadline:
        for path in sorted((Path(demo_var_dir) / "mailcatcher").glob("*.eml")):
            parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
            if str(parsed["To"]) == address:
                mail = parsed
        time.sleep(0.5)
    assert mail is not None, "no password-reset mail reached the catcher"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/account/password-reset/\S+/", body)
    assert link is not None, body
    page.goto(link.group(0))
    page.wait_for_selector("input[name=new_password1]")  # a valid link: the form, not an error
    assert errors == [], errors
    context.close()
