"""What visitors receive: e-mail (through the product's outbox, with the visit's .ics
attached) and SMS (through the adapter), in the visitor's language, with signed
links to cancel or move the visit."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core import signing
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from distans.channels_email.models import OutgoingMail, OutgoingPurpose
from distans.channels_email.outbox import deliver_after_commit, queue_mail
from distans.core.visits import IcsEvent, visit_ics
from distans.sms import SmsNotSent, load_sms_adapter
from distans.visits.models import Visit

logger = logging.getLogger(__name__)

SALT = "distans.visits.manage"
LINK_MAX_AGE = 400 * 24 * 3600  # a link works for a little over a year

# kind → template stem
KINDS = ("confirmed", "moved", "cancelled", "reminder", "closed")


def sign_token(visit: Visit) -> str:
    return signing.dumps(visit.token, salt=SALT, compress=False)


def unsign_token(signed: str) -> str | None:
    try:
        value = signing.loads(signed, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) else None


def manage_url(visit: Visit) -> str:
    return visit_link_base(visit) + reverse("visits:manage", args=[sign_token(visit)])


def visit_link_base(visit: Visit) -> str:
    return (visit.link_base or "http://127.0.0.1:8000").rstrip("/")


def when_text(visit: Visit) -> str:
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(visit.organisation.time_zone)
    start = visit.starts_at.astimezone(zone)
    end = visit.ends_at.astimezone(zone)
    return f"{date_format(start, 'l j F Y')} {start:%H:%M}–{end:%H:%M}"


def where_text(visit: Visit) -> str:
    if visit.digital:
        return visit.meeting_url
    site = visit.site
    return f"{site.name}, {site.address}" if site.address else site.name


def _context(visit: Visit, reason: str = "") -> dict[str, object]:
    return {
        "visit": visit,
        "service_name": visit.service.display_name(visit.language),
        "organisation": visit.organisation.name,
        "when": when_text(visit),
        "where": where_text(visit),
        "manage_url": manage_url(visit),
        "book_url": visit_link_base(visit)
        + reverse("visits:services", args=[visit.organisation.slug]),
        "reason": reason,
    }


def ics_text(visit: Visit, cancelled: bool = False) -> str:
    with translation.override(visit.language):
        event = IcsEvent(
            uid=f"visit-{visit.token}@distans",
            starts_at=visit.starts_at,
            ends_at=visit.ends_at,
            summary=f"{visit.service.display_name(visit.language)} – {visit.organisation.name}",
            location=where_text(visit),
            description=manage_url(visit),
            url=visit.meeting_url,
            sequence=visit.sequence,
            organiser_name=visit.organisation.name,
            organiser_email=settings.DEFAULT_FROM_EMAIL,
        )
        return visit_ics(event, stamp=timezone.now(), cancelled=cancelled)


def build_message(visit: Visit, kind: str, reason: str = "") -> EmailMessage:
    if kind not in KINDS:
        raise ValueError(kind)
    with translation.override(visit.language):
        context = _context(visit, reason)
        subject = render_to_string(f"visits/mail/{kind}_subject.txt", context).strip()
        body = render_to_string(f"visits/mail/{kind}.txt", context)
    message = EmailMessage()
    message["From"] = formataddr((visit.organisation.name, settings.DEFAULT_FROM_EMAIL))
    message["To"] = formataddr((visit.name, visit.email))
    message["Subject"] = " ".join(subject.split())
    message["Message-ID"] = make_msgid(domain="distans.invalid")
    message.set_content(body)
    cancelled = kind in ("cancelled", "closed")
    message.add_attachment(
        ics_text(visit, cancelled=cancelled).encode(),
        maintype="text",
        subtype="calendar",
        filename="besok.ics" if visit.language == "sv" else "visit.ics",
        params={"method": "CANCEL" if cancelled else "PUBLISH"},
    )
    return message


def queue_visit_mail(visit: Visit, kind: str, reason: str = "") -> OutgoingMail:
    """Store the mail in the outbox (inside the caller's transaction) and send it
    after the commit; the outbox retries and records queued / sent / failed."""
    outgoing = queue_mail(
        visit.organisation_id, build_message(visit, kind, reason), purpose=OutgoingPurpose.VISIT
    )
    deliver_after_commit(outgoing)
    return outgoing


def sms_text(visit: Visit, kind: str) -> str:
    with translation.override(visit.language):
        return " ".join(render_to_string(f"visits/mail/{kind}_sms.txt", _context(visit)).split())


def send_sms(visit: Visit, kind: str) -> bool:
    """The visit's SMS through the configured adapter; False when there is none, no
    number, or the adapter failed (logged)."""
    adapter = load_sms_adapter()
    if adapter is None or not visit.phone:
        return False
    try:
        adapter.send(visit.organisation_id, visit.phone, sms_text(visit, kind))
    except SmsNotSent as error:
        logger.warning("SMS for visit %s not sent: %s", visit.pk, error)
        return False
    return True
