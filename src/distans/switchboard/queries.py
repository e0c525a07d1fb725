"""Switchboard reads: search, an entry with its presence, messages, the operator's
calls and the switchboard queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import dateformat, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from distans.accounts.models import Person
from distans.switchboard import search
from distans.switchboard.choices import AwayKind
from distans.switchboard.models import AwayStatus, DirectoryEntry, PhoneMessage


def org_of(person: Person) -> int:
    """The person's organisation (pages and actions are only for people of one)."""
    return int(person.organisation_id or 0)


def entries(organisation_id: int) -> QuerySet[DirectoryEntry]:
    return DirectoryEntry.objects.for_org(organisation_id)


def get_entry(organisation_id: int, entry_id: int) -> DirectoryEntry | None:
    return entries(organisation_id).filter(pk=entry_id).select_related("person").first()


def entry_of(person: Person) -> DirectoryEntry | None:
    """The person's own directory entry (linked by login, else by e-mail)."""
    own = entries(org_of(person)).filter(person=person).first()
    return own or entries(org_of(person)).filter(email__iexact=person.email).first()


def find(organisation_id: int, query: str, limit: int = search.RESULTS) -> list[DirectoryEntry]:
    return search.first(entries(organisation_id), organisation_id, query, limit)


@dataclass
class Presence:
    text: str  # "In a meeting until 14:00"
    css: str  # away / available / busy / offline
    note: str = ""


def when_text(until: dt.datetime, now: dt.datetime) -> str:
    """ "14:00" today, "måndag" / "måndag 10:00" within a week, else "7 januari"."""
    local, today = timezone.localtime(until), timezone.localtime(now).date()
    if local.date() == today:
        return dateformat.format(local, "H:i")
    if (local.date() - today).days < 7:
        day = dateformat.format(local, "l")
        if not (get_language() or "en").startswith("en"):
            day = day.lower()  # weekdays are not capitalised in Swedish or Norwegian
        return day if local.time() == dt.time(0) else f"{day} {dateformat.format(local, 'H:i')}"
    return dateformat.format(local, "j F")


def away_text(away: AwayStatus, now: dt.datetime) -> str:
    what = str(AwayKind(away.kind).label)
    if away.until is None:
        return what
    return _("%(what)s until %(when)s") % {"what": what, "when": when_text(away.until, now)}


def current_away(entry_ids: list[int], now: dt.datetime) -> dict[int, AwayStatus]:
    """The away status in force now per entry (the person's own before the calendar)."""
    found: dict[int, AwayStatus] = {}
    rows = (
        AwayStatus.objects.filter(entry_id__in=entry_ids, starts_at__lte=now)
        .filter(Q(until__isnull=True) | Q(until__gt=now))
        .order_by("-source", "until")
    )
    for away in rows:  # "self" sorts after "calendar" descending: self first
        found.setdefault(away.entry_id, away)
    return found


def presence_of(items: list[DirectoryEntry], now: dt.datetime | None = None) -> dict[int, Presence]:
    """Each entry's presence: an away status in force; else a contact-center agent's
    state from routing (available, busy, on a break, offline)."""
    from distans.routing.models import AgentState

    now = now or timezone.now()
    away = current_away([e.pk for e in items], now)
    person_ids = [e.person_id for e in items if e.person_id]
    states = {s.person_id: s for s in AgentState.objects.filter(person_id__in=person_ids)}
    result: dict[int, Presence] = {}
    for entry in items:
        if entry.pk in away:
            status = away[entry.pk]
            result[entry.pk] = Presence(away_text(status, now), "away", status.note)
        elif entry.person_id in states:
            state = states[entry.person_id]
            label = state.get_presence_display()
            css = {"available": "available", "offline": "offline"}.get(state.presence, "busy")
            result[entry.pk] = Presence(_("Contact center: %(state)s") % {"state": label}, css)
    return result


def messages_for(entry: DirectoryEntry, open_only: bool = False) -> QuerySet[PhoneMessage]:
    found = PhoneMessage.objects.for_org(entry.organisation_id).filter(entry=entry)
    if open_only:
        found = found.filter(done_at__isnull=True)
    return found.select_related("outgoing_mail", "taken_by").order_by("-created_at")


def messages_taken_by(person: Person, limit: int = 10) -> QuerySet[PhoneMessage]:
    return (
        PhoneMessage.objects.for_org(org_of(person))
        .filter(taken_by=person)
        .select_related("entry", "outgoing_mail")
        .order_by("-created_at")[:limit]
    )


def my_calls(person: Person) -> list[Any]:
    """The operator's connected phone calls (those that can be put through)."""
    from distans.telephony.choices import CallState
    from distans.telephony.models import Call

    return list(
        Call.objects.for_org(org_of(person))
        .filter(
            contact__agent=person,
            contact__status="active",
            state__in=[
                CallState.CONNECTING,
                CallState.ANSWERED,
                CallState.CONSULTING,
                CallState.TRANSFERRING,
            ],
        )
        .select_related("contact", "contact__queue")
        .order_by("created_at")
    )


def call_exists(organisation_id: int, call_pk: int) -> bool:
    from distans.telephony.models import Call

    return Call.objects.for_org(organisation_id).filter(pk=call_pk).exists()


def switchboard_queues(organisation_id: int) -> list[dict[str, Any]]:
    """The switchboard queues with how many wait now."""
    from django.db.models import Count

    from distans.contacts.choices import QUEUED_STATUSES
    from distans.routing.models import Queue

    return list(
        Queue.objects.for_org(organisation_id)
        .filter(is_switchboard=True)
        .annotate(waiting=Count("contacts", filter=Q(contacts__status__in=QUEUED_STATUSES)))
        .values("pk", "name", "waiting")
        .order_by("name")
    )
