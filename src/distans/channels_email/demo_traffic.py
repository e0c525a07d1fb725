"""Demo e-mail: Swedish citizens write to the demo mailbox through the inbound mail
endpoint (``POST /api/email/inbound``) with the demo API key — the same front door a
mail system's webhook uses. Some answer their own earlier mail (threading by
In-Reply-To); a few out-of-office replies show loop protection (no contact).

Mail arrives at the rate of the demo's load description (:mod:`distans.demo.load`:
``EMAIL_PER_HOUR`` at the peak, scaled over the day) on the demo clock, as the history
has it: at a fixed real-time rate it was 22 times the history's peak at speed 1 and 4.5
times at speed 5, and each e-mail keeps a colleague from the phone while handled."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

import httpx

from distans.channels_email.demo import DEMO_MAILBOX_LOCAL
from distans.demo import clock
from distans.demo.load import EMAIL_PER_HOUR, load_factor

QUESTIONS = [
    ("Vaccination", "Hej! Var kan jag vaccinera mig mot covid-19? Jag bor i Norrby."),
    ("Dos tre", "Jag har fått en kallelse till dos tre, vad gör jag nu?"),
    ("Vaccinationsbevis", "Hur får jag mitt vaccinationsbevis? Jag ska resa i mars."),
    ("Besök på äldreboende", "Kan jag besöka min mamma på äldreboendet i helgen?"),
    ("Karantän", "Min son har testat positivt, ska hela familjen stanna hemma?"),
    ("Bygglov", "Hur ansöker jag om bygglov för ett attefallshus?"),
    ("Sophämtning", "När töms soptunnorna i Norrby? Den har inte tömts på två veckor."),
    ("Förskoleplats", "Hur säger jag upp min förskoleplats inför sommaren?"),
    ("Parkeringstillstånd", "Var hittar jag blanketten för parkeringstillstånd?"),
]
NAMES = ["Anna Lind", "Erik Berg", "Maria Nilsson", "Lars Holm", "Sara Ek", "Olof Strand"]


def _api_key() -> str:
    from django.conf import settings

    return (settings.VAR_DIR / "demo_api_key").read_text().strip()


def _mailbox_address() -> str:
    from distans.demo.data import demo_email

    return demo_email(DEMO_MAILBOX_LOCAL)


def _mail(
    sender: str, to: str, subject: str, body: str, reply_to_id: str | None = None
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = f"Re: {subject}" if reply_to_id else subject
    mail["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    mail["Message-ID"] = make_msgid(domain="medborgare.example")
    if reply_to_id:
        mail["In-Reply-To"] = reply_to_id
        mail["References"] = reply_to_id
    mail.set_content(body)
    return mail


async def generate(base_url: str, stop: asyncio.Event) -> None:
    rng = random.Random()
    headers = {"Authorization": f"Bearer {_api_key()}", "Content-Type": "message/rfc822"}
    to = _mailbox_address()
    sent: list[tuple[str, str, str]] = []  # (sender, subject, Message-ID) for follow-ups
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10) as client:
        while not stop.is_set():
            # The first mail after a pause at the load's rate (demo time), not at once.
            per_hour = EMAIL_PER_HOUR * load_factor(clock.local_now())
            await clock.pause(stop, rng.expovariate(per_hour / 3600))
            if stop.is_set():
                break
            minutes = clock.elapsed_minutes()
            corona = 0.8 if 2 <= minutes <= 12 else 0.4  # the morning corona surge
            roll = rng.random()
            if sent and roll < 0.15:
                sender, subject, message_id = rng.choice(sent)
                mail = _mail(
                    sender, to, subject, "Jag glömde nämna att det är bråttom.", message_id
                )
            elif roll < 0.2:
                mail = _mail(
                    rng.choice(NAMES) + " <ledig@medborgare.example>",
                    to,
                    "Frånvaro",
                    "Jag är ledig.",
                )
                mail["Auto-Submitted"] = "auto-replied"
            else:
                pool = QUESTIONS[:5] if rng.random() < corona else QUESTIONS[5:]
                subject, body = rng.choice(pool)
                name = rng.choice(NAMES)
                sender = (
                    f"{name} <{name.split()[0].lower()}{rng.randint(1, 999)}@medborgare.example>"
                )
                mail = _mail(sender, to, subject, f"{body}\n\nMvh {name}")
                sent.append((sender, subject, str(mail["Message-ID"])))
                del sent[:-50]
            try:
                await client.post("/api/email/inbound", params={"mailbox": to}, content=bytes(mail))
            except httpx.HTTPError:
                pass  # the server may be restarting; try again with the next mail
