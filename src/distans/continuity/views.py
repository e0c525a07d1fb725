"""Continuity plan pages. Thin: each view checks permission and calls one action or
query."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from distans.accounts.models import Person
from distans.accounts.permissions import requires
from distans.continuity import actions, plan_data, queries
from distans.continuity.forms import PlanForm, initial_of
from distans.routing.models import Queue

manage = requires("continuity.manage")


def _me(request: HttpRequest) -> Person:
    """The logged-in person (every view here requires a login)."""
    return cast(Person, request.user)


def _org(request: HttpRequest) -> Any:
    return _me(request).organisation


def _plan(request: HttpRequest, plan_id: int) -> Any:
    plan = queries.get_plan(_org(request), plan_id)
    if plan is None:
        raise Http404
    return plan


@manage
def index(request: HttpRequest) -> HttpResponse:
    organisation = _org(request)
    if request.method == "POST":
        try:
            plan = actions.do_create_plan(
                organisation,
                _me(request),
                request.POST.get("name", ""),
                request.POST.get("description", ""),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("The plan “%(name)s” is a copy of today's setup: change what the plan changes.")
                % {"name": plan.name},
            )
            return redirect("continuity:plan", plan_id=plan.pk)
    return render(
        request,
        "continuity/index.html",
        {
            "plans": queries.plans(organisation),
            "in_force": queries.in_force(organisation),
            "history": queries.history(organisation),
        },
    )


@manage
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    organisation = _org(request)
    plan = _plan(request, plan_id)
    document = plan_data.normalise(plan.changes)
    if request.method == "POST":
        form = PlanForm(request.POST, initial=initial_of(plan))
        if form.is_valid():
            widgets = {w["key"]: w for w in document["chat_widgets"]}
            fields = {k: form.cleaned_data.get(k) for k in actions.PLAN_FIELDS}
            fields["description"] = fields["description"] or ""
            fields["changes"] = form.apply(document, widgets)
            try:
                actions.do_save_plan(organisation, _me(request), plan, fields)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The plan is saved."))
                return redirect("continuity:plan", plan_id=plan.pk)
    else:
        form = PlanForm(initial=initial_of(plan))
    before = plan_data.capture(organisation, document)
    changes = plan_data.difference(before, plan_data.target(organisation, document, before))
    today = set(Queue.objects.for_org(organisation).values_list("code", flat=True))
    queues = [
        {"code": q["code"], "name": q.get("name", q["code"]), "temporary": q["code"] not in today}
        for q in document["queues"]
    ]
    return render(
        request,
        "continuity/plan.html",
        {
            "plan": plan,
            "form": form,
            "changes": changes,
            "queues": queues,
            "in_force": queries.active_activation(organisation),
        },
    )


def _queue_form(request: HttpRequest, plan: Any, code: str | None) -> Any:
    from distans.setup.forms import QueueForm, queue_initial

    document = plan_data.normalise(plan.changes)
    settings = next((q for q in document["queues"] if q["code"] == code), None) if code else None
    if code is not None and settings is None:
        raise Http404
    organisation = _org(request)
    scratch = Queue(organisation=organisation, **settings) if settings else None
    codes = {q.code: q for q in Queue.objects.for_org(organisation)}
    for item in document["queues"]:
        codes.setdefault(
            item["code"],
            Queue(organisation=organisation, code=item["code"], name=item.get("name", "")),
        )
    others = [q for c, q in sorted(codes.items()) if c != code]
    initial = queue_initial(scratch, organisation.country)
    if request.method == "POST":
        return QueueForm(request.POST, queue=scratch, other_queues=others, initial=initial)
    return QueueForm(queue=scratch, other_queues=others, initial=initial)


@manage
def plan_queue(request: HttpRequest, plan_id: int, code: str | None = None) -> HttpResponse:
    """One queue as the plan sets it, on the settings page's own queue form."""
    organisation = _org(request)
    plan = _plan(request, plan_id)
    form = _queue_form(request, plan, code)
    if request.method == "POST":
        if request.POST.get("remove") and code:
            actions.do_remove_plan_queue(organisation, _me(request), plan, code)
            messages.success(request, _("The plan leaves the queue as it is."))
            return redirect("continuity:plan", plan_id=plan.pk)
        if form.is_valid():
            try:
                actions.do_set_plan_queue(
                    organisation, _me(request), plan, code, form.to_settings()
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The plan's queue is saved."))
                return redirect("continuity:plan", plan_id=plan.pk)
    return render(request, "continuity/queue.html", {"plan": plan, "form": form, "code": code})


@manage
def activate(request: HttpRequest, plan_id: int) -> HttpResponse:
    """GET: the preview of every change; POST: put the plan in force."""
    organisation = _org(request)
    plan = _plan(request, plan_id)
    if request.method == "POST":
        try:
            actions.do_activate_plan(organisation, _me(request), plan)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("continuity:activate", plan_id=plan.pk)
        messages.success(request, _("The plan “%(name)s” is in force.") % {"name": plan.name})
        return redirect("continuity:index")
    items, error = actions.preview(organisation, plan)
    return render(
        request,
        "continuity/preview.html",
        {"plan": plan, "items": items, "error": error, "ending": False,
         "announcement": plan_data.normalise(plan.changes)["announcement"]},
    )  # fmt: skip


@manage
def deactivate(request: HttpRequest) -> HttpResponse:
    """GET: what ending the plan in force gives back; POST: end it."""
    organisation = _org(request)
    activation = queries.active_activation(organisation)
    if request.method == "POST":
        try:
            actions.do_deactivate_plan(organisation, _me(request))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("continuity:index")
        messages.success(request, _("The plan is ended: the setup is as before it."))
        return redirect("continuity:index")
    if activation is None:
        messages.error(request, _("No plan is in force."))
        return redirect("continuity:index")
    return render(
        request,
        "continuity/preview.html",
        {
            "plan": activation.plan,
            "items": actions.preview_deactivation(organisation),
            "error": None,
            "ending": True,
        },
    )


@require_POST
@manage
def cancel_schedule(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(request, plan_id)
    actions.do_save_plan(
        _org(request), _me(request), plan, {"activate_at": None, "deactivate_at": None}
    )
    messages.success(request, _("The plan is no longer scheduled."))
    return redirect("continuity:plan", plan_id=plan.pk)


@login_required
def banner(request: HttpRequest) -> HttpResponse:
    """The staff banner alone (re-fetched live); every logged-in person."""
    return render(request, "continuity/_banner.html")


@requires("wallboard.view")
def wallboard(request: HttpRequest) -> HttpResponse:
    """The wallboard's section: the plan in force, since when, what changed, reach."""
    return render(
        request, "continuity/_wallboard.html", {"in_force": queries.in_force(_org(request))}
    )
