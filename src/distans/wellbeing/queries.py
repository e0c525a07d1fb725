"""Reads of wellbeing: whose check-ins a leader sees, who is overdue, and pulse results
pooled until the organisation's minimum group size is met."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from distans.accounts.localtime import local_now as local_now
from distans.accounts.localtime import local_today as local_today
from distans.accounts.models import Organisation, Person, Team
from distans.accounts.permissions import has_permission
from distans.wellbeing.choices import CheckInStatus, QuestionKind
from distans.wellbeing.models import (
    CheckIn,
    FollowUp,
    PulseComment,
    PulseQuestion,
    PulseRound,
    PulseTally,
    TeamMeeting,
    WellbeingSettings,
)

TREND_WEEKS = 13  # about 90 days


def org_id(person: Person) -> int:
    """The organisation of a person who has one (every caller here is logged in to an
    organisation: ``@requires`` refuses everyone else)."""
    if person.organisation_id is None:
        raise PermissionError("a person of no organisation")
    return int(person.organisation_id)


def org_of(person: Person) -> Organisation:
    if person.organisation is None:
        raise PermissionError("a person of no organisation")
    return person.organisation


def week_of(day: dt.date) -> tuple[int, int]:
    year, week, _weekday = day.isocalendar()
    return year, week


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def settings_of(organisation_id: int) -> WellbeingSettings:
    found = WellbeingSettings.objects.for_org(organisation_id).first()
    if found is None:
        found, _created = WellbeingSettings.objects.get_or_create(organisation_id=organisation_id)
    return found


# --- who sees whom -------------------------------------------------------------------


def sees_all_teams(person: Person) -> bool:
    return bool(person.is_supervisor or person.is_org_admin)


def teams_for(person: Person) -> list[Team]:
    """The teams whose check-ins and results the person follows: every team for
    supervisors and HR (organisation admins), otherwise the teams they lead (or their
    own team, when they are a team leader without a team to lead)."""
    if person.organisation_id is None:
        return []
    teams = Team.objects.for_org(person.organisation_id).order_by("name")
    if sees_all_teams(person):
        return list(teams)
    led = list(teams.filter(leader=person))
    if led:
        return led
    if person.is_team_leader and person.team_id:
        return list(teams.filter(pk=person.team_id))
    return []


def team_of(person: Person, team_id: Any) -> Team | None:
    """One of the person's teams by id (None when not theirs / not a number)."""
    teams = teams_for(person)
    try:
        wanted = int(team_id)
    except (TypeError, ValueError):
        return teams[0] if teams else None
    return next((t for t in teams if t.pk == wanted), None)


def may_follow(viewer: Person, person: Person) -> bool:
    if person.organisation_id != viewer.organisation_id or person.team_id is None:
        return False
    return any(t.pk == person.team_id for t in teams_for(viewer))


def may_read_notes(viewer: Person, person: Person) -> bool:
    """Private notes: the leader of the person's team (or a team leader of it) and HR."""
    if not has_permission(viewer, "checkins.notes") or not may_follow(viewer, person):
        return False
    if viewer.is_org_admin:
        return True
    team = person.team
    return team is not None and (
        team.leader_id == viewer.pk or (team.leader_id is None and viewer.team_id == team.pk)
    )


def followed_person(viewer: Person, person_id: int) -> Person | None:
    person = Person.objects.for_org(org_id(viewer)).filter(pk=person_id).first()
    return person if person is not None and may_follow(viewer, person) else None


# --- check-ins -----------------------------------------------------------------------


@dataclass
class CheckInRow:
    person: Person
    last_held: CheckIn | None
    next_planned: CheckIn | None
    days_since: int | None
    overdue: bool


def team_people(team: Team, leader: Person | None = None) -> QuerySet[Person]:
    people = Person.objects.for_org(team.organisation_id).filter(team=team, is_active=True)
    if leader is not None:
        people = people.exclude(pk=leader.pk)
    return people.order_by("full_name")


def checkin_overview(team: Team, today: dt.date, viewer: Person | None = None) -> list[CheckInRow]:
    limit = settings_of(team.organisation_id).checkin_days
    people = list(team_people(team, viewer))
    held: dict[int, CheckIn] = {}
    planned: dict[int, CheckIn] = {}
    rows = CheckIn.objects.for_org(team.organisation_id).filter(person__in=people)
    for c in rows.filter(status=CheckInStatus.DONE).order_by("held_on", "created_at"):
        held[c.person_id] = c
    for c in rows.filter(status=CheckInStatus.PLANNED).order_by("-planned_for"):
        planned[c.person_id] = c
    result = []
    for p in people:
        last = held.get(p.pk)
        days = (today - last.held_on).days if last and last.held_on else None
        result.append(CheckInRow(p, last, planned.get(p.pk), days, days is None or days >= limit))
    return sorted(
        result, key=lambda r: (not r.overdue, -(r.days_since or 10_000), r.person.full_name)
    )


def overdue_people(team: Team, today: dt.date) -> list[Person]:
    leader = team.leader
    return [row.person for row in checkin_overview(team, today, leader) if row.overdue]


def person_checkins(person: Person) -> QuerySet[CheckIn]:
    return CheckIn.objects.for_org(org_id(person)).filter(person=person)


def open_follow_ups(team: Team) -> QuerySet[FollowUp]:
    return (
        FollowUp.objects.for_org(team.organisation_id)
        .filter(checkin__person__team=team, done_at__isnull=True)
        .select_related("checkin__person")
        .order_by("due_on", "pk")
    )


def meeting_of(team: Team, day: dt.date) -> TeamMeeting | None:
    return TeamMeeting.objects.for_org(team.organisation_id).filter(team=team, day=day).first()


def recent_meetings(team: Team, limit: int = 10) -> list[dict[str, Any]]:
    size = team_people(team).count()
    meetings = (
        TeamMeeting.objects.for_org(team.organisation_id).filter(team=team).order_by("-day")[:limit]
    )
    return [{"meeting": m, "present": m.attendees.count(), "size": size} for m in meetings]


# --- pulse ---------------------------------------------------------------------------


def questions_of(round_: PulseRound) -> list[PulseQuestion]:
    by_id = {
        q.pk: q
        for q in PulseQuestion.objects.for_org(round_.organisation_id).filter(
            pk__in=round_.question_ids
        )
    }
    return [by_id[i] for i in round_.question_ids if i in by_id]


def planned_questions(organisation_id: int, monday: dt.date, per_week: int) -> list[PulseQuestion]:
    """The schedule: the bank's questions in use, rotated — each week the next
    ``per_week`` of them, so every question comes back every few weeks."""
    bank = list(PulseQuestion.objects.for_org(organisation_id).filter(active=True).order_by("pk"))
    if not bank:
        return []
    n = min(per_week, len(bank))
    start = (monday.toordinal() // 7 * n) % len(bank)
    return [bank[(start + i) % len(bank)] for i in range(n)]


def round_of(organisation_id: int, day: dt.date) -> PulseRound | None:
    year, week = week_of(day)
    return PulseRound.objects.for_org(organisation_id).filter(iso_year=year, iso_week=week).first()


@dataclass
class Scope:
    """Whose answers a result is drawn from."""

    team: Team | None  # None: the whole organisation
    weeks: list[tuple[int, int]]


def _weeks_back(monday: dt.date, count: int) -> list[tuple[int, int]]:
    return [week_of(monday - dt.timedelta(weeks=i)) for i in range(count)]


def candidate_scopes(team: Team | None, monday: dt.date, pool_weeks: int) -> list[Scope]:
    """The team alone this week, then the team over more weeks, then the whole
    organisation (the parent of every team) this week, then over more weeks."""
    scopes: list[Scope] = []
    for group in ([team] if team is not None else []) + [None]:
        for count in range(1, max(1, pool_weeks) + 1):
            scopes.append(Scope(group, _weeks_back(monday, count)))
    return scopes


def _week_filter(weeks: list[tuple[int, int]]) -> Q:
    q = Q(pk__in=[])
    for year, week in weeks:
        q |= Q(round__iso_year=year, round__iso_week=week)
    return q


def _tallies(organisation_id: int, scope: Scope) -> QuerySet[PulseTally]:
    rows = PulseTally.objects.for_org(organisation_id).filter(_week_filter(scope.weeks))
    if scope.team is not None:
        rows = rows.filter(team=scope.team)
    return rows


def _comments(organisation_id: int, scope: Scope) -> QuerySet[PulseComment]:
    rows = PulseComment.objects.for_org(organisation_id).filter(_week_filter(scope.weeks))
    if scope.team is not None:
        rows = rows.filter(team=scope.team)
    return rows


@dataclass
class QuestionResult:
    question: PulseQuestion
    answers: int
    average: float | None  # None: hidden (too few answers even pooled)
    scope: Scope | None
    distribution: list[tuple[int, int]] = field(default_factory=list)
    enps: int | None = None


def _counts(organisation_id: int, scope: Scope) -> dict[int, dict[int, int]]:
    counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    rows = _tallies(organisation_id, scope).values("question_id", "value").annotate(n=Sum("count"))
    for row in rows:
        counts[row["question_id"]][row["value"]] += int(row["n"] or 0)
    return counts


def question_results(
    organisation_id: int, team: Team | None, monday: dt.date, questions: list[PulseQuestion]
) -> list[QuestionResult]:
    """Each question's result from the narrowest scope that has at least the minimum
    number of answers; hidden (average None) when even the widest has fewer."""
    conf = settings_of(organisation_id)
    scopes = candidate_scopes(team, monday, conf.pool_weeks)
    cache = [_counts(organisation_id, scope) for scope in scopes]
    results = []
    for question in questions:
        found = None
        for scope, counts in zip(scopes, cache, strict=True):
            values = counts.get(question.pk, {})
            n = sum(values.values())
            if n >= conf.min_scores:
                found = (scope, values, n)
                break
        if found is None:
            own = sum(cache[0].get(question.pk, {}).values()) if cache else 0
            results.append(QuestionResult(question, own, None, None))
            continue
        scope, values, n = found
        average = sum(v * c for v, c in values.items()) / n
        distribution = [(v, values.get(v, 0)) for v in range(question.bottom, question.top + 1)]
        enps = None
        if question.kind == QuestionKind.ENPS:
            promoters = sum(c for v, c in values.items() if v >= 9)
            detractors = sum(c for v, c in values.items() if v <= 6)
            enps = round(100 * (promoters - detractors) / n)
        results.append(QuestionResult(question, n, average, scope, distribution, enps))
    return results


def comment_pool(
    organisation_id: int, team: Team | None, monday: dt.date
) -> tuple[Scope | None, list[PulseComment], int]:
    """The comments of the narrowest scope with at least ``min_comments`` of them
    (newest week first); (None, [], count of the team's own this week) when none has."""
    conf = settings_of(organisation_id)
    scopes = candidate_scopes(team, monday, conf.pool_weeks)
    for scope in scopes:
        rows = _comments(organisation_id, scope)
        if rows.count() >= conf.min_comments:
            ordered = rows.select_related("round").order_by(
                "-round__iso_year", "-round__iso_week", "text"
            )
            return scope, list(ordered), rows.count()
    return None, [], _comments(organisation_id, scopes[0]).count() if scopes else 0


def trend(organisation_id: int, team: Team | None, monday: dt.date) -> list[dict[str, Any]]:
    """About 90 days: per week the average of the 1–5 questions, drawn from the
    narrowest scope that meets the minimum (None when even pooling does not)."""
    conf = settings_of(organisation_id)
    points = []
    for i in reversed(range(TREND_WEEKS)):
        week_monday = monday - dt.timedelta(weeks=i)
        value: float | None = None
        chosen: Scope | None = None
        for scope in candidate_scopes(team, week_monday, conf.pool_weeks):
            rows = (
                _tallies(organisation_id, scope)
                .filter(question__kind=QuestionKind.SCALE)
                .values("question_id", "value")
                .annotate(n=Sum("count"))
            )
            per_question: dict[int, int] = defaultdict(int)
            total = weighted = 0
            for row in rows:
                per_question[row["question_id"]] += int(row["n"] or 0)
                total += int(row["n"] or 0)
                weighted += int(row["n"] or 0) * int(row["value"])
            if per_question and max(per_question.values()) >= conf.min_scores:
                value, chosen = weighted / total, scope
                break
        year, week = week_of(week_monday)
        points.append({"week": week, "year": year, "value": value, "scope": chosen})
    return points


def trend_chart(points: list[dict[str, Any]]) -> dict[str, Any]:
    """SVG geometry (plain floats; the template switches localisation off)."""
    width, height, left, right, top, bottom = 640, 200, 40, 10, 10, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(1, len(points) - 1)

    def y_of(value: float) -> float:
        return round(top + plot_h - (value - 1) / 4 * plot_h, 1)

    shown = []
    for i, point in enumerate(points):
        x = round(left + i * step, 1)
        point["x"] = x
        if point["value"] is not None:
            point["y"] = y_of(point["value"])
            shown.append(f"{x},{point['y']}")
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": width - right,
        "points": points,
        "line": " ".join(shown),
        "ticks": [{"value": v, "y": y_of(v)} for v in (1, 2, 3, 4, 5)],
        "label_y": height - 8,
        "any": bool(shown),
    }


def replies_for(person: Person, today: dt.date) -> list[PulseComment]:
    """Leaders' answers to comments from the person's team or the organisation's
    bucket, the last 90 days (everyone in the team reads them; nobody is named)."""
    if person.organisation_id is None:
        return []
    weeks = _weeks_back(monday_of(today), TREND_WEEKS)
    rows = PulseComment.objects.for_org(person.organisation_id).filter(
        _week_filter(weeks), replied_at__isnull=False
    )
    rows = rows.filter(Q(team__isnull=True) | Q(team_id=person.team_id))
    return list(rows.order_by("-replied_at")[:20])


def comment_for(viewer: Person, comment_id: Any, today: dt.date) -> PulseComment | None:
    """A comment the viewer may answer: one they are shown on their results page."""
    if viewer.organisation_id is None:
        return None
    monday = monday_of(today)
    for team in [*teams_for(viewer), None] if sees_all_teams(viewer) else teams_for(viewer):
        _scope, comments, _n = comment_pool(viewer.organisation_id, team, monday)
        for comment in comments:
            if str(comment.pk) == str(comment_id):
                return comment
    return None


def group_label(scope: Scope | None, team: Team | None) -> str:
    if scope is None:
        return ""
    who = scope.team.name if scope.team is not None else _("the whole organisation")
    if len(scope.weeks) == 1:
        return _("%(who)s, week %(week)s") % {"who": who, "week": scope.weeks[0][1]}
    return _("%(who)s, weeks %(first)s–%(last)s") % {
        "who": who,
        "first": scope.weeks[-1][1],
        "last": scope.weeks[0][1],
    }
