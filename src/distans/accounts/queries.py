"""Reads for organisations and people."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from distans.accounts.models import LoginFailure, Person, Team


def seconds_until_unlocked(email: str) -> int:
    """0 when the e-mail may try to log in; otherwise how long it is locked."""
    window = timedelta(seconds=settings.DISTANS_LOGIN_LOCKOUT_SECONDS)
    since = timezone.now() - window
    failures = list(
        LoginFailure.objects.filter(email=email.lower(), at__gte=since)
        .order_by("-at")
        .values_list("at", flat=True)[: settings.DISTANS_LOGIN_MAX_FAILURES]
    )
    if len(failures) < settings.DISTANS_LOGIN_MAX_FAILURES:
        return 0
    unlock_at = failures[0] + window
    return max(1, int((unlock_at - timezone.now()).total_seconds()))


def list_team_members(team: Team) -> QuerySet[Person]:
    return Person.objects.for_org(team.organisation_id).filter(team=team, is_active=True).order_by(
        "full_name"
    )
