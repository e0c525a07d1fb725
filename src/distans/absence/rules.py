"""The rules a shift swap must keep, as planning's roster keeps them: daily rest
(``RosterRules.min_rest_minutes``), one shift a day, seats at the office, teams apart
at the office (cohorts), readiness for home work, and nobody absent that day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from distans.absence.models import SwapRequest
from distans.accounts.models import Person
from distans.core.scheduling.people import RosterRules
from distans.planning.choices import ScheduleStatus, WorkLocation
from distans.planning.demand import planning_settings
from distans.planning.models import Shift


def _local_day(shift: Shift, zone: ZoneInfo) -> dt.date:
    return shift.starts_at.astimezone(zone).date()


def _taker_problems(taker: Person, taken: Shift, given: Shift | None, zone: ZoneInfo) -> list[str]:
    from distans.absence.queries import absences_on, home_readiness_problems

    problems = []
    name = taker.full_name
    day = _local_day(taken, zone)
    rest = dt.timedelta(minutes=RosterRules().min_rest_minutes)
    others = (
        Shift.objects.for_org(taken.organisation_id)
        .filter(
            person=taker,
            schedule__status=ScheduleStatus.PUBLISHED,
            starts_at__lt=taken.ends_at + rest,
            ends_at__gt=taken.starts_at - rest,
        )
        .exclude(pk=taken.pk)
    )
    if given is not None:
        others = others.exclude(pk=given.pk)
    for other in others:
        if _local_day(other, zone) == day:
            problems.append(_("%(name)s already works that day.") % {"name": name})
        else:
            problems.append(
                _("%(name)s would not get %(hours)d hours of rest between shifts.")
                % {"name": name, "hours": RosterRules().min_rest_minutes // 60}
            )
    if absences_on(taken.organisation_id, day).filter(person=taker).exists():
        problems.append(_("%(name)s is reported absent that day.") % {"name": name})
    if taken.location == WorkLocation.HOME:
        blocked = home_readiness_problems(taken.organisation_id, [taker])
        if taker.pk in blocked:
            problems.append(f"{name}: {blocked[taker.pk]}")
    if taken.location == WorkLocation.OFFICE:
        prefs = planning_settings(taken.organisation_id)
        if prefs.teams_apart_at_office and taken.team_id and taker.team_id != taken.team_id:
            problems.append(
                _("%(name)s is in another team, and teams never share the office on the same day.")
                % {"name": name}
            )
        if taken.site is not None and taken.site.seat_capacity is not None:
            seated = (
                Shift.objects.for_org(taken.organisation_id)
                .filter(
                    schedule__status=ScheduleStatus.PUBLISHED,
                    location=WorkLocation.OFFICE,
                    site=taken.site,
                    starts_at__lt=taken.ends_at,
                    ends_at__gt=taken.starts_at,
                )
                .exclude(pk=taken.pk)
                .count()
            )
            if seated + 1 > taken.site.seat_capacity:  # the taker in the giver's seat
                problems.append(_("The office has no free seat then."))
    return problems


def swap_problems(swap: SwapRequest) -> list[str]:
    """Every rule the swap would break (empty: it may be approved)."""
    from distans.absence.queries import zone_of

    zone = zone_of(swap.organisation_id)
    problems = []
    shift, back = swap.shift, swap.return_shift
    now = dt.datetime.now(dt.UTC)
    for item in (shift, back):
        if item is None:
            continue
        if item.starts_at <= now:
            problems.append(_("A shift of the swap has already begun."))
        if item.schedule.status != ScheduleStatus.PUBLISHED:
            problems.append(_("A shift of the swap is no longer in the published schedule."))
    if shift.person_id != swap.requester_id or (back and back.person_id != swap.colleague_id):
        problems.append(_("The shifts have changed since the swap was asked."))
    problems += _taker_problems(swap.colleague, shift, back, zone)
    if back is not None:
        problems += _taker_problems(swap.requester, back, shift, zone)
    return list(dict.fromkeys(problems))
