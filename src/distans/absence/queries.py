"""Reads of absence: who is out (``absent_people``), readiness for home work, the
break record, today's staffing with absences, swaps and the monthly report."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from distans.absence.choices import (
    AbsenceKind,
    BreakOutcome,
    ProblemStatus,
    ReadinessItem,
    ReadinessStatus,
    SwapStatus,
)
from distans.absence.models import Absence, AbsenceSettings, ItProblem, ReadinessCheck, SwapRequest
from distans.accounts.choices import Role
from distans.accounts.localtime import local_today as local_today
from distans.accounts.localtime import zone_of as zone_of
from distans.accounts.models import Organisation, Person, Team
from distans.core.routing import EventName
from distans.planning.choices import ScheduleStatus
from distans.planning.models import Shift, ShiftBreak

PAUSES = frozenset({"break", "away", "offline"})
BREAK_SLACK = dt.timedelta(minutes=30)  # a break taken up to 30 min early or late counts
TOLERANCE_MINUTES = 2  # a break this much shorter still counts as taken


def org_of(person: Person) -> int:
    """The organisation id of someone who belongs to one (every caller here does)."""
    if person.organisation_id is None:
        raise ValueError("the person belongs to no organisation")
    return person.organisation_id


def organisation_of(person: Person) -> Organisation:
    if person.organisation is None:
        raise ValueError("the person belongs to no organisation")
    return person.organisation


def settings_of(organisation_id: int) -> AbsenceSettings:
    found = AbsenceSettings.objects.for_org(organisation_id).first()
    return found or AbsenceSettings(organisation_id=organisation_id)


# --- who is out -------------------------------------------------------------------


def absences_on(organisation: Organisation | int, day: dt.date) -> QuerySet[Absence]:
    """Absences covering the local ``day`` (not ended before it began)."""
    rows = Absence.objects.for_org(organisation).filter(first_day__lte=day, last_day__gte=day)
    return rows.filter(Q(ended_at__isnull=True) | Q(ended_at__date__gt=day)).select_related(
        "person", "person__team"
    )


def absent_people(organisation: Organisation | int, day: dt.date) -> QuerySet[Person]:
    """People of the organisation away on ``day`` (sick, care of a sick child, other).

    For other apps, e.g. announcements' reach: ``.exclude(pk__in=absent_people(org, d))``."""
    ids = absences_on(organisation, day).values("person_id")
    return Person.objects.for_org(organisation).filter(pk__in=ids)


def my_absences(person: Person) -> QuerySet[Absence]:
    return Absence.objects.for_org(org_of(person)).filter(person=person)[:20]


def get_absence(organisation_id: int, absence_id: int) -> Absence | None:
    return (
        Absence.objects.for_org(organisation_id)
        .select_related("person")
        .filter(pk=absence_id)
        .first()
    )


# --- teams a leader sees ----------------------------------------------------------


def led_team_ids(person: Person) -> list[int] | None:
    """Team ids whose figures ``person`` may see; None: every team (supervisors,
    planners, admins)."""
    if person.is_supervisor or person.is_org_admin or Role.PLANNER in person.roles:
        return None
    teams = set(
        Team.objects.for_org(org_of(person)).filter(leader=person).values_list("pk", flat=True)
    )
    if person.team_id:
        teams.add(person.team_id)
    return sorted(teams)


def visible_teams(person: Person) -> QuerySet[Team]:
    ids = led_team_ids(person)
    rows = Team.objects.for_org(org_of(person)).order_by("name")
    return rows if ids is None else rows.filter(pk__in=ids)


def visible_people(person: Person) -> QuerySet[Person]:
    ids = led_team_ids(person)
    rows = Person.objects.for_org(org_of(person)).filter(is_active=True)
    if ids is not None:
        rows = rows.filter(team_id__in=ids)
    return rows.select_related("team").order_by("full_name")


# --- readiness --------------------------------------------------------------------


@dataclass
class Readiness:
    person: Person
    checks: list[ReadinessCheck]
    open_problems: int = 0

    @property
    def ready(self) -> bool:
        return all(c.status == ReadinessStatus.OK for c in self.checks)

    @property
    def missing(self) -> list[ReadinessCheck]:
        return [c for c in self.checks if c.status != ReadinessStatus.OK]

    def reason(self) -> str:
        parts = [f"{c.get_item_display()}: {c.get_status_display().lower()}" for c in self.missing]
        return ", ".join(parts)


def readiness_of_people(organisation_id: int, people: list[Person]) -> list[Readiness]:
    """Every item of each person's checklist (items never checked: "not checked")."""
    stored: dict[tuple[int, str], ReadinessCheck] = {
        (c.person_id, c.item): c
        for c in ReadinessCheck.objects.for_org(organisation_id).filter(
            person_id__in=[p.pk for p in people]
        )
    }
    problems: dict[int, int] = defaultdict(int)
    for person_id in (
        ItProblem.objects.for_org(organisation_id)
        .filter(status=ProblemStatus.OPEN, person_id__in=[p.pk for p in people])
        .values_list("person_id", flat=True)
    ):
        problems[person_id] += 1
    out = []
    for person in people:
        checks = [
            stored.get((person.pk, item))
            or ReadinessCheck(
                organisation_id=organisation_id,
                person=person,
                item=item,
                status=ReadinessStatus.NOT_CHECKED,
            )
            for item in ReadinessItem.values
        ]
        out.append(Readiness(person, checks, problems[person.pk]))
    return out


def readiness_of(person: Person) -> Readiness:
    return readiness_of_people(org_of(person), [person])[0]


def home_readiness_problems(organisation_id: int, people: list[Person]) -> dict[int, str]:
    """Planning's home check: person id → why they may not work from home; empty
    unless the organisation schedules only ready people at home."""
    if not settings_of(organisation_id).home_readiness_required:
        return {}
    return {
        r.person.pk: _("not ready to work from home (%(items)s)") % {"items": r.reason()}
        for r in readiness_of_people(organisation_id, people)
        if not r.ready
    }


def open_it_problems(organisation_id: int) -> QuerySet[ItProblem]:
    return (
        ItProblem.objects.for_org(organisation_id)
        .select_related("person", "person__team")
        .order_by("status", "-created_at")
    )


def my_it_problems(person: Person) -> QuerySet[ItProblem]:
    return ItProblem.objects.for_org(org_of(person)).filter(person=person)[:10]


def get_it_problem(organisation_id: int, problem_id: int) -> ItProblem | None:
    return ItProblem.objects.for_org(organisation_id).filter(pk=problem_id).first()


# --- breaks: scheduled against presence and handling -------------------------------


@dataclass
class BreakRow:
    item: ShiftBreak
    outcome: str
    paused_minutes: int
    handling_minutes: int

    @property
    def outcome_label(self) -> str:
        return str(BreakOutcome(self.outcome).label)

    @property
    def scheduled_minutes(self) -> int:
        return round((self.item.ends_at - self.item.starts_at).total_seconds() / 60)


def _overlap(a0: dt.datetime, a1: dt.datetime, b0: dt.datetime, b1: dt.datetime) -> float:
    return max(0.0, (min(a1, b1) - max(a0, b0)).total_seconds())


def _presence_spans(
    organisation_id: int, person_id: int, since: dt.datetime, until: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime, str]] | None:
    """(from, to, presence) over [since, until) from the event log; None when nothing
    is known (no state change before or during)."""
    from distans.routing.models import RoutingEvent

    events = RoutingEvent.objects.for_org(organisation_id).filter(
        agent_id=person_id, name=EventName.AGENT_STATE_CHANGED
    )
    before = events.filter(at__lt=since).order_by("-at").values_list("data", flat=True).first()
    during = list(
        events.filter(at__gte=since, at__lt=until).order_by("at").values_list("at", "data")
    )
    if before is None and not during:
        return None
    spans = []
    state = str((before or {}).get("to", "offline"))
    moment = since
    for at, data in during:
        spans.append((moment, at, state))
        moment, state = at, str((data or {}).get("to", state))
    spans.append((moment, until, state))
    return spans


def _handling_seconds(
    organisation_id: int, person_id: int, since: dt.datetime, until: dt.datetime
) -> float:
    from distans.contacts.models import Contact

    rows = (
        Contact.objects.for_org(organisation_id)
        .filter(agent_id=person_id, accepted_at__lt=until)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=since))
        .values_list("accepted_at", "ended_at")
    )
    now = timezone.now()
    return sum(_overlap(a, e or now, since, until) for a, e in rows)


def evaluate_break(item: ShiftBreak, person_id: int) -> BreakRow | None:
    """Taken, shortened or skipped: the time the person paused (break, away, offline)
    within the break's window (± 30 min), against its length; None when the event log
    knows nothing of the person then."""
    since, until = item.starts_at - BREAK_SLACK, item.ends_at + BREAK_SLACK
    spans = _presence_spans(item.organisation_id, person_id, since, until)
    if spans is None:
        return None
    paused = sum((b - a).total_seconds() for a, b, state in spans if state in PAUSES)
    scheduled = (item.ends_at - item.starts_at).total_seconds()
    paused_minutes = round(min(paused, scheduled + 2 * BREAK_SLACK.total_seconds()) / 60)
    if paused >= scheduled - TOLERANCE_MINUTES * 60:
        outcome = BreakOutcome.TAKEN
    elif paused >= 3 * 60:
        outcome = BreakOutcome.SHORTENED
    else:
        outcome = BreakOutcome.SKIPPED
    handling = _handling_seconds(item.organisation_id, person_id, item.starts_at, item.ends_at)
    return BreakRow(item, str(outcome), paused_minutes, round(handling / 60))


def _past_breaks(organisation_id: int, person_ids: list[int], days: int) -> QuerySet[ShiftBreak]:
    now = timezone.now()
    return (
        ShiftBreak.objects.for_org(organisation_id)
        .filter(
            shift__person_id__in=person_ids,
            shift__schedule__status=ScheduleStatus.PUBLISHED,
            ends_at__lte=now - BREAK_SLACK,
            starts_at__gte=now - dt.timedelta(days=days),
        )
        .select_related("shift")
        .order_by("-starts_at")
    )


def break_record(person: Person, days: int = 14) -> list[BreakRow]:
    """The person's own breaks of the last ``days`` days, newest first."""
    out = []
    for item in _past_breaks(org_of(person), [person.pk], days):
        row = evaluate_break(item, person.pk)
        if row is not None:
            out.append(row)
    return out


@dataclass
class BreakSummary:
    team: Team
    scheduled: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {o: 0 for o in BreakOutcome.values})
    handling_minutes: int = 0

    def share(self, outcome: str) -> int | None:
        judged = sum(self.counts.values())
        return round(100 * self.counts[outcome] / judged) if judged else None

    @property
    def taken_share(self) -> int | None:
        return self.share(BreakOutcome.TAKEN)

    @property
    def shortened(self) -> int:
        return self.counts[BreakOutcome.SHORTENED]

    @property
    def skipped(self) -> int:
        return self.counts[BreakOutcome.SKIPPED]

    @property
    def taken(self) -> int:
        return self.counts[BreakOutcome.TAKEN]


def team_break_summaries(leader: Person, days: int = 14) -> list[BreakSummary]:
    """Per team the leader sees: counts only, never who (leaders see aggregates)."""
    out = []
    for team in visible_teams(leader):
        summary = BreakSummary(team)
        members = list(
            Person.objects.for_org(team.organisation_id)
            .filter(team=team)
            .values_list("pk", flat=True)
        )
        for item in _past_breaks(team.organisation_id, members, days):
            summary.scheduled += 1
            row = evaluate_break(item, item.shift.person_id)
            if row is not None:
                summary.counts[row.outcome] += 1
                summary.handling_minutes += row.handling_minutes
        out.append(summary)
    return out


# --- today's staffing with absences ----------------------------------------------


@dataclass
class Missing:
    person: Person
    absence: Absence
    shift: Shift


@dataclass
class Intraday:
    day: dt.date
    interval_minutes: int
    rows: list[dict[str, Any]]
    missing: list[Missing]
    now_row: dict[str, Any] | None
    has_forecast: bool
    has_schedule: bool
    target: float | None = None
    answer_seconds: float | None = None
    is_today: bool = True
    on_shift: list[Shift] = field(default_factory=list)


def _today_shifts(organisation: Organisation, day: dt.date, zone: ZoneInfo) -> list[Shift]:
    from distans.planning.queries import schedule_for_week

    week = day - dt.timedelta(days=day.weekday())
    schedule = schedule_for_week(organisation.pk, week)
    if schedule is None:
        return []
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return list(
        Shift.objects.for_org(organisation)
        .filter(schedule=schedule, starts_at__gte=start, starts_at__lt=start + dt.timedelta(days=1))
        .select_related("person", "team")
        .prefetch_related("breaks")
        .order_by("starts_at", "person__full_name")
    )


def intraday(
    organisation: Organisation, day: dt.date | None = None, now: dt.datetime | None = None
) -> Intraday:
    """A day per interval (today: from the current interval on): required agents
    (Erlang C on the pooled forecast of every queue, as the schedule is planned),
    scheduled, available (the scheduled minus those absent then), and the service
    level each leaves."""
    from distans.core.queueing.erlang_c import erlang_c_service_level, traffic_erlangs
    from distans.core.queueing.staffing import ServiceTarget, required_agents
    from distans.planning.demand import planning_settings, queue_demand, saved_inputs
    from distans.routing.models import Queue

    now = now or timezone.now()
    zone = zone_of(organisation)
    today = now.astimezone(zone).date()
    day = max(day or today, today)
    interval = planning_settings(organisation.pk).interval_minutes
    slots = 1440 // interval
    contacts = np.zeros(slots)
    work = np.zeros(slots)
    is_open = np.zeros(slots, dtype=bool)
    levels, thresholds = [], []
    for queue in Queue.objects.for_org(organisation).select_related("organisation"):
        inputs = saved_inputs(queue)
        demand = queue_demand(queue, inputs, day, 1, interval, today, now if day == today else None)
        if demand is None:
            continue
        contacts += demand.contacts[0]
        work += demand.contacts[0] * inputs.aht_seconds
        is_open |= demand.open[0]
        levels.append(inputs.service_level)
        thresholds.append(inputs.answer_within_seconds)
    has_forecast = bool(levels)
    aht = np.where(contacts > 0, work / np.maximum(contacts, 1e-9), 240.0)
    traffic = traffic_erlangs(contacts, interval * 60, aht)
    level = max(levels) if levels else 0.8
    answer = min(thresholds) if thresholds else 20.0
    required = (
        required_agents(traffic, aht, ServiceTarget(level, answer))
        if has_forecast
        else np.zeros(slots, dtype=np.int64)
    )
    shifts = _today_shifts(organisation, day, zone)
    absences = {a.person_id: a for a in absences_on(organisation, day)}
    midnight = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    rows = []
    now_row = None
    current = (
        int((now.astimezone(zone) - midnight).total_seconds() // (interval * 60))
        if day == today
        else -1
    )
    for slot in range(max(current, 0), slots):
        begin = midnight + dt.timedelta(minutes=slot * interval)
        middle = begin + dt.timedelta(minutes=interval / 2)
        moment = max(middle, now) if slot == current else middle
        on_duty = [
            s
            for s in shifts
            if s.starts_at <= middle < s.ends_at
            and not any(b.starts_at <= middle < b.ends_at for b in s.breaks.all())
        ]
        away = [
            s
            for s in on_duty
            if s.person_id in absences and absences[s.person_id].starts_at <= moment
        ]
        scheduled, available = len(on_duty), len(on_duty) - len(away)
        if not (is_open[slot] or scheduled):
            continue
        row: dict[str, Any] = {
            "start": begin.astimezone(zone).strftime("%H:%M"),
            "contacts": float(contacts[slot]),
            "required": int(required[slot]),
            "scheduled": scheduled,
            "available": available,
            "short": max(0, int(required[slot]) - available),
            "planned_level": None,
            "level": None,
        }
        if has_forecast and contacts[slot] > 0:
            row["planned_level"] = round(
                100 * float(erlang_c_service_level(traffic[slot], scheduled, aht[slot], answer))
            )
            row["level"] = round(
                100 * float(erlang_c_service_level(traffic[slot], available, aht[slot], answer))
            )
        rows.append(row)
        if slot == current:
            now_row = row
    missing = [
        Missing(s.person, absences[s.person_id], s)
        for s in shifts
        if s.person_id in absences and s.ends_at > now
    ]
    return Intraday(
        day, interval, rows, missing, now_row, has_forecast, bool(shifts),
        level if has_forecast else None, answer if has_forecast else None, day == today,
        [s for s in shifts if s.person_id not in absences],
    )  # fmt: skip


# --- swaps --------------------------------------------------------------------------


def my_future_shifts(person: Person, days: int = 28) -> QuerySet[Shift]:
    now = timezone.now()
    return (
        Shift.objects.for_org(org_of(person))
        .filter(
            person=person,
            schedule__status=ScheduleStatus.PUBLISHED,
            starts_at__gt=now,
            starts_at__lt=now + dt.timedelta(days=days),
        )
        .order_by("starts_at")
    )


def colleagues_shifts(person: Person, days: int = 28) -> QuerySet[Shift]:
    now = timezone.now()
    return (
        Shift.objects.for_org(org_of(person))
        .filter(
            schedule__status=ScheduleStatus.PUBLISHED,
            starts_at__gt=now,
            starts_at__lt=now + dt.timedelta(days=days),
        )
        .exclude(person=person)
        .select_related("person")
        .order_by("starts_at", "person__full_name")
    )


def colleagues(person: Person) -> QuerySet[Person]:
    return (
        Person.objects.for_org(org_of(person))
        .filter(is_active=True, is_agent=True)
        .exclude(pk=person.pk)
        .order_by("full_name")
    )


def swaps_of(person: Person) -> QuerySet[SwapRequest]:
    return (
        SwapRequest.objects.for_org(org_of(person))
        .filter(Q(requester=person) | Q(colleague=person))
        .select_related("requester", "colleague", "shift", "return_shift")[:20]
    )


def swaps_to_decide(leader: Person) -> QuerySet[SwapRequest]:
    ids = led_team_ids(leader)
    rows = SwapRequest.objects.for_org(org_of(leader)).filter(status=SwapStatus.AGREED)
    if ids is not None:
        rows = rows.filter(Q(requester__team_id__in=ids) | Q(colleague__team_id__in=ids))
    return rows.select_related("requester", "colleague", "shift", "return_shift").exclude(
        requester=leader
    )


def get_swap(organisation_id: int, swap_id: int) -> SwapRequest | None:
    return (
        SwapRequest.objects.for_org(organisation_id)
        .select_related("requester", "colleague", "shift", "return_shift")
        .filter(pk=swap_id)
        .first()
    )


# --- the monthly report -----------------------------------------------------------


@dataclass
class MonthRow:
    team: Team | None
    people: int
    days: dict[str, int]
    workdays: int

    @property
    def total(self) -> int:
        return sum(self.days.values())

    @property
    def sick_rate(self) -> float | None:
        """Sick days (own sickness) per possible workday of the team's people, %."""
        possible = self.people * self.workdays
        return round(100 * self.days[AbsenceKind.SICK] / possible, 1) if possible else None

    @property
    def absence_rate(self) -> float | None:
        possible = self.people * self.workdays
        return round(100 * self.total / possible, 1) if possible else None


def _workdays(first: dt.date, last: dt.date) -> list[dt.date]:
    days = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def month_report(leader: Person, month: dt.date) -> list[MonthRow]:
    """Per team the leader sees: absence days by kind in ``month`` (weekdays), and the
    sick rate (own sick days / (people × weekdays))."""
    first = month.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    workdays = _workdays(first, last)
    org_id: int = org_of(leader)
    teams = list(visible_teams(leader))
    people_by_team: dict[int, int] = defaultdict(int)
    for team_id in (
        Person.objects.for_org(org_id)
        .filter(is_active=True, team__in=teams)
        .values_list("team_id", flat=True)
    ):
        people_by_team[team_id] += 1
    rows = {
        t.pk: MonthRow(t, people_by_team[t.pk], {k: 0 for k in AbsenceKind.values}, len(workdays))
        for t in teams
    }
    absences = (
        Absence.objects.for_org(org_id)
        .filter(first_day__lte=last, last_day__gte=first, person__team__in=teams)
        .select_related("person")
    )
    for absence in absences:
        end = absence.last_day
        if absence.ended_at is not None:
            end = min(end, absence.ended_at.astimezone(zone_of(org_id)).date())
        counted = [d for d in workdays if absence.first_day <= d <= end]
        rows[absence.person.team_id].days[absence.kind] += len(counted)
    return list(rows.values())
