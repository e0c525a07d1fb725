"""The presence gate: someone reported absent does not go available.

Registered with routing (``routing.gates.register_presence_gate``) in
``AbsenceConfig.ready``. It holds back only a person setting *themself* available
(routing does not ask it when a supervisor changes an agent from the wallboard); the
desk translates the sentence."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_noop

from distans.core.errors import InvalidInput

MESSAGE = gettext_noop(
    "You are reported absent today. Report that you are back before you go available."
)


class ReportedAbsent(InvalidInput):
    code = "reported_absent"


def absent_now(person: Any, now: dt.datetime | None = None) -> bool:
    """Has ``person`` an absence covering this moment (begun, not ended)?"""
    from distans.absence.queries import absences_on, zone_of

    organisation_id = getattr(person, "organisation_id", None)
    if not organisation_id:
        return False
    now = now or timezone.now()
    today = now.astimezone(zone_of(organisation_id)).date()
    return absences_on(organisation_id, today).filter(person=person, starts_at__lte=now).exists()


def not_while_absent(person: Any) -> None:
    if absent_now(person):
        raise ReportedAbsent(MESSAGE)
