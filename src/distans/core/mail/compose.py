"""Outbound mail: an agent's reply and the automatic acknowledgement.

A reply carries ``In-Reply-To: <parent id>`` and ``References: <parent's References,
or its In-Reply-To when it has none> <parent id>`` (RFC 5322 §3.6.4), a subject with
one ``Re: `` (never stacked) and the case tag, so the customer's next answer finds its
case even when their mail program drops the headers. The acknowledgement is a reply
marked ``Auto-Submitted: auto-replied`` (RFC 3834 §5) and is never sent to mail that
loop protection did not classify as human (RFC 3834 §2: no automatic response to
automatic mail, lists or bounces). ``X-Auto-Response-Suppress: All`` asks Exchange
not to answer it with an out-of-office reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from distans.core.errors import InvalidInput
from distans.core.mail.case_match import CaseTag
from distans.core.mail.parse import MailAddress, ParsedMessage
from distans.core.mail.subject import reply_subject

#: RFC 5322 has no limit on References; long threads are cut like Thunderbird does,
#: keeping the first id (the thread's root) and the most recent ones.
MAX_REFERENCES = 20


@dataclass(frozen=True)
class Mailbox:
    """The organisation's mailbox a reply is sent from."""

    address: str
    display_name: str = ""

    @property
    def domain(self) -> str:
        """The domain used for new Message-IDs."""
        return self.address.rpartition("@")[2] or "localhost"


def _header_address(address: MailAddress | Mailbox) -> Address:
    if isinstance(address, Mailbox):
        name, addr_spec = address.display_name, address.address
    else:
        name, addr_spec = address.name, address.address
    try:
        return Address(display_name=name, addr_spec=addr_spec)
    except (ValueError, IndexError) as error:
        raise InvalidInput(f"Cannot send to the address {addr_spec!r}.") from error


def reply_references(original: ParsedMessage) -> tuple[str, ...]:
    """References of a reply to ``original`` (RFC 5322 §3.6.4), trimmed to
    :data:`MAX_REFERENCES` keeping the first and the latest ids."""
    if original.message_id_generated:
        return original.thread_references[-MAX_REFERENCES:]
    refs = (*original.thread_references, original.message_id)
    if len(refs) > MAX_REFERENCES:
        refs = (refs[0], *refs[-(MAX_REFERENCES - 1) :])
    return refs


def build_reply(
    original: ParsedMessage,
    *,
    mailbox: Mailbox,
    body_text: str,
    case_number: int | None,
    now: datetime,
    body_html: str | None = None,
    case_tag: CaseTag | None = None,
    cc: tuple[MailAddress, ...] = (),
) -> EmailMessage:
    """A reply to ``original`` from ``mailbox``, threaded and tagged with the case."""
    if now.tzinfo is None:
        raise InvalidInput("The send time must be timezone-aware.")
    recipients = original.answer_to
    if not recipients:
        raise InvalidInput("The message has no sender to reply to.")
    subject = reply_subject(original.subject)
    if case_number is not None:
        subject = (case_tag or CaseTag()).add_to(subject, case_number)

    reply = EmailMessage()
    reply["From"] = _header_address(mailbox)
    reply["To"] = [_header_address(a) for a in recipients]
    if cc:
        reply["Cc"] = [_header_address(a) for a in cc]
    reply["Subject"] = subject
    reply["Date"] = format_datetime(now)
    reply["Message-ID"] = make_msgid(domain=mailbox.domain)
    if not original.message_id_generated:
        reply["In-Reply-To"] = original.message_id
    references = reply_references(original)
    if references:
        reply["References"] = " ".join(references)
    reply.set_content(body_text)
    if body_html is not None:
        reply.add_alternative(body_html, subtype="html")
    return reply


def build_acknowledgement(
    original: ParsedMessage,
    *,
    mailbox: Mailbox,
    body_text: str,
    case_number: int,
    now: datetime,
    case_tag: CaseTag | None = None,
) -> EmailMessage | None:
    """The automatic "we have received your message" reply, or ``None`` when loop
    protection forbids answering ``original`` (or it has no sender)."""
    if not original.classification.may_auto_reply or not original.answer_to:
        return None
    acknowledgement = build_reply(
        original,
        mailbox=mailbox,
        body_text=body_text,
        case_number=case_number,
        now=now,
        case_tag=case_tag,
    )
    acknowledgement["Auto-Submitted"] = "auto-replied"
    acknowledgement["X-Auto-Response-Suppress"] = "All"
    acknowledgement["X-Loop"] = mailbox.address
    return acknowledgement
