"""Inbound mail over HTTP: for mail systems that deliver to a webhook instead of (or
besides) an IMAP mailbox — the body is the raw RFC 5322 message, handled exactly like
a fetched one (dedupe per Message-ID, threading, loop protection, acknowledgement)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from distans.api.auth import Caller
from distans.api.errors import ErrorOut, Forbidden
from distans.channels_email.fetcher import record_error
from distans.channels_email.ingest import ingest_mail
from distans.channels_email.models import Mailbox
from distans.channels_email.outbound import send_acknowledgement
from distans.core.errors import InvalidInput
from distans.routing.errors import NotFound

router = Router(tags=["e-mail"])


class InboundQuery(Schema):
    mailbox: str


class InboundOut(Schema):
    duplicate: bool
    outcome: str
    contact_id: int | None
    acknowledged: bool


class TooLarge(InvalidInput):
    code = "too_large"


def _read_body(request: HttpRequest, limit: int) -> bytes:
    """The raw mail, up to the mailbox's own limit (40 MiB by default). Not
    ``request.body``: that stops at Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MiB),
    which is right for forms and JSON but not for mail with attachments."""
    too_large = TooLarge(_("The message is larger than this mailbox accepts."))
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise too_large
    return raw


@router.post(
    "/email/inbound",
    response={202: InboundOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 413: ErrorOut},
    url_name="email_inbound",
)
def receive_mail(request: HttpRequest, query: Query[InboundQuery]) -> Status[InboundOut]:
    """One raw mail (body: ``message/rfc822``) for the organisation's mailbox
    ``?mailbox=<address>``. API keys only. Repeating a delivery is harmless."""
    caller: Caller = request.auth  # type: ignore[attr-defined]
    if caller.token is None:
        raise Forbidden(_("Inbound mail is for an API key."))
    caller.require("mail.inbound")
    mailbox = (
        Mailbox.objects.for_org(caller.organisation_id)
        .filter(address__iexact=query.mailbox)
        .select_related("queue")
        .first()
    )
    if mailbox is None:
        raise NotFound(_("No such mailbox."))
    raw = _read_body(request, mailbox.max_message_bytes)
    if not raw.strip():
        raise InvalidInput(_("The message is empty."))
    result = ingest_mail(mailbox, raw, received_at=timezone.now(), size_bytes=len(raw))
    acknowledged = False
    if result.acknowledge and result.parsed is not None and result.contact_id is not None:
        try:
            acknowledged = (
                send_acknowledgement(mailbox, result.parsed, result.contact_id, result.inbound_id)
                is not None
            )
        except Exception as error:  # the mail is stored; a failed receipt is only noted
            record_error(mailbox, error, sending=True)
    return Status(
        202,
        InboundOut(
            duplicate=result.duplicate,
            outcome=result.outcome,
            contact_id=result.contact_id,
            acknowledged=acknowledged,
        ),
    )
