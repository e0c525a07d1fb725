"""Pages of wellbeing: team leaders' check-ins and daily meetings, everyone's pulse
survey, results for leaders (never below the minimum group size), settings for HR."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from distans.accounts.models import Person
from distans.accounts.permissions import has_permission, requires
from distans.wellbeing import actions, queries
from distans.wellbeing.actions import WellbeingError
from distans.wellbeing.choices import CheckInKind
from distans.wellbeing.models import CheckInReminder, FollowUp, PulseQuestion


def _me(request: HttpRequest) -> Person:
    user = request.user
    assert isinstance(user, Person)  # @requires let only a logged-in person through
    return user


def _org(request: HttpRequest) -> int:
    return queries.org_id(_me(request))


def _today(request: HttpRequest) -> dt.date:
    return queries.local_today(_org(request))


def _date(raw: str, default: dt.date | None = None) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        return default
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise WellbeingError(_("Give the date as year-month-day, e.g. 2026-03-16.")) from exc


def _language() -> str:
    language = (get_language() or "sv")[:2]
    return language if language in ("sv", "nb", "en") else "sv"


# --- check-ins -----------------------------------------------------------------------


@require_GET
@requires("checkins.manage")
def checkins(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    today = _today(request)
    teams = queries.teams_for(me)
    team = queries.team_of(me, request.GET.get("team"))
    rows = queries.checkin_overview(team, today, me) if team else []
    reminder = CheckInReminder.objects.for_org(_org(request)).filter(leader=me, day=today).first()
    return render(
        request,
        "wellbeing/checkins.html",
        {
            "teams": teams,
            "team": team,
            "rows": rows,
            "overdue": [r for r in rows if r.overdue],
            "follow_ups": list(queries.open_follow_ups(team)) if team else [],
            "reminder": reminder,
            "days": queries.settings_of(_org(request)).checkin_days,
            "today": today,
        },
    )


def _person_context(request: HttpRequest, person: Person, error: str = "") -> dict[str, Any]:
    me = _me(request)
    return {
        "person": person,
        "history": list(queries.person_checkins(person).prefetch_related("follow_ups")[:50]),
        "may_read_notes": queries.may_read_notes(me, person),
        "kinds": CheckInKind.choices,
        "today": _today(request),
        "error": error,
    }


def _followed(request: HttpRequest, person_id: int) -> Person:
    person = queries.followed_person(_me(request), person_id)
    if person is None:
        raise Http404
    return person


@require_GET
@requires("checkins.manage")
def person(request: HttpRequest, person_id: int) -> HttpResponse:
    subject = _followed(request, person_id)
    return render(request, "wellbeing/person.html", _person_context(request, subject))


@require_POST
@requires("checkins.manage")
def plan(request: HttpRequest, person_id: int) -> HttpResponse:
    subject = _followed(request, person_id)
    try:
        day = _date(request.POST.get("planned_for", ""))
        if day is None:
            raise WellbeingError(_("Choose a day for the check-in."))
        actions.do_plan_checkin(_me(request), subject, day, request.POST.get("kind", ""))
    except WellbeingError as failure:
        return render(
            request,
            "wellbeing/person.html",
            _person_context(request, subject, str(failure)),
            status=422,
        )
    return redirect("wellbeing:person", subject.pk)


@require_POST
@requires("checkins.manage")
def record(request: HttpRequest, person_id: int) -> HttpResponse:
    subject = _followed(request, person_id)
    me = _me(request)
    notes = request.POST.get("notes", "")
    if notes and not queries.may_read_notes(me, subject):
        notes = ""  # who may not read notes does not write them either
    try:
        held_on = _date(request.POST.get("held_on", ""), _today(request))
        assert held_on is not None
        actions.do_record_checkin(
            me,
            subject,
            request.POST.get("kind", ""),
            held_on,
            notes,
            request.POST.get("follow_up", ""),
            _date(request.POST.get("follow_up_due", "")),
        )
    except WellbeingError as failure:
        return render(
            request,
            "wellbeing/person.html",
            _person_context(request, subject, str(failure)),
            status=422,
        )
    return redirect(reverse("wellbeing:checkins") + f"?team={subject.team_id}")


@require_POST
@requires("checkins.manage")
def follow_up_done(request: HttpRequest, follow_up_id: int) -> HttpResponse:
    follow_up = (
        FollowUp.objects.for_org(_org(request))
        .filter(pk=follow_up_id)
        .select_related("checkin__person")
        .first()
    )
    if follow_up is None or not queries.may_follow(_me(request), follow_up.checkin.person):
        raise Http404
    actions.do_finish_follow_up(_me(request), follow_up)
    return redirect(reverse("wellbeing:checkins") + f"?team={follow_up.checkin.person.team_id}")


@require_http_methods(["GET", "POST"])
@requires("checkins.manage")
def meeting(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    team = queries.team_of(me, request.POST.get("team") or request.GET.get("team"))
    today = _today(request)
    error = ""
    if request.method == "POST":
        if team is None:
            raise Http404
        try:
            day = _date(request.POST.get("day", ""), today)
            assert day is not None
            if day > today:
                raise WellbeingError(_("Attendance can only be taken for today or earlier."))
            ids = [int(v) for v in request.POST.getlist("present") if v.isdigit()]
            actions.do_save_meeting(me, team, day, ids, request.POST.get("note", ""))
        except WellbeingError as failure:
            error = str(failure)
        else:
            return redirect(reverse("wellbeing:meeting") + f"?team={team.pk}")
    current = queries.meeting_of(team, today) if team else None
    present = set(current.attendees.values_list("pk", flat=True)) if current else set()
    return render(
        request,
        "wellbeing/meeting.html",
        {
            "teams": queries.teams_for(me),
            "team": team,
            "people": list(queries.team_people(team)) if team else [],
            "present": present,
            "current": current,
            "recent": queries.recent_meetings(team) if team else [],
            "today": today,
            "error": error,
        },
        status=422 if error else 200,
    )


# --- pulse ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@requires("wellbeing.answer")
def pulse(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    today = _today(request)
    round_ = actions.do_open_round(_org(request), today)
    actions.ensure_participation(me, round_)
    questions = queries.questions_of(round_)
    error = ""
    if request.method == "POST":
        try:
            scores = actions.parse_scores(request.POST, questions)
            actions.do_answer_pulse(me, round_, scores, request.POST.get("comment", ""))
        except WellbeingError as failure:
            error = str(failure)
        else:
            return redirect("wellbeing:pulse")
    language = _language()
    return render(
        request,
        "wellbeing/pulse.html",
        {
            "round": round_,
            "questions": [
                {"q": q, "text": q.text_in(language), "values": list(range(q.bottom, q.top + 1))}
                for q in questions
            ],
            "answered": actions.has_answered(me, round_),
            "replies": queries.replies_for(me, today),
            "may_see_results": has_permission(me, "wellbeing.results"),
            "error": error,
        },
        status=422 if error else 200,
    )


@require_GET
@requires("wellbeing.results")
def results(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    org = _org(request)
    today = _today(request)
    monday = queries.monday_of(today)
    teams = queries.teams_for(me)
    whole = queries.sees_all_teams(me) and request.GET.get("team") == "all"
    team = None if whole else queries.team_of(me, request.GET.get("team"))
    if team is None and not whole:
        whole = queries.sees_all_teams(me)
    context: dict[str, Any] = {
        "teams": teams,
        "team": team,
        "whole": whole,
        "all_option": queries.sees_all_teams(me),
        "may_see": team is not None or whole,
        "may_configure": has_permission(me, "wellbeing.configure"),
    }
    if context["may_see"]:
        # The week's round (opened here too, so its questions show before anyone answers)
        round_ = actions.do_open_round(org, today)
        questions = queries.questions_of(round_)
        language = _language()
        rows = queries.question_results(org, team, monday, questions)
        context["results"] = [
            {
                "r": r,
                "text": r.question.text_in(language),
                "group": queries.group_label(r.scope, team),
            }
            for r in rows
        ]
        scope, comments, count = queries.comment_pool(org, team, monday)
        context.update(
            comments=comments,
            comment_count=count,
            comment_group=queries.group_label(scope, team),
            chart=queries.trend_chart(queries.trend(org, team, monday)),
            settings=queries.settings_of(org),
            round=round_,
        )
    return render(request, "wellbeing/results.html", context)


@require_POST
@requires("wellbeing.results")
def reply(request: HttpRequest, comment_id: str) -> HttpResponse:
    comment = queries.comment_for(_me(request), comment_id, _today(request))
    if comment is None:
        raise Http404
    try:
        actions.do_reply_comment(_me(request), comment, request.POST.get("reply", ""))
    except WellbeingError:
        pass  # an empty answer changes nothing; the page shows the comment unanswered
    team = request.POST.get("team", "")
    back = team if team == "all" or team.isdigit() else ""
    return redirect(reverse("wellbeing:results") + f"?team={back}")


@require_http_methods(["GET", "POST"])
@requires("wellbeing.configure")
def settings_page(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    org = _org(request)
    actions.ensure_question_bank(org)
    error = ""
    if request.method == "POST":
        try:
            if "question" in request.POST:
                question = (
                    PulseQuestion.objects.for_org(org)
                    .filter(pk=request.POST.get("question", ""))
                    .first()
                    if request.POST.get("question", "").isdigit()
                    else None
                )
                if question is None:
                    raise Http404
                actions.do_set_question_active(me, question, request.POST.get("active") == "1")
            else:
                fields = {}
                for name in actions.SETTINGS_FIELDS:
                    raw = request.POST.get(name, "")
                    if not raw.strip().isdigit():
                        raise WellbeingError(_("Every limit must be a whole number."))
                    fields[name] = int(raw)
                actions.do_save_settings(me, fields)
        except WellbeingError as failure:
            error = str(failure)
        else:
            return redirect("wellbeing:settings")
    conf = queries.settings_of(org)
    today = _today(request)
    language = _language()
    schedule = []
    for i in range(4):
        monday = queries.monday_of(today) + dt.timedelta(weeks=i)
        round_ = queries.round_of(org, monday)
        planned = (
            queries.questions_of(round_)
            if round_
            else queries.planned_questions(org, monday, conf.questions_per_week)
        )
        schedule.append(
            {
                "week": queries.week_of(monday)[1],
                "questions": [q.text_in(language) for q in planned],
            }
        )
    return render(
        request,
        "wellbeing/settings.html",
        {
            "conf": conf,
            "bank": [
                {"q": q, "text": q.text_in(language)}
                for q in PulseQuestion.objects.for_org(org).order_by("category", "pk")
            ],
            "schedule": schedule,
            "error": error,
        },
        status=422 if error else 200,
    )
