from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from distans.accounts.models import Person
from distans.realtime.groups import supervisors_group, team_group
from distans.realtime.models import LiveConnection
from distans.realtime.publish import publish

STALE_AFTER = timedelta(seconds=90)


def announce_presence(person: Person) -> None:
    """Tell those who show this person's presence: the team and the supervisors.
    Not the whole organisation: with N people online that would be N² messages
    whenever everyone logs in (measured by bench/fanout.py)."""
    if person.team_id:
        publish(team_group(person.team_id), "presence", coalesce_seconds=0.5, person_id=person.pk)
    if person.organisation_id:
        publish(
            supervisors_group(person.organisation_id),
            "presence",
            coalesce_seconds=0.5,
            person_id=person.pk,
        )



def _other_connections(person: Person, channel_name: str) -> bool:
    cutoff = timezone.now() - STALE_AFTER
    return (
        LiveConnection.objects.filter(person=person, heartbeat_at__gte=cutoff)
        .exclude(channel_name=channel_name)
        .exists()
    )


@transaction.atomic
def do_open_connection(person: Person, channel_name: str) -> None:
    already_online = _other_connections(person, channel_name)
    LiveConnection.objects.update_or_create(
        channel_name=channel_name,
        defaults={"person": person, "organisation_id": person.organisation_id},
    )
    if not already_online:  # a second tab changes nothing anyone sees
        announce_presence(person)


@transaction.atomic
def do_heartbeat_connection(channel_name: str) -> None:
    LiveConnection.objects.filter(channel_name=channel_name).update(heartbeat_at=timezone.now())


@transaction.atomic
def do_close_connection(person: Person, channel_name: str) -> None:
    LiveConnection.objects.filter(channel_name=channel_name).delete()
    if not _other_connections(person, channel_name):
        announce_presence(person)


@transaction.atomic
def do_sweep_stale_connections() -> int:
    """Remove connections whose process died without closing them."""
    cutoff = timezone.now() - STALE_AFTER
    stale = list(LiveConnection.objects.filter(heartbeat_at__lt=cutoff).select_related("person"))
    for connection in stale:
        connection.delete()
        announce_presence(connection.person)
    return len(stale)


#: the close code of a socket whose login session ended; the page reloads (to login)
CLOSE_SESSION_ENDED = 4401


def close_session_sockets(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    """``user_logged_out`` receiver: the sockets opened with this session get
    ``session_ended`` and are closed, in every process (they would otherwise go on
    receiving the person's events after logout)."""
    from distans.realtime.groups import session_group

    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        publish(session_group(session_key), "session_ended", close_code=CLOSE_SESSION_ENDED)
