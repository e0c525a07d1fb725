"""Announcements over HTTP: other systems post announcements and read their proof.
Team leaders, supervisors and admins (session) or an API key of the organisation.

Distans notifies other systems through the chat tools' Apprise URLs
(``announcements.ChatTarget``): a ``json://`` / ``jsons://`` URL is a plain JSON
webhook (``{"version", "title", "message", "type"}`` POSTed on every sending and
reminder)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from pydantic import field_validator

from distans.announcements import actions, queries
from distans.announcements.choices import AudienceKind, Priority
from distans.announcements.models import Announcement
from distans.api.auth import Caller
from distans.api.errors import ErrorOut
from distans.routing.errors import NotFound

router = Router(tags=["announcements"])

PriorityName = Literal["info", "important", "acknowledge"]
AudienceName = Literal[
    "everyone",
    "teams",
    "sites",
    "roles",
    "skills",
    "queues",
    "home_today",
    "office_today",
    "on_shift_today",
]


class ReachOut(Schema):
    working_today: int
    acknowledged: int
    acknowledged_in_time: int
    percent_in_time: int | None


class AnnouncementOut(Schema):
    id: int
    title_sv: str
    title_nb: str
    title_en: str
    priority: str
    blocks_available: bool
    audience_kind: str
    audience_values: list[str | int]
    valid_from: dt.datetime | None
    valid_until: dt.datetime | None
    send_at: dt.datetime | None
    sent_at: dt.datetime | None
    version: int
    recipients: int
    reach: ReachOut | None


class AnnouncementIn(Schema):
    title_sv: str
    body_sv: str
    title_nb: str = ""
    body_nb: str = ""
    title_en: str = ""
    body_en: str = ""
    priority: PriorityName = "info"
    blocks_available: bool = False
    audience_kind: AudienceName = "everyone"
    audience_values: list[str | int] = []
    valid_from: dt.datetime | None = None
    valid_until: dt.datetime | None = None
    send_at: dt.datetime | None = None
    send_now: bool = False
    by_email: bool = False
    to_chat: bool = False

    @field_validator("valid_from", "valid_until", "send_at")
    @classmethod
    def _as_utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        """Stored in UTC: an offset the database cannot hold (beyond ±15:59 on
        PostgreSQL) or a moment outside the calendar is a 422, never a 500."""
        if value is None or value.tzinfo is None:
            return value
        try:
            return value.astimezone(dt.UTC)
        except OverflowError as error:
            raise ValueError("not a representable moment") from error


class ReceiptOut(Schema):
    person_id: int
    name: str
    delivered_at: dt.datetime | None
    seen_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    acknowledged: bool


def _caller(request: HttpRequest) -> Caller:
    caller: Caller = request.auth  # type: ignore[attr-defined]
    return caller.require("announcements.publish")


def _get(caller: Caller, announcement_id: int) -> Announcement:
    announcement = queries.get_announcement(caller.organisation_id, announcement_id)
    if announcement is None:
        raise NotFound(_("No such announcement."))
    return announcement


def _out(announcement: Announcement) -> AnnouncementOut:
    reach = None
    if announcement.sent_at is not None and announcement.must_acknowledge:
        r = queries.reach(announcement)
        reach = ReachOut(
            working_today=r.working,
            acknowledged=r.acknowledged,
            acknowledged_in_time=r.in_time,
            percent_in_time=r.percent_in_time,
        )
    return AnnouncementOut(
        id=announcement.pk,
        title_sv=announcement.title_sv,
        title_nb=announcement.title_nb,
        title_en=announcement.title_en,
        priority=announcement.priority,
        blocks_available=announcement.blocks_available,
        audience_kind=announcement.audience_kind,
        audience_values=list(announcement.audience_values or []),
        valid_from=announcement.valid_from,
        valid_until=announcement.valid_until,
        send_at=announcement.send_at,
        sent_at=announcement.sent_at,
        version=announcement.version,
        recipients=announcement.receipts.count(),
        reach=reach,
    )


@router.get(
    "/announcements",
    response={200: list[AnnouncementOut], 403: ErrorOut},
    url_name="list_announcements",
)
def list_announcements(request: HttpRequest) -> list[AnnouncementOut]:
    """The organisation's 50 newest announcements, with reach for must-acknowledge ones."""
    caller = _caller(request)
    return [_out(a) for a in queries.list_announcements(caller.organisation_id)[:50]]


@router.post(
    "/announcements",
    response={201: AnnouncementOut, 400: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    url_name="create_announcement",
)
def create_announcement(request: HttpRequest, payload: AnnouncementIn) -> Status[AnnouncementOut]:
    """A new announcement; sent at once with ``send_now``, else at ``send_at`` (or
    stays a draft)."""
    caller = _caller(request)
    if payload.priority != Priority.ACKNOWLEDGE and payload.blocks_available:
        payload.blocks_available = False
    if payload.audience_kind in (AudienceKind.TEAMS, AudienceKind.SITES, AudienceKind.ROLES,
                                 AudienceKind.SKILLS, AudienceKind.QUEUES) and not payload.audience_values:  # fmt: skip
        from distans.core.errors import InvalidInput

        raise InvalidInput(_("Choose at least one for this audience."))
    fields = payload.dict(exclude={"send_now"})
    announcement = actions.do_save_announcement(
        caller.person, fields, organisation_id=caller.organisation_id
    )
    if payload.send_now:
        actions.do_send_announcement(announcement)
        announcement.refresh_from_db()
    return Status(201, _out(announcement))


@router.get(
    "/announcements/{announcement_id}",
    response={200: AnnouncementOut, 403: ErrorOut, 404: ErrorOut},
    url_name="get_announcement",
)
def get_announcement(request: HttpRequest, announcement_id: int) -> AnnouncementOut:
    return _out(_get(_caller(request), announcement_id))


@router.get(
    "/announcements/{announcement_id}/receipts",
    response={200: list[ReceiptOut], 403: ErrorOut, 404: ErrorOut},
    url_name="announcement_receipts",
)
def announcement_receipts(request: HttpRequest, announcement_id: int) -> list[ReceiptOut]:
    """Per person: delivered, seen, acknowledged (of the asked version), not-yet first."""
    announcement = _get(_caller(request), announcement_id)
    return [
        ReceiptOut(
            person_id=row.person.pk,
            name=row.person.full_name,
            delivered_at=row.receipt.delivered_at,
            seen_at=row.receipt.seen_at,
            acknowledged_at=row.receipt.acknowledged_at if row.acknowledged else None,
            acknowledged=row.acknowledged,
        )
        for row in queries.proof(announcement)
    ]
