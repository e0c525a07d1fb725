"""All writes of absence: reporting and ending absences, the readiness checklist and
IT problems, shift swaps (ask, answer, decide) and the organisation's setting."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distans.absence.choices import (
    AbsenceKind,
    ProblemStatus,
    ReadinessItem,
    ReadinessStatus,
    ReportedVia,
    SwapStatus,
)
from distans.absence.models import Absence, AbsenceSettings, ItProblem, ReadinessCheck, SwapRequest
from distans.absence.queries import local_today, org_of, organisation_of, zone_of
from distans.absence.rules import swap_problems
from distans.accounts.audit import record_change, snapshot
from distans.accounts.models import Organisation, Person
from distans.core.errors import InvalidInput, StateConflict
from distans.planning.choices import ScheduleStatus
from distans.planning.models import Shift
from distans.realtime.groups import person_group, supervisors_group, team_group
from distans.realtime.publish import publish

MAX_ABSENCE_DAYS = 90


def _tell_absence(person: Person) -> None:
    publish(supervisors_group(org_of(person)), "absence", person_id=person.pk)
    if person.team_id:
        publish(team_group(person.team_id), "absence", person_id=person.pk)
    publish(person_group(person.pk), "absence", person_id=person.pk)


@transaction.atomic
def do_report_absence(
    person: Person,
    kind: str,
    first_day: dt.date,
    last_day: dt.date | None = None,
    *,
    note: str = "",
    by: Person | None = None,
    via: str = ReportedVia.DESK,
    now: dt.datetime | None = None,
) -> Absence:
    """Report ``person`` away from ``first_day`` through ``last_day`` (default: that
    day). Today's absence begins now; the day's staffing views update at once."""
    if kind not in AbsenceKind.values:
        raise InvalidInput(_("Choose the kind of absence."))
    organisation: Organisation = organisation_of(person)
    now = now or timezone.now()
    today = now.astimezone(zone_of(organisation)).date()
    last_day = last_day or first_day
    if first_day < today:
        raise InvalidInput(_("An absence cannot begin before today."))
    if last_day < first_day:
        raise InvalidInput(_("The last day cannot be before the first day."))
    if (last_day - first_day).days >= MAX_ABSENCE_DAYS:
        raise InvalidInput(
            _("Report at most %(days)d days at a time.") % {"days": MAX_ABSENCE_DAYS}
        )
    overlapping = Absence.objects.for_org(organisation).filter(
        person=person, first_day__lte=last_day, last_day__gte=first_day, ended_at__isnull=True
    )
    if overlapping.exists():
        raise StateConflict(_("An absence is already reported for those days."))
    starts_at = (
        now
        if first_day == today
        else dt.datetime.combine(first_day, dt.time.min, tzinfo=zone_of(organisation))
    )
    absence = Absence.objects.create(
        organisation=organisation,
        person=person,
        kind=kind,
        starts_at=starts_at,
        first_day=first_day,
        last_day=last_day,
        note=note[:200],
        reported_by=by or person,
        via=via,
        reported_at=now,
    )
    if starts_at <= now:
        _sign_out(person, by or person)
    _tell_absence(person)
    return absence


# Presences an absence ends at once; someone busy or in wrap-up finishes the contact.
SIGNED_OUT_BY_ABSENCE = ("available", "away", "break")


def _sign_out(person: Person, by: Person) -> None:
    """Absent from now: an agent who is available, away or on a break goes offline
    through routing's own action (live events, the event log with reason "absence",
    open offers withdrawn)."""
    from distans.routing.actions import do_set_presence
    from distans.routing.models import AgentState

    signed_in = AgentState.objects.for_org(org_of(person)).filter(
        person=person, presence__in=SIGNED_OUT_BY_ABSENCE
    )
    if signed_in.exists():
        do_set_presence(person, "offline", "absence", actor=by)


@transaction.atomic
def do_end_absence(absence: Absence, by: Person | None, now: dt.datetime | None = None) -> Absence:
    """Back at work: the absence ends now (its days after today no longer count)."""
    absence = Absence.objects.select_for_update().get(pk=absence.pk)
    if absence.ended_at is not None:
        raise StateConflict(_("This absence has already ended."))
    now = now or timezone.now()
    today = now.astimezone(zone_of(absence.organisation_id)).date()
    if absence.first_day > today:  # not begun: withdrawn entirely
        absence.delete()
        _tell_absence(absence.person)
        return absence
    absence.ended_at = now
    absence.last_day = max(absence.first_day, today)
    absence.save(update_fields=["ended_at", "last_day"])
    _tell_absence(absence.person)
    return absence


@transaction.atomic
def do_save_readiness(
    person: Person, item: str, status: str, note: str = "", day: dt.date | None = None
) -> ReadinessCheck:
    """Set one item of the person's home-work checklist (status, date, note)."""
    if item not in ReadinessItem.values or status not in ReadinessStatus.values:
        raise InvalidInput(_("Choose an item and a status."))
    check, _created = ReadinessCheck.objects.get_or_create(
        person=person, item=item, defaults={"organisation_id": org_of(person)}
    )
    check.status = status
    check.note = note[:200]
    check.checked_on = day or local_today(organisation_of(person))
    check.save()
    return check


@transaction.atomic
def do_report_it_problem(person: Person, description: str, item: str = "") -> ItProblem:
    """A problem for IT's list; naming an item marks it "problem" on the checklist."""
    description = description.strip()
    if not description:
        raise InvalidInput(_("Describe the problem."))
    if item and item not in ReadinessItem.values:
        raise InvalidInput(_("Choose an item and a status."))
    problem = ItProblem.objects.create(
        organisation_id=org_of(person),
        person=person,
        item=item,
        description=description[:2000],
    )
    if item:
        do_save_readiness(person, item, ReadinessStatus.PROBLEM, description[:200])
    return problem


@transaction.atomic
def do_resolve_it_problem(problem: ItProblem, by: Person, answer: str = "") -> ItProblem:
    problem = ItProblem.objects.select_for_update().get(pk=problem.pk)
    if problem.status == ProblemStatus.RESOLVED:
        raise StateConflict(_("This problem is already resolved."))
    problem.status = ProblemStatus.RESOLVED
    problem.resolved_at = timezone.now()
    problem.resolved_by = by
    problem.answer = answer.strip()[:500]
    problem.save(update_fields=["status", "resolved_at", "resolved_by", "answer"])
    return problem


@transaction.atomic
def do_save_absence_settings(
    organisation: Organisation, home_readiness_required: bool, by: Person | None
) -> AbsenceSettings:
    row, _created = AbsenceSettings.objects.get_or_create(organisation=organisation)
    before = snapshot(row, ["home_readiness_required"])
    row.home_readiness_required = home_readiness_required
    row.save()
    record_change(
        organisation,
        by,
        "absence.settings",
        row,
        before,
        snapshot(row, ["home_readiness_required"]),
    )
    return row


def _tell_swap(swap: SwapRequest) -> None:
    for person_id in (swap.requester_id, swap.colleague_id):
        publish(person_group(person_id), "swap", swap_id=swap.pk)
    publish(supervisors_group(swap.organisation_id), "swap", swap_id=swap.pk)


@transaction.atomic
def do_request_swap(
    requester: Person,
    shift: Shift,
    colleague: Person,
    return_shift: Shift | None = None,
    note: str = "",
) -> SwapRequest:
    """Ask ``colleague`` to take ``shift`` (and give ``return_shift`` back)."""
    if shift.person_id != requester.pk:
        raise InvalidInput(_("You can only offer your own shift."))
    if colleague.pk == requester.pk or org_of(colleague) != org_of(requester):
        raise InvalidInput(_("Choose a colleague."))
    if return_shift is not None and return_shift.person_id != colleague.pk:
        raise InvalidInput(_("The shift in return must be the colleague's."))
    for item in (shift, return_shift):
        if item is None:
            continue
        if item.starts_at <= timezone.now() or item.schedule.status != ScheduleStatus.PUBLISHED:
            raise InvalidInput(_("Only published shifts that have not begun can be swapped."))
    open_statuses = (SwapStatus.ASKED, SwapStatus.AGREED)
    if (
        SwapRequest.objects.for_org(org_of(requester))
        .filter(shift=shift, status__in=open_statuses)
        .exists()
    ):
        raise StateConflict(_("A swap of this shift is already waiting."))
    swap = SwapRequest(
        organisation_id=org_of(requester),
        requester=requester,
        colleague=colleague,
        shift=shift,
        return_shift=return_shift,
        note=note.strip()[:200],
    )
    problems = swap_problems(swap)  # said at once; checked again when a leader decides
    if problems:
        raise InvalidInput(" ".join(problems))
    swap.save()
    _tell_swap(swap)
    return swap


@transaction.atomic
def do_answer_swap(swap: SwapRequest, colleague: Person, agree: bool) -> SwapRequest:
    swap = SwapRequest.objects.select_for_update().get(pk=swap.pk)
    if swap.colleague_id != colleague.pk:
        raise InvalidInput(_("Only the colleague asked can answer."))
    if swap.status != SwapStatus.ASKED:
        raise StateConflict(_("This swap is no longer waiting for an answer."))
    swap.status = SwapStatus.AGREED if agree else SwapStatus.DECLINED
    swap.save(update_fields=["status"])
    _tell_swap(swap)
    return swap


@transaction.atomic
def do_withdraw_swap(swap: SwapRequest, requester: Person) -> SwapRequest:
    swap = SwapRequest.objects.select_for_update().get(pk=swap.pk)
    if swap.requester_id != requester.pk:
        raise InvalidInput(_("Only the one who asked can withdraw it."))
    if swap.status not in (SwapStatus.ASKED, SwapStatus.AGREED):
        raise StateConflict(_("This swap is already decided."))
    swap.status = SwapStatus.WITHDRAWN
    swap.save(update_fields=["status"])
    _tell_swap(swap)
    return swap


@transaction.atomic
def do_decide_swap(
    swap: SwapRequest, leader: Person, approve: bool, reason: str = ""
) -> SwapRequest:
    """A leader approves (the rules are checked again; the shifts change hands and
    both people's schedules update live) or rejects the agreed swap."""
    swap = SwapRequest.objects.select_for_update().get(pk=swap.pk)
    if swap.status != SwapStatus.AGREED:
        raise StateConflict(_("This swap is not waiting for a decision."))
    if leader.pk in (swap.requester_id, swap.colleague_id):
        raise InvalidInput(_("Another leader must decide a swap of your own shift."))
    swap.decided_by = leader
    swap.decided_at = timezone.now()
    if approve:
        problems = swap_problems(swap)
        if problems:
            raise InvalidInput(" ".join(problems))
        shift = Shift.objects.select_for_update().get(pk=swap.shift_id)
        shift.person = swap.colleague
        shift.team_id = swap.colleague.team_id
        shift.save(update_fields=["person", "team"])
        if swap.return_shift_id:
            back = Shift.objects.select_for_update().get(pk=swap.return_shift_id)
            back.person = swap.requester
            back.team_id = swap.requester.team_id
            back.save(update_fields=["person", "team"])
        swap.status = SwapStatus.APPROVED
        for person_id in (swap.requester_id, swap.colleague_id):
            publish(person_group(person_id), "schedule", schedule_id=shift.schedule_id)
        publish(supervisors_group(swap.organisation_id), "schedule", schedule_id=shift.schedule_id)
    else:
        swap.status = SwapStatus.REJECTED
        swap.reason = reason.strip()[:500]
    swap.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    _tell_swap(swap)
    return swap
