"""Parsing raw inbound mail into plain data, never raising on bad input.

Uses the standard library ``email`` package with ``policy.default`` (RFC 5322 / RFC
6532 headers, RFC 2047 encoded words, RFC 2231 parameters). Whatever is malformed —
broken MIME, unknown charsets, missing or garbage headers, raw 8-bit bytes — is listed
in ``problems`` as :class:`~distans.core.mail.problems.ParseProblem` codes, and the
parser returns what it could read. A missing Message-ID is replaced by a stable one
derived from the SHA-256 of the raw bytes, so fetching the same mail twice gives the
same id (the e-mail channel relies on that to avoid duplicates).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from distans.core.errors import InvalidInput
from distans.core.mail.html_content import html_to_text, sanitise_html
from distans.core.mail.loop_protection import LoopSignals, MailClassification, classify_mail
from distans.core.mail.mime_parts import (
    Attachment,
    AttachmentLimits,
    DroppedAttachment,
    extract_content,
)
from distans.core.mail.problems import ParseProblem
from distans.core.mail.text_decoding import clean_text
from distans.core.mail.threading import ThreadableMessage

GENERATED_ID_DOMAIN = "generated.distans.invalid"
#: A Date more than this far after receipt is not believed (clock error or spoofing).
MAX_DATE_AHEAD = timedelta(days=1)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True)
class MailAddress:
    """A display name and an address (``name`` may be empty)."""

    name: str
    address: str


@dataclass(frozen=True)
class ParsedMessage:
    """Everything the contact center needs from one inbound message."""

    message_id: str
    message_id_generated: bool
    in_reply_to: str | None
    references: tuple[str, ...]
    sender: MailAddress | None
    reply_to: tuple[MailAddress, ...]
    to: tuple[MailAddress, ...]
    cc: tuple[MailAddress, ...]
    subject: str
    sent_at: datetime
    text_body: str
    html_body: str | None
    remote_images_blocked: int
    attachments: tuple[Attachment, ...]
    dropped_attachments: tuple[DroppedAttachment, ...]
    classification: MailClassification
    problems: tuple[ParseProblem, ...]
    size_bytes: int

    @property
    def thread_references(self) -> tuple[str, ...]:
        """References, then In-Reply-To unless it is already last (RFC 5322 §3.6.4)."""
        refs = self.references
        if self.in_reply_to and (not refs or refs[-1] != self.in_reply_to):
            refs = (*refs, self.in_reply_to)
        return refs

    @property
    def answer_to(self) -> tuple[MailAddress, ...]:
        """Where a reply goes: Reply-To when given, else From (RFC 5322 §3.6.2)."""
        if self.reply_to:
            return self.reply_to
        return (self.sender,) if self.sender is not None else ()

    def to_threadable(self, key: object = None) -> ThreadableMessage:
        """The fields threading needs."""
        return ThreadableMessage(self.message_id, self.thread_references, self.subject, key)


class _Reader:
    """Header access that records problems instead of raising.

    ``raw`` for headers without encoded words (ids, loop-protection flags), ``header``
    for decoded text (Subject), ``addresses`` for address lists: ``policy.default``
    parses a header on every access, which dominates the parse time.
    """

    def __init__(self, message: Message) -> None:
        self.message = message
        self.problems: list[ParseProblem] = []

    def note(self, problem: ParseProblem) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def raw(self, name: str) -> str | None:
        """The first ``name`` header as received, raw 8-bit bytes decoded."""
        for key, value in self.message.raw_items():
            if key.lower() == name.lower():
                text, had_8bit = clean_text(str(value))
                if had_8bit:
                    self.note(ParseProblem.RAW_8BIT_HEADER)
                return " ".join(text.split())
        return None

    def _has_8bit(self, name: str) -> bool:
        value = next((v for k, v in self.message.raw_items() if k.lower() == name.lower()), "")
        return clean_text(str(value))[1]

    def header(self, name: str) -> str | None:
        """The decoded value (RFC 2047 encoded words) of the first ``name`` header."""
        raw = self.raw(name)
        if raw is None or self._has_8bit(name):
            return raw
        try:
            value = self.message.get(name)
            text = raw if value is None else str(value)
        except Exception:  # policy.default parses lazily; any header may be garbage
            self.note(ParseProblem.INVALID_HEADER)
            return raw
        return " ".join(clean_text(text)[0].split())

    def addresses(self, name: str) -> tuple[MailAddress, ...]:
        """The addresses in ``name``, lower-cased; a lenient parse when strict fails."""
        raw = self.raw(name)
        if not raw:
            return ()
        try:
            if self._has_8bit(name):
                raise ValueError(name)
            parsed = getattr(self.message[name], "addresses", None)
            if parsed is None:
                raise ValueError(name)
            found = [MailAddress(a.display_name, a.addr_spec) for a in parsed]
        except Exception:  # fall back to the lenient compat parser
            found = [MailAddress(n, a) for n, a in getaddresses([raw]) if a]
        cleaned = [
            MailAddress(clean_text(a.name)[0], clean_text(a.address)[0].strip().lower())
            for a in found
        ]
        if not cleaned or any("@" not in a.address for a in cleaned):
            self.note(ParseProblem.INVALID_ADDRESS)
        return tuple(a for a in cleaned if a.address)


def _generated_id(raw: bytes) -> str:
    return f"<{hashlib.sha256(raw).hexdigest()[:40]}@{GENERATED_ID_DOMAIN}>"


def _sent_at(reader: _Reader, received_at: datetime) -> datetime:
    value = reader.raw("Date")
    if not value:
        reader.note(ParseProblem.MISSING_DATE)
        return received_at
    try:
        sent_at = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        reader.note(ParseProblem.INVALID_DATE)
        return received_at
    if sent_at.tzinfo is None:  # "-0000": UTC, origin zone unknown (RFC 5322 §3.3)
        sent_at = sent_at.replace(tzinfo=UTC)
    if sent_at - received_at > MAX_DATE_AHEAD:
        reader.note(ParseProblem.DATE_IN_FUTURE)
        return received_at
    return sent_at.astimezone(UTC)


def _loop_signals(reader: _Reader, sender: MailAddress | None) -> LoopSignals:
    message = reader.message
    return LoopSignals(
        sender_address=sender.address if sender else "",
        return_path=reader.raw("Return-Path"),
        content_type=message.get_content_type(),
        report_type=str(message.get_param("report-type") or ""),
        auto_submitted=reader.raw("Auto-Submitted"),
        x_autoreply=reader.raw("X-Autoreply") is not None,
        x_autorespond=reader.raw("X-Autorespond") is not None,
        x_auto_response_suppress=reader.raw("X-Auto-Response-Suppress"),
        precedence=reader.raw("Precedence"),
        list_id=reader.raw("List-Id"),
        list_unsubscribe=reader.raw("List-Unsubscribe") is not None,
        x_failed_recipients=reader.raw("X-Failed-Recipients") is not None,
        x_loop=tuple(str(v) for v in (message.get_all("X-Loop") or ())),
    )


def parse_message(
    raw: bytes,
    *,
    received_at: datetime,
    own_addresses: tuple[str, ...] = (),
    limits: AttachmentLimits | None = None,
    allow_remote_images: bool = False,
    blocked_image_src: str = "",
) -> ParsedMessage:
    """Parse ``raw`` (RFC 5322 bytes) into a :class:`ParsedMessage`; never raises on
    bad mail. ``received_at`` (timezone-aware) stands in for a missing or bad Date."""
    if received_at.tzinfo is None:
        raise InvalidInput("The received time must be timezone-aware.")
    try:
        return _parse(
            raw, received_at, own_addresses, limits or AttachmentLimits(),
            allow_remote_images, blocked_image_src,
        )  # fmt: skip
    except Exception:  # last resort: a message we cannot read at all is still kept
        return _unparseable(raw, received_at, own_addresses)


def _parse(
    raw: bytes,
    received_at: datetime,
    own_addresses: tuple[str, ...],
    limits: AttachmentLimits,
    allow_remote_images: bool,
    blocked_image_src: str,
) -> ParsedMessage:
    message = message_from_bytes(raw, policy=policy.default)
    reader = _Reader(message)
    if message.defects:
        reader.note(ParseProblem.BROKEN_MIME)

    ids = _MESSAGE_ID.findall(reader.raw("Message-ID") or "")
    message_id = ids[0] if ids else _generated_id(raw)
    if not ids:
        reader.note(ParseProblem.MISSING_MESSAGE_ID)
    in_reply_to_ids = _MESSAGE_ID.findall(reader.raw("In-Reply-To") or "")
    references = tuple(_MESSAGE_ID.findall(reader.raw("References") or ""))

    senders = reader.addresses("From")
    sender = senders[0] if senders else None
    if sender is None:
        reader.note(ParseProblem.MISSING_FROM)

    content = extract_content(message, limits)
    for problem in content.problems:
        reader.note(problem)
    if any(part.defects for part in message.walk()):
        reader.note(ParseProblem.BROKEN_MIME)

    html_body = None
    remote_images_blocked = 0
    if content.text_html is not None:
        sanitised = sanitise_html(
            content.text_html,
            allow_remote_images=allow_remote_images,
            blocked_image_src=blocked_image_src,
        )
        html_body, remote_images_blocked = sanitised.html, sanitised.remote_images_blocked
    if content.text_plain is not None and (content.text_plain.strip() or not content.text_html):
        text_body = content.text_plain
    elif content.text_html is not None:
        text_body = html_to_text(content.text_html)
    else:
        text_body = ""
        reader.note(ParseProblem.NO_TEXT_BODY)

    return ParsedMessage(
        message_id=message_id,
        message_id_generated=not ids,
        in_reply_to=in_reply_to_ids[0] if in_reply_to_ids else None,
        references=references,
        sender=sender,
        reply_to=reader.addresses("Reply-To"),
        to=reader.addresses("To"),
        cc=reader.addresses("Cc"),
        subject=reader.header("Subject") or "",
        sent_at=_sent_at(reader, received_at),
        text_body=clean_text(text_body)[0],
        html_body=html_body,
        remote_images_blocked=remote_images_blocked,
        attachments=tuple(content.attachments),
        dropped_attachments=tuple(content.dropped),
        classification=classify_mail(_loop_signals(reader, sender), own_addresses),
        problems=tuple(reader.problems),
        size_bytes=len(raw),
    )


def _unparseable(raw: bytes, received_at: datetime, own: tuple[str, ...]) -> ParsedMessage:
    return ParsedMessage(
        message_id=_generated_id(raw),
        message_id_generated=True,
        in_reply_to=None,
        references=(),
        sender=None,
        reply_to=(),
        to=(),
        cc=(),
        subject="",
        sent_at=received_at,
        text_body=clean_text(raw.decode("utf-8", errors="replace"))[0],
        html_body=None,
        remote_images_blocked=0,
        attachments=(),
        dropped_attachments=(),
        classification=classify_mail(LoopSignals(), own),
        problems=(ParseProblem.UNPARSEABLE,),
        size_bytes=len(raw),
    )
