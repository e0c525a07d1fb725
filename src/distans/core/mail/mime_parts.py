"""Walking a MIME tree: the text and HTML bodies, and the attachments within limits.

Body choice follows RFC 2046 §5.1.4 (``multipart/alternative``: the last part the
reader understands is the richest) the way :meth:`email.message.EmailMessage.get_body`
does: the first ``text/plain`` and the first ``text/html`` that are not attachments.
Every other leaf is an attachment (a forwarded ``message/rfc822`` is kept whole as
one ``.eml``). Attachments over ``max_attachment_bytes``, or past
``max_total_attachment_bytes`` for the whole message, are dropped and listed.
"""

from __future__ import annotations

import mimetypes
import re
from dataclasses import dataclass, field
from email.message import Message

from distans.core.mail.problems import ParseProblem
from distans.core.mail.text_decoding import clean_text, decode_bytes, known_charset


@dataclass(frozen=True)
class AttachmentLimits:
    """Size limits for attachments, in bytes after transfer decoding."""

    max_attachment_bytes: int = 10 * 1024 * 1024
    max_total_attachment_bytes: int = 25 * 1024 * 1024
    max_parts: int = 200


@dataclass(frozen=True)
class Attachment:
    """One kept attachment. ``content_id`` lets HTML refer to it as ``cid:``."""

    filename: str
    content_type: str
    size_bytes: int
    content: bytes = field(repr=False)
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True)
class DroppedAttachment:
    """An attachment not kept, shown to the agent so they can ask for it again."""

    filename: str
    content_type: str
    size_bytes: int
    reason: ParseProblem


@dataclass
class MimeContent:
    """What :func:`extract_content` found."""

    text_plain: str | None = None
    text_html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    dropped: list[DroppedAttachment] = field(default_factory=list)
    problems: list[ParseProblem] = field(default_factory=list)


_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_filename(name: str | None, content_type: str, index: int) -> str:
    """A file name without path parts or control characters, at most 200 characters;
    ``attachment-<n><ext>`` when the message gives none."""
    cleaned = ""
    if name:
        cleaned, _ = clean_text(name)
        cleaned = cleaned.replace("\\", "/").rsplit("/", 1)[-1]
        cleaned = _UNSAFE_FILENAME.sub("_", cleaned).strip(" .")
    if not cleaned:
        extension = mimetypes.guess_extension(content_type) or ".bin"
        cleaned = f"attachment-{index}{extension}"
    if len(cleaned) > 200:
        stem, dot, extension = cleaned.rpartition(".")
        cleaned = stem[: 190 - len(extension)] + dot + extension if dot else cleaned[:200]
    return cleaned


def _is_attachment(part: Message, disposition: str) -> bool:
    return disposition == "attachment" or (
        disposition != "inline" and part.get_param("name") is not None
    )


def _text_of(part: Message, problems: list[ParseProblem]) -> str:
    charset = part.get_content_charset()
    if charset is not None and not known_charset(charset):
        problems.append(ParseProblem.UNKNOWN_CHARSET)
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    text, clean = decode_bytes(data, charset)
    if not clean and known_charset(charset):
        problems.append(ParseProblem.UNDECODABLE_TEXT)
    return text.replace("\r\n", "\n")


def _filename_of(part: Message) -> str | None:
    try:
        return part.get_filename()
    except Exception:  # a malformed RFC 2231 parameter must not stop the parse
        return None


def extract_content(message: Message, limits: AttachmentLimits) -> MimeContent:
    """Walk ``message`` once and collect bodies and attachments (module docstring)."""
    found = MimeContent()
    total_kept = 0
    stack: list[Message] = [message]
    visited = 0
    while stack:
        part = stack.pop()
        visited += 1
        if visited > limits.max_parts:
            found.problems.append(ParseProblem.TOO_MANY_PARTS)
            break
        content_type = part.get_content_type()
        if part.is_multipart() and content_type != "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list):
                stack.extend(reversed([p for p in payload if isinstance(p, Message)]))
            continue
        disposition = (part.get_content_disposition() or "").lower()
        is_text = content_type in ("text/plain", "text/html") and not _is_attachment(
            part, disposition
        )
        if is_text and content_type == "text/plain" and found.text_plain is None:
            found.text_plain = _text_of(part, found.problems)
            continue
        if is_text and content_type == "text/html" and found.text_html is None:
            found.text_html = _text_of(part, found.problems)
            continue
        if content_type == "message/rfc822":
            inner = part.get_payload()
            inner_message = inner[0] if isinstance(inner, list) and inner else None
            data = inner_message.as_bytes() if isinstance(inner_message, Message) else b""
            name: str | None = _filename_of(part) or "forwarded-message.eml"
        else:
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else b""
            name = _filename_of(part)
        filename = safe_filename(
            name, content_type, len(found.attachments) + len(found.dropped) + 1
        )
        size = len(data)
        if size > limits.max_attachment_bytes:
            reason = ParseProblem.ATTACHMENT_TOO_LARGE
        elif total_kept + size > limits.max_total_attachment_bytes:
            reason = ParseProblem.ATTACHMENTS_OVER_MESSAGE_LIMIT
        else:
            total_kept += size
            content_id = part.get("Content-ID")
            found.attachments.append(
                Attachment(
                    filename=filename,
                    content_type=content_type,
                    size_bytes=size,
                    content=data,
                    content_id=str(content_id).strip().strip("<>") if content_id else None,
                    # an image the HTML shows by cid: is inline unless marked attachment
                    inline=disposition == "inline" or (bool(content_id) and not disposition),
                )
            )
            continue
        found.dropped.append(DroppedAttachment(filename, content_type, size, reason))
        found.problems.append(reason)
    return found
