"""Reads: who an audience is today, what a person has to read, the proof, the reach."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from distans.accounts.localtime import local_today
from distans.accounts.models import Organisation, Person
from distans.announcements.choices import AudienceKind, Priority
from distans.announcements.models import Announcement, ChatTarget, Receipt
from distans.announcements.reach import Reach, compute_reach


def may_publish(user: Any) -> bool:
    """Who writes and follows announcements: the one permission table's
    ``announcements.publish``."""
    from distans.accounts.permissions import has_permission

    return has_permission(user, "announcements.publish")


def day_bounds(
    organisation: Organisation, now: dt.datetime | None = None
) -> tuple[dt.datetime, dt.datetime]:
    zone = ZoneInfo(organisation.time_zone)
    today = (now or timezone.now()).astimezone(zone).date()
    start = dt.datetime.combine(today, dt.time(0), tzinfo=zone)
    return start, start + dt.timedelta(days=1)


def shifts_today(organisation: Organisation, now: dt.datetime | None = None) -> QuerySet[Any]:
    """Today's shifts of published schedules (planning's), as rows of values."""
    from distans.planning.choices import ScheduleStatus
    from distans.planning.models import Shift

    start, end = day_bounds(organisation, now)
    return Shift.objects.for_org(organisation).filter(
        schedule__status=ScheduleStatus.PUBLISHED, starts_at__gte=start, starts_at__lt=end
    )


def shift_starts_today(
    organisation: Organisation, now: dt.datetime | None = None
) -> dict[int, dt.datetime]:
    """Person → start of their first shift today."""
    starts: dict[int, dt.datetime] = {}
    for person_id, starts_at in shifts_today(organisation, now).values_list(
        "person_id", "starts_at"
    ):
        if person_id not in starts or starts_at < starts[person_id]:
            starts[person_id] = starts_at
    return starts


def absent_ids(organisation: Organisation, now: dt.datetime | None = None) -> set[int]:
    """People reported absent (sick, care of a sick child, other) on the organisation's
    day of ``now``: absence's register (``distans.absence``)."""
    from distans.absence.queries import absent_people

    day = local_today(organisation, now)
    return set(absent_people(organisation, day).values_list("pk", flat=True))


def _ids(values: Iterable[Any]) -> list[int]:
    return [int(v) for v in values if str(v).isdigit()]


def audience_ids(announcement: Announcement, now: dt.datetime | None = None) -> set[int]:
    """The people an announcement goes to, decided from what Distans knows now."""
    from distans.accounts.choices import SiteKind
    from distans.routing.choices import Presence
    from distans.routing.models import AgentState

    organisation = announcement.organisation
    people = Person.objects.for_org(organisation).filter(is_active=True)
    kind, values = announcement.audience_kind, announcement.audience_values or []
    states = AgentState.objects.for_org(organisation)
    if kind == AudienceKind.EVERYONE:
        chosen = people
    elif kind == AudienceKind.TEAMS:
        chosen = people.filter(team_id__in=_ids(values))
    elif kind == AudienceKind.ROLES:
        flags = {"agent": "is_agent", "team_leader": "is_team_leader",
                 "supervisor": "is_supervisor", "org_admin": "is_org_admin"}  # fmt: skip
        query = Q(pk__in=[])
        for value in values:
            if value in flags:
                query |= Q(**{flags[value]: True})
        chosen = people.filter(query)
    elif kind == AudienceKind.QUEUES:
        chosen = people.filter(pk__in=states.filter(queues__in=_ids(values)).values("person_id"))
    elif kind == AudienceKind.SKILLS:
        wanted = {str(v) for v in values}
        ids = [
            pid
            for pid, skills in states.values_list("person_id", "skills")
            if wanted & set(skills or {})
        ]
        chosen = people.filter(pk__in=ids)
    elif kind == AudienceKind.ON_SHIFT_TODAY:
        chosen = people.filter(pk__in=shifts_today(organisation, now).values("person_id")).exclude(
            pk__in=absent_ids(organisation, now)
        )
    elif kind == AudienceKind.SITES:
        site_ids = _ids(values)
        on_site = set(
            shifts_today(organisation, now)
            .filter(site_id__in=site_ids)
            .values_list("person_id", flat=True)
        )
        on_site |= set(
            states.filter(site_id__in=site_ids)
            .exclude(presence=Presence.OFFLINE)
            .values_list("person_id", flat=True)
        )
        chosen = people.filter(pk__in=on_site)
    elif kind in (AudienceKind.HOME_TODAY, AudienceKind.OFFICE_TODAY):
        location = "home" if kind == AudienceKind.HOME_TODAY else "office"
        scheduled = dict(
            shifts_today(organisation, now)
            .exclude(location="")
            .values_list("person_id", "location")
        )
        where = {pid for pid, loc in scheduled.items() if loc == location}
        # Signed in without a planned location: where they said they are (routing).
        site_kind = SiteKind.HOME if location == "home" else SiteKind.OFFICE
        where |= {
            pid
            for pid in states.filter(site__kind=site_kind)
            .exclude(presence=Presence.OFFLINE)
            .values_list("person_id", flat=True)
            if pid not in scheduled
        }
        chosen = people.filter(pk__in=where - absent_ids(organisation, now))
    else:
        chosen = people.none()
    return set(chosen.values_list("pk", flat=True))


def list_announcements(organisation_id: int) -> QuerySet[Announcement]:
    return Announcement.objects.for_org(organisation_id).select_related("created_by")


def get_announcement(organisation_id: int, announcement_id: int) -> Announcement | None:
    return list_announcements(organisation_id).filter(pk=announcement_id).first()


def _current(now: dt.datetime) -> Q:
    return (Q(announcement__valid_from__isnull=True) | Q(announcement__valid_from__lte=now)) & (
        Q(announcement__valid_until__isnull=True) | Q(announcement__valid_until__gt=now)
    )


def my_receipts(person: Person, now: dt.datetime | None = None) -> QuerySet[Receipt]:
    """The sent, currently valid announcements a person has, unacknowledged first."""
    now = now or timezone.now()
    return (
        Receipt.objects.for_org(person.organisation_id)  # type: ignore[arg-type]
        .filter(person=person, announcement__sent_at__isnull=False)
        .filter(_current(now))
        .select_related("announcement")
        .order_by("-announcement__sent_at")
    )


def pending_ack(receipts: QuerySet[Receipt]) -> QuerySet[Receipt]:
    return receipts.filter(
        announcement__priority=Priority.ACKNOWLEDGE,
        acknowledged_version__lt=F("announcement__ack_version"),
    )


def blocking_for(person: Any) -> list[Receipt]:
    if not getattr(person, "organisation_id", None):
        return []
    return list(pending_ack(my_receipts(person)).filter(announcement__blocks_available=True))


def my_receipt(person: Person, announcement_id: int) -> Receipt | None:
    return my_receipts(person).filter(announcement_id=announcement_id).first()


@dataclass(frozen=True)
class ProofRow:
    person: Person
    receipt: Receipt
    acknowledged: bool
    shift_start: dt.datetime | None


def proof(announcement: Announcement, now: dt.datetime | None = None) -> list[ProofRow]:
    """Per person: delivered / seen / acknowledged, not-yet-acknowledged first."""
    starts = shift_starts_today(announcement.organisation, now)
    rows = [
        ProofRow(
            r.person,
            r,
            r.acknowledged_version >= announcement.ack_version,
            starts.get(r.person_id),
        )
        for r in announcement.receipts.select_related("person", "person__team", "mail")
    ]
    return sorted(rows, key=lambda row: (row.acknowledged, row.person.full_name))


def _as_datetime(value: Any) -> dt.datetime | None:
    """A timestamp from a raw cursor: PostgreSQL gives aware datetimes, SQLite naive
    ones or ISO text (an aggregate), in UTC."""
    if value is None:
        return None
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


RosterRow = tuple[int, int | None, dt.datetime | None, dt.datetime]


def _roster_rows(announcement: Announcement, now: dt.datetime | None = None) -> list[RosterRow]:
    """(person, team, acknowledged at — None unless for the asked version, first shift
    start today) of each recipient working today — leave and absence excluded (a
    person reported absent that day is not working, shift or not): one query joined in the database and
    read through a plain cursor (5,000 rows through the ORM's converters cost more than
    the query itself)."""
    from django.db import connection

    from distans.planning.choices import ScheduleStatus
    from distans.planning.models import Schedule, Shift

    start, end = day_bounds(announcement.organisation, now)
    sql = f"""
        SELECT r.person_id, p.team_id, r.acknowledged_at, r.acknowledged_version, MIN(s.starts_at)
        FROM {Receipt._meta.db_table} r
        JOIN {Person._meta.db_table} p ON p.id = r.person_id
        JOIN {Shift._meta.db_table} s ON s.person_id = r.person_id
             AND s.starts_at >= %s AND s.starts_at < %s
        JOIN {Schedule._meta.db_table} sc ON sc.id = s.schedule_id AND sc.status = %s
        WHERE r.announcement_id = %s
        GROUP BY r.person_id, p.team_id, r.acknowledged_at, r.acknowledged_version
    """  # noqa: S608 — table names from the models, values as parameters
    with connection.cursor() as cursor:
        # as the backend stores them (SQLite compares text: a local-time bound with its
        # offset would sort wrongly against the UTC values from local midnight to 01:00)
        bounds = [connection.ops.adapt_datetimefield_value(moment) for moment in (start, end)]
        cursor.execute(sql, [*bounds, ScheduleStatus.PUBLISHED, announcement.pk])
        rows = cursor.fetchall()
    ack_version = announcement.ack_version
    absent = absent_ids(announcement.organisation, now)
    result: list[RosterRow] = []
    for pid, team, at, version, first in rows:
        if pid in absent:
            continue
        acknowledged = _as_datetime(at) if version >= ack_version else None
        result.append((pid, team, acknowledged, _as_datetime(first)))  # type: ignore[arg-type]
    return result


def _reach_of(
    announcement: Announcement, rows: list[RosterRow], team_id: int | None = None
) -> Reach:
    assert announcement.sent_at is not None
    chosen = [r for r in rows if team_id is None or r[1] == team_id]
    return compute_reach(
        announcement.sent_at, {r[0]: r[2] for r in chosen}, {r[0]: r[3] for r in chosen}
    )


def reach(
    announcement: Announcement, team_id: int | None = None, now: dt.datetime | None = None
) -> Reach:
    """Of the recipients working today, how many acknowledged, and within 30 minutes
    of their shift start (or of the sending, when they were already on shift)."""
    if announcement.sent_at is None:
        return Reach(0, 0, 0)
    return _reach_of(announcement, _roster_rows(announcement, now), team_id)


@dataclass(frozen=True)
class TeamReach:
    name: str
    reach: Reach


def reach_board(
    organisation: Organisation, team_id: int | None = None, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Today's reach of each current must-acknowledge announcement: overall and per team
    (only ``team_id`` when given)."""
    from distans.accounts.models import Team

    now = now or timezone.now()
    current = (
        Announcement.objects.for_org(organisation)
        .filter(priority=Priority.ACKNOWLEDGE, sent_at__isnull=False)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=now))
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=now))
        .order_by("-sent_at")[:5]
    )
    teams = list(Team.objects.for_org(organisation).order_by("name"))
    if team_id is not None:
        teams = [t for t in teams if t.pk == team_id]
    board = []
    for announcement in current:
        rows = _roster_rows(announcement, now)
        per_team = [TeamReach(t.name, _reach_of(announcement, rows, t.pk)) for t in teams]
        board.append(
            {
                "announcement": announcement,
                "reach": _reach_of(announcement, rows, team_id),
                "teams": [t for t in per_team if t.reach.working],
            }
        )
    return board


def chat_targets_for(organisation_id: int, team_ids: Iterable[int | None]) -> list[ChatTarget]:
    """The organisation's chat tool plus those of the given teams."""
    wanted = {t for t in team_ids if t is not None}
    return list(
        ChatTarget.objects.for_org(organisation_id)
        .filter(is_active=True)
        .filter(Q(team__isnull=True) | Q(team_id__in=wanted))
    )


def phases(organisation_id: int) -> QuerySet[Any]:
    from distans.announcements.models import Phase

    return Phase.objects.for_org(organisation_id)


def current_phase(organisation: Organisation, now: dt.datetime | None = None) -> Any:
    """The phase whose dates hold today (the latest started, when they overlap)."""
    today = local_today(organisation, now)
    return (
        phases(organisation.pk)
        .filter(starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .order_by("-starts_on", "-pk")
        .first()
    )


def questions(organisation_id: int) -> QuerySet[Any]:
    from distans.announcements.models import Question

    return Question.objects.for_org(organisation_id).select_related("asked_by", "answered_by")


def staff_faq(organisation_id: int, search: str = "") -> QuerySet[Any]:
    """Questions answered to all, newest first; ``search`` in question or answer."""
    rows = questions(organisation_id).filter(to_all=True, answered_at__isnull=False)
    for word in search.split()[:5]:
        rows = rows.filter(Q(text__icontains=word) | Q(answer__icontains=word))
    return rows.order_by("-answered_at")


def unanswered(organisation_id: int) -> QuerySet[Any]:
    return questions(organisation_id).filter(answered_at__isnull=True).order_by("asked_at")


def newsletter(
    organisation: Organisation, days: int = 7, now: dt.datetime | None = None
) -> dict[str, Any]:
    """What a digest holds: announcements sent and knowledge articles changed in the
    last ``days`` days, and the current phase."""
    from distans.desk.models import Article

    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    return {
        "since": since,
        "announcements": list(
            Announcement.objects.for_org(organisation)
            .filter(sent_at__gte=since)
            .order_by("-sent_at")[:30]
        ),
        "articles": list(Article.objects.for_org(organisation).filter(updated_at__gte=since)[:30]),
        "phase": current_phase(organisation, now),
        "faq": list(staff_faq(organisation.pk).filter(answered_at__gte=since)[:20]),
    }


def newsletter_in(digest: dict[str, Any], language: str) -> dict[str, Any]:
    """The digest with each announcement's title and text in ``language``."""
    from distans.announcements.render import plain_text, render_markdown

    items = [
        {
            "title": a.title_in(language),
            "html": render_markdown(a.body_in(language)),
            "text": plain_text(a.body_in(language)),
            "sent_at": a.sent_at,
        }
        for a in digest["announcements"]
    ]
    return {**digest, "items": items}


@dataclass(frozen=True)
class HistoryRow:
    announcement: Announcement
    day: dt.date  # the organisation's day of the sending: its roster is the one counted
    reach: Reach


@dataclass(frozen=True)
class WeekReach:
    label: str  # ISO week, e.g. "2026-W49"
    announcements: int
    working: int
    acknowledged: int
    in_time: int

    @property
    def percent_in_time(self) -> int | None:
        return round(100 * self.in_time / self.working) if self.working else None


def iso_week_label(day: dt.date) -> str:
    """The ISO week of a day as a label, e.g. "2026-W49" (reach per week, newsletter issues)."""
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def reach_history(
    organisation: Organisation,
    first_day: dt.date,
    last_day: dt.date,
    team_id: int | None = None,
) -> tuple[list[HistoryRow], list[WeekReach]]:
    """Reach over time: each must-acknowledge announcement sent from ``first_day`` to
    ``last_day`` (the organisation's days), counted against the roster of the day it
    was sent (who worked that day, and acknowledged within 30 minutes of their shift
    start), and the same summed per ISO week. ``team_id``: one team only."""
    zone = ZoneInfo(organisation.time_zone)
    start = dt.datetime.combine(first_day, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    sent = (
        Announcement.objects.for_org(organisation)
        .filter(priority=Priority.ACKNOWLEDGE, sent_at__gte=start, sent_at__lt=end)
        .order_by("sent_at")
    )
    rows: list[HistoryRow] = []
    for announcement in sent:
        assert announcement.sent_at is not None
        roster = _roster_rows(announcement, announcement.sent_at)
        rows.append(
            HistoryRow(
                announcement,
                announcement.sent_at.astimezone(zone).date(),
                _reach_of(announcement, roster, team_id),
            )
        )
    weeks: dict[str, list[HistoryRow]] = {}
    for row in rows:
        weeks.setdefault(iso_week_label(row.day), []).append(row)
    summary = [
        WeekReach(
            label,
            len(items),
            sum(r.reach.working for r in items),
            sum(r.reach.acknowledged for r in items),
            sum(r.reach.in_time for r in items),
        )
        for label, items in sorted(weeks.items())
    ]
    return rows, summary
