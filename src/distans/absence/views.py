"""Absence pages: mine (report absence, readiness, IT problems, breaks, swaps), the
leader's day (who is out, readiness, break figures, swaps to decide), today's staffing,
the monthly report, and IT's list."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from distans.absence import actions, queries
from distans.absence.forms import (
    AbsenceForm,
    DecideForm,
    ProblemForm,
    ReadinessForm,
    ResolveForm,
    SwapForm,
)
from distans.absence.queries import org_of, organisation_of
from distans.absence.rules import swap_problems
from distans.accounts.models import Person
from distans.accounts.permissions import forbidden, has_permission, requires
from distans.core.errors import CoreError
from distans.planning.models import Shift


def _me(request: HttpRequest) -> Person:
    return cast(Person, request.user)


def _org_id(request: HttpRequest) -> int:
    return org_of(_me(request))


def _may_lead(request: HttpRequest, person: Person) -> bool:
    """The caller leads ``person``'s team (or sees every team)."""
    if not has_permission(request.user, "absence.lead"):
        return False
    return queries.visible_people(_me(request)).filter(pk=person.pk).exists()


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    return redirect(target if target.startswith("/absence/") else default)


def _fail(request: HttpRequest, error: CoreError | str) -> None:
    messages.error(request, str(error))


@require_GET
@requires("absence.report")
def index(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    today = queries.local_today(organisation_of(me))
    return render(
        request,
        "absence/index.html",
        {
            "absence_form": AbsenceForm(initial={"first_day": today}),
            "absences": queries.my_absences(me),
            "readiness": queries.readiness_of(me),
            "readiness_form": ReadinessForm(),
            "problem_form": ProblemForm(),
            "problems": queries.my_it_problems(me),
            "my_shifts": queries.my_future_shifts(me),
            "their_shifts": queries.colleagues_shifts(me)[:200],
            "colleagues": queries.colleagues(me),
            "swaps": queries.swaps_of(me),
            "today": today,
        },
    )


@require_GET
@requires("absence.report")
def my_breaks(request: HttpRequest) -> HttpResponse:
    return render(request, "absence/_my_breaks.html", {"rows": queries.break_record(_me(request))})


@require_POST
@requires("absence.report")
def report(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    form = AbsenceForm(request.POST)
    person = me
    if not form.is_valid():
        _fail(request, _("Check the days and the kind of absence."))
        return _back(request, "/absence/")
    if form.cleaned_data["person"] and form.cleaned_data["person"] != me.pk:
        found = (
            Person.objects.for_org(_org_id(request)).filter(pk=form.cleaned_data["person"]).first()
        )
        if found is None:
            raise Http404
        if not _may_lead(request, found):
            return forbidden(request, "absence.lead")
        person = found
    try:
        actions.do_report_absence(
            person,
            form.cleaned_data["kind"],
            form.cleaned_data["first_day"],
            form.cleaned_data["last_day"],
            note=form.cleaned_data["note"],
            by=me,
            via="desk" if person == me else "leader",
        )
    except CoreError as error:
        _fail(request, error)
    else:
        messages.success(
            request,
            _("The absence is reported. Get well soon!")
            if person == me
            else _("The absence is reported."),
        )
    return _back(request, "/absence/")


@require_POST
@requires("absence.report")
def end(request: HttpRequest, absence_id: int) -> HttpResponse:
    absence = queries.get_absence(_org_id(request), absence_id)
    if absence is None:
        raise Http404
    if absence.person_id != _me(request).pk and not _may_lead(request, absence.person):
        raise Http404
    try:
        actions.do_end_absence(absence, _me(request))
    except CoreError as error:
        _fail(request, error)
    else:
        messages.success(request, _("Welcome back: the absence has ended."))
    return _back(request, "/absence/")


@require_POST
@requires("absence.report")
def readiness(request: HttpRequest) -> HttpResponse:
    form = ReadinessForm(request.POST)
    if not form.is_valid():
        _fail(request, _("Choose an item and a status."))
    else:
        actions.do_save_readiness(
            _me(request),
            form.cleaned_data["item"],
            form.cleaned_data["status"],
            form.cleaned_data["note"],
        )
        messages.success(request, _("Your checklist is saved."))
    return redirect("/absence/#readiness-heading")


@require_POST
@requires("absence.report")
def problem(request: HttpRequest) -> HttpResponse:
    form = ProblemForm(request.POST)
    if not form.is_valid():
        _fail(request, _("Describe the problem."))
    else:
        actions.do_report_it_problem(
            _me(request), form.cleaned_data["description"], form.cleaned_data["item"] or ""
        )
        messages.success(request, _("IT has your problem on their list."))
    return redirect("/absence/#problems-heading")


def _shift(request: HttpRequest, shift_id: int | None) -> Shift | None:
    if not shift_id:
        return None
    found = (
        Shift.objects.for_org(_org_id(request))
        .select_related("schedule", "person")
        .filter(pk=shift_id)
        .first()
    )
    if found is None:
        raise Http404
    return found


@require_POST
@requires("absence.report")
def swap_request(request: HttpRequest) -> HttpResponse:
    form = SwapForm(request.POST)
    if not form.is_valid():
        _fail(request, _("Choose your shift and a colleague or their shift."))
        return redirect("/absence/#swaps-heading")
    mine = _shift(request, form.cleaned_data["shift"])
    back = _shift(request, form.cleaned_data["return_shift"])
    colleague: Person | None = back.person if back is not None else None
    if colleague is None and form.cleaned_data["colleague"]:
        colleague = (
            Person.objects.for_org(_org_id(request))
            .filter(pk=form.cleaned_data["colleague"])
            .first()
        )
        if colleague is None:
            raise Http404
    if mine is None or colleague is None:
        _fail(request, _("Choose your shift and a colleague or their shift."))
        return redirect("/absence/#swaps-heading")
    try:
        actions.do_request_swap(_me(request), mine, colleague, back, form.cleaned_data["note"])
    except CoreError as error:
        _fail(request, error)
    else:
        messages.success(request, _("Your colleague is asked."))
    return redirect("/absence/#swaps-heading")


def _swap(request: HttpRequest, swap_id: int) -> Any:
    swap = queries.get_swap(_org_id(request), swap_id)
    if swap is None:
        raise Http404
    return swap


@require_POST
@requires("absence.report")
def swap_answer(request: HttpRequest, swap_id: int) -> HttpResponse:
    swap = _swap(request, swap_id)
    if swap.colleague_id != _me(request).pk:
        raise Http404
    try:
        actions.do_answer_swap(swap, _me(request), request.POST.get("answer") == "agree")
    except CoreError as error:
        _fail(request, error)
    return redirect("/absence/#swaps-heading")


@require_POST
@requires("absence.report")
def swap_withdraw(request: HttpRequest, swap_id: int) -> HttpResponse:
    swap = _swap(request, swap_id)
    if swap.requester_id != _me(request).pk:
        raise Http404
    try:
        actions.do_withdraw_swap(swap, _me(request))
    except CoreError as error:
        _fail(request, error)
    return redirect("/absence/#swaps-heading")


@require_POST
@requires("absence.lead")
def swap_decide(request: HttpRequest, swap_id: int) -> HttpResponse:
    swap = _swap(request, swap_id)
    if not queries.swaps_to_decide(_me(request)).filter(pk=swap.pk).exists():
        raise Http404
    form = DecideForm(request.POST)
    if not form.is_valid():
        _fail(request, _("Approve or reject the swap."))
        return redirect("/absence/team/#swaps-heading")
    try:
        actions.do_decide_swap(
            swap,
            _me(request),
            form.cleaned_data["decision"] == "approve",
            form.cleaned_data["reason"],
        )
    except CoreError as error:
        _fail(request, error)
    else:
        messages.success(request, _("The swap is decided and both are told."))
    return redirect("/absence/team/#swaps-heading")


@require_GET
@requires("absence.lead")
def team(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    org = organisation_of(me)
    today = queries.local_today(org)
    people = list(queries.visible_people(me))
    ids = {p.pk for p in people}
    swaps = [(s, swap_problems(s)) for s in queries.swaps_to_decide(me)]
    return render(
        request,
        "absence/team.html",
        {
            "today": today,
            "out": [a for a in queries.absences_on(_org_id(request), today) if a.person_id in ids],
            "readiness": [
                r
                for r in queries.readiness_of_people(_org_id(request), people)
                if r.person.is_agent
            ],
            "breaks": queries.team_break_summaries(me),
            "swaps": swaps,
            "people": people,
            "absence_form": AbsenceForm(initial={"first_day": today}),
            "may_set": has_permission(me, "organisation.manage"),
            "settings": queries.settings_of(_org_id(request)),
        },
    )


@require_GET
@requires("absence.lead")
def today(request: HttpRequest) -> HttpResponse:
    data = queries.intraday(organisation_of(_me(request)), _day(request))
    return render(request, "absence/today.html", {"data": data, "value": data.day.isoformat()})


@require_GET
@requires("absence.lead")
def today_body(request: HttpRequest) -> HttpResponse:
    data = queries.intraday(organisation_of(_me(request)), _day(request))
    return render(request, "absence/_today.html", {"data": data})


def _day(request: HttpRequest) -> dt.date | None:
    try:
        return dt.date.fromisoformat(request.GET.get("day") or "")
    except ValueError:
        return None


@require_GET
@requires("absence.lead")
def month(request: HttpRequest) -> HttpResponse:
    me = _me(request)
    today = queries.local_today(organisation_of(me))
    try:
        chosen = dt.date.fromisoformat((request.GET.get("month") or "") + "-01")
    except ValueError:
        chosen = today.replace(day=1)
    return render(
        request,
        "absence/month.html",
        {
            "rows": queries.month_report(me, chosen),
            "month": chosen,
            "value": chosen.strftime("%Y-%m"),
        },
    )


@require_GET
@requires("absence.it")
def it(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "absence/it.html",
        {"problems": queries.open_it_problems(_org_id(request))[:200], "form": ResolveForm()},
    )


@require_POST
@requires("absence.it")
def it_resolve(request: HttpRequest, problem_id: int) -> HttpResponse:
    found = queries.get_it_problem(_org_id(request), problem_id)
    if found is None:
        raise Http404
    form = ResolveForm(request.POST)
    answer = form.cleaned_data["answer"] if form.is_valid() else ""
    try:
        actions.do_resolve_it_problem(found, _me(request), answer)
    except CoreError as error:
        _fail(request, error)
    else:
        messages.success(request, _("The problem is resolved."))
    return redirect("/absence/it/")


@require_POST
@requires("organisation.manage")
def save_settings(request: HttpRequest) -> HttpResponse:
    actions.do_save_absence_settings(
        organisation_of(_me(request)),
        request.POST.get("home_readiness_required") == "on",
        _me(request),
    )
    messages.success(request, _("The setting is saved."))
    return redirect("/absence/team/")
