"""Planning pages: per-queue forecast vs. required vs. scheduled with what-if, weekly
schedules (generate, publish), and an agent's own shifts (a fragment for the desk)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from distans.accounts.permissions import has_permission, requires
from distans.core.errors import CoreError
from distans.planning import actions, chart, queries
from distans.planning.choices import ScheduleStatus
from distans.planning.demand import saved_inputs
from distans.planning.forms import GenerateForm, PlanInputsForm

View = Callable[..., HttpResponse]


def may_plan(user: Any) -> bool:
    return has_permission(user, "planning.manage")


planner_view = requires("planning.manage")


def _org(request: HttpRequest) -> Any:
    return request.user.organisation  # type: ignore[union-attr]


def _today(request: HttpRequest) -> dt.date:
    return actions.local_today(_org(request))


def _queue(request: HttpRequest, queue_id: int) -> Any:
    queue = queries.get_queue(request.user.organisation_id, queue_id)  # type: ignore[union-attr]
    if queue is None:
        raise Http404
    return queue


def _day(request: HttpRequest, today: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(request.GET.get("day") or request.POST.get("day") or "")
    except ValueError:
        day = actions.week_start_of(today) + dt.timedelta(days=7)
    return max(day, today)


@require_GET
@planner_view
def index(request: HttpRequest) -> HttpResponse:
    today = _today(request)
    next_week = actions.week_start_of(today) + dt.timedelta(days=7)
    return render(
        request,
        "planning/index.html",
        {
            "queues": queries.list_queues(_org(request)),
            "generate_form": GenerateForm(initial={"week_start": next_week}),
            "not_ready": queries.not_ready_for_home(_org(request)),
        },
    )


@require_GET
@planner_view
def schedules(request: HttpRequest) -> HttpResponse:
    return render(
        request, "planning/_schedules.html", {"schedules": queries.list_schedules(_org(request))}
    )


def _chart_context(request: HttpRequest, queue: Any, form: PlanInputsForm) -> dict[str, Any]:
    today = _today(request)
    day = _day(request, today)
    context: dict[str, Any] = {
        "queue": queue,
        "form": form,
        "day": day,
        "days": [today + dt.timedelta(days=d) for d in range(14)],
    }
    if not form.is_valid():
        return context
    data = queries.queue_chart(queue, form.inputs(), day, today, timezone.now())
    context.update(
        data=data,
        contacts_svg=chart.contacts_chart(data.rows),
        agents_svg=chart.agents_chart(data.rows),
        total_contacts=sum(r["contacts"] for r in data.rows),
        peak_required=max((r["required"] for r in data.rows), default=0),
        reforecast_from=_clock(data.demand.elapsed_slots * data.interval_minutes)
        if data.demand is not None and data.demand.elapsed_slots
        else None,
    )
    return context


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@require_GET
@planner_view
def queue(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = _queue(request, queue_id)
    form = PlanInputsForm(data=PlanInputsForm.initial_from(saved_inputs(queue)))
    return render(request, "planning/queue.html", _chart_context(request, queue, form))


@require_GET
@planner_view
def queue_chart(request: HttpRequest, queue_id: int) -> HttpResponse:
    """The chart with what-if inputs from the query string (nothing is saved)."""
    queue = _queue(request, queue_id)
    form = PlanInputsForm(data=request.GET)
    return render(request, "planning/_chart.html", _chart_context(request, queue, form))


@require_POST
@planner_view
def save_plan(request: HttpRequest, queue_id: int) -> HttpResponse:
    queue = _queue(request, queue_id)
    form = PlanInputsForm(data=request.POST)
    if form.is_valid():
        actions.do_save_queue_plan(queue, form.inputs())
    context = _chart_context(request, queue, form)
    context["saved"] = form.is_valid()
    return render(request, "planning/_chart.html", context)


@require_POST
@planner_view
def generate(request: HttpRequest) -> HttpResponse:
    form = GenerateForm(data=request.POST)
    if not form.is_valid():
        return redirect("planning:index")
    week = max(form.cleaned_data["week_start"], actions.week_start_of(_today(request)))
    schedule = actions.do_request_schedule(_org(request), week, request.user)  # type: ignore[arg-type]
    return redirect("planning:schedule", schedule_id=schedule.pk)


def _schedule(request: HttpRequest, schedule_id: int) -> Any:
    schedule = queries.get_schedule(request.user.organisation_id, schedule_id)  # type: ignore[union-attr]
    if schedule is None:
        raise Http404
    return schedule


def _schedule_context(request: HttpRequest, schedule: Any) -> dict[str, Any]:
    zone = ZoneInfo(_org(request).time_zone)
    levels = schedule.stats.get("daily_service_levels", [])
    return {
        "schedule": schedule,
        "days": queries.schedule_days(schedule, zone),
        "levels": [
            {"day": schedule.week_start + dt.timedelta(days=d), "level": level}
            for d, level in enumerate(levels)
        ],
        "generating": schedule.status == ScheduleStatus.GENERATING,
    }


@require_GET
@planner_view
def schedule(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = _schedule(request, schedule_id)
    return render(request, "planning/schedule.html", _schedule_context(request, schedule))


@require_GET
@planner_view
def schedule_body(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = _schedule(request, schedule_id)
    return render(request, "planning/_schedule.html", _schedule_context(request, schedule))


@require_POST
@planner_view
def publish(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = _schedule(request, schedule_id)
    error = None
    try:
        schedule = actions.do_publish_schedule(schedule, request.user)  # type: ignore[arg-type]
    except CoreError as exc:
        error = exc
    context = _schedule_context(request, schedule)
    context["error"] = error
    return render(request, "planning/_schedule.html", context)


@require_GET
@login_required
def my_shifts(request: HttpRequest) -> HttpResponse:
    """Fragment for the agent's desktop: my published shifts today and the next days."""
    if not request.user.organisation_id:  # type: ignore[union-attr]
        raise PermissionDenied
    return render(
        request,
        "planning/_my_shifts.html",
        {"items": queries.my_shifts(request.user)},  # type: ignore[arg-type]
    )
