"""Reads for the e-mail pages: what the demo's mail catcher caught, and the outbox."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.utils import getaddresses
from pathlib import Path

from django.conf import settings

from distans.accounts.models import Organisation, Person
from distans.channels_email.models import Mailbox

MAX_LISTED = 200


@dataclass(frozen=True)
class CaughtMail:
    name: str  # the file's stem: the page's id of the mail
    received_at: dt.datetime
    mail_from: str
    rcpt_tos: tuple[str, ...]
    subject: str
    text: str
    headers: tuple[tuple[str, str], ...]
    delivered_to_mailbox: bool  # addressed to one of the organisation's mailboxes


def catcher_enabled() -> bool:
    return bool(settings.DISTANS_MAIL_CATCHER_PORT)


def _org_addresses(organisation: Organisation | int) -> tuple[set[str], set[str]]:
    boxes = {
        a.lower() for a in Mailbox.objects.for_org(organisation).values_list("address", flat=True)
    }
    people = {
        e.lower() for e in Person.objects.for_org(organisation).values_list("email", flat=True)
    }
    return boxes, people


def _read(eml: Path, boxes: set[str], people: set[str], *, body: bool) -> CaughtMail | None:
    try:
        envelope = json.loads(eml.with_suffix(".json").read_text())
        raw = eml.read_bytes()
    except (OSError, ValueError):
        return None
    rcpt = tuple(str(r).lower() for r in envelope.get("rcpt_tos", []))
    sender = str(envelope.get("mail_from", "")).lower()
    parsed = message_from_bytes(raw, policy=policy.default)
    header_from = {a.lower() for _n, a in getaddresses([str(parsed.get("From", ""))])}
    ours = boxes | people
    # An organisation sees the mail its mailboxes sent or received and the mail sent
    # to its people (password reset): the catcher itself is shared by the whole demo.
    if not (set(rcpt) & ours or sender in boxes or header_from & boxes):
        return None
    text = ""
    if body:
        part = parsed.get_body(preferencelist=("plain", "html"))
        text = part.get_content() if part is not None else ""
    try:
        received = dt.datetime.fromisoformat(envelope.get("received_at", ""))
    except ValueError:
        received = dt.datetime.fromtimestamp(eml.stat().st_mtime, dt.UTC)
    return CaughtMail(
        name=eml.stem,
        received_at=received,
        mail_from=str(parsed.get("From", "")) or sender,
        rcpt_tos=rcpt,
        subject=str(parsed.get("Subject", "")),
        text=text,
        headers=tuple((k, str(v)) for k, v in parsed.items()) if body else (),
        delivered_to_mailbox=bool(set(rcpt) & boxes),
    )


def list_caught_mail(organisation: Organisation | int) -> list[CaughtMail]:
    """The organisation's mail in the catcher, newest first (at most ``MAX_LISTED``)."""
    directory: Path = settings.DISTANS_MAIL_CATCHER_DIR
    if not directory.is_dir():
        return []
    boxes, people = _org_addresses(organisation)
    found = []
    for eml in sorted(directory.glob("*.eml"), reverse=True):
        mail = _read(eml, boxes, people, body=False)
        if mail is not None:
            found.append(mail)
            if len(found) >= MAX_LISTED:
                break
    return found


def get_caught_mail(organisation: Organisation | int, name: str) -> CaughtMail | None:
    directory: Path = settings.DISTANS_MAIL_CATCHER_DIR
    if not name.replace("-", "").replace("T", "").isalnum():
        return None
    eml = directory / f"{name}.eml"
    if not eml.is_file():
        return None
    boxes, people = _org_addresses(organisation)
    return _read(eml, boxes, people, body=True)
