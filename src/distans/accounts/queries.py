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


def seconds_until_address_unlocked(remote_addr: str) -> int:
    """0 when logins from ``remote_addr`` may go on; otherwise how long the address is
    locked: :setting:`DISTANS_LOGIN_MAX_FAILURES_PER_ADDRESS` failures (for any e-mail)
    within the lockout window lock it (password spraying tries many e-mails, each once,
    and every try costs a password hash)."""
    if not remote_addr:
        return 0
    window = timedelta(seconds=settings.DISTANS_LOGIN_LOCKOUT_SECONDS)
    limit = settings.DISTANS_LOGIN_MAX_FAILURES_PER_ADDRESS
    failures = list(
        LoginFailure.objects.filter(remote_addr=remote_addr[:64], at__gte=timezone.now() - window)
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )
    if len(failures) < limit:
        return 0
    return max(1, int((failures[-1] + window - timezone.now()).total_seconds()))


def list_team_members(team: Team) -> QuerySet[Person]:
    return Person.objects.for_org(team.organisation_id).filter(team=team, is_active=True).order_by(
        "full_name"
    )
