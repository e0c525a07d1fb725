"""The supervisor wallboard and its TV mode: fragments that re-fetch on live events."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from distans.accounts.models import Person
from distans.accounts.permissions import has_permission, requires
from distans.accounts.scope import Scope, scope_of
from distans.core.errors import CoreError
from distans.reports.actions import do_update_aggregates
from distans.routing import actions as routing
from distans.routing.choices import Presence
from distans.routing.models import Queue
from distans.wallboard import actions, queries

View = Callable[..., HttpResponse]


def may_watch(user: Any) -> bool:
    return has_permission(user, "wallboard.view")


wallboard_view = requires("wallboard.view")


def _org(request: HttpRequest) -> Any:
    return request.user.organisation  # type: ignore[union-attr]


def _scope(request: HttpRequest) -> Scope:
    return scope_of(request.user)


@require_GET
@wallboard_view
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "wallboard/index.html", {"tv": False})


@require_GET
@wallboard_view
def tv(request: HttpRequest) -> HttpResponse:
    return render(request, "wallboard/tv.html", {"tv": True})


@require_GET
@wallboard_view
def queues(request: HttpRequest) -> HttpResponse:
    # Today's figures are the report aggregate's: fold in what the log got since the
    # last fold (the reports' own incremental step; cheap when nothing is new).
    do_update_aggregates(_org(request))
    scope = _scope(request)
    rows = queries.queue_rows(_org(request))
    if not scope.everything:  # a team leader: the queues their teams serve
        rows = [row for row in rows if row.now.queue.pk in scope.queue_ids]
    return render(
        request,
        "wallboard/_queues.html",
        {
            "rows": rows,
            "now": timezone.now(),
            "surging_queues": queries.surging_queues(_org(request)),
        },
    )


@require_GET
@wallboard_view
def agents(request: HttpRequest) -> HttpResponse:
    controls = request.GET.get("tv") != "1"
    org = _org(request)
    return render(
        request,
        "wallboard/_agents.html",
        {
            "agents": queries.agents_now(org, _team_ids(request)),
            "now": timezone.now(),
            "controls": controls,
        },
    )


@require_GET
@wallboard_view
def topics(request: HttpRequest) -> HttpResponse:
    return render(
        request, "wallboard/_topics.html", {"topics": queries.topic_counts_today(_org(request), _queue_ids(request))}
    )


@require_GET
@wallboard_view
def gateway(request: HttpRequest) -> HttpResponse:
    """The phone gateway, when it is down or restarted within the hour (else nothing)."""
    from distans.telephony.gateway_status import wallboard_status

    return render(request, "wallboard/_gateway.html", {"gateway": wallboard_status(_org(request).pk)})


def _team_ids(request: HttpRequest) -> frozenset[int] | None:
    scope = _scope(request)
    return None if scope.everything else scope.team_ids


def _queue_ids(request: HttpRequest) -> frozenset[int] | None:
    scope = _scope(request)
    return None if scope.everything else scope.queue_ids


def _person(request: HttpRequest, person_id: int) -> Person:
    person = Person.objects.for_org(request.user.organisation_id).filter(pk=person_id).first()  # type: ignore[union-attr]
    if person is None:
        raise Http404
    return person


def _agent(request: HttpRequest, person_id: int) -> Person:
    person = _person(request, person_id)
    teams = _team_ids(request)
    if teams is not None and person.team_id not in teams:  # not one of a team leader's people
        raise Http404
    return person


@require_GET
@wallboard_view
def agent(request: HttpRequest, person_id: int) -> HttpResponse:
    person = _agent(request, person_id)
    state = routing.get_agent_state(person)
    return render(
        request,
        "wallboard/_agent.html",
        {
            "agent": state,
            "member_of": set(state.queues.values_list("pk", flat=True)),
            "queues": Queue.objects.for_org(person.organisation_id).order_by("name"),
            "presences": [(v, label) for v, label in Presence.choices if v != Presence.WRAP_UP],
        },
    )


def may_change(user: Any, agent: Person) -> bool:
    """Supervisors and organisation admins change any agent of their organisation; a
    team leader only the agents of a team they lead (or their own team), and never a
    supervisor or an organisation admin."""
    if user.is_supervisor or user.is_org_admin:
        return True
    if agent.is_supervisor or agent.is_org_admin or agent.team_id is None:
        return False
    led = set(user.led_teams.values_list("pk", flat=True))
    if user.team_id is not None:
        led.add(user.team_id)
    return agent.team_id in led


def _agent_to_change(request: HttpRequest, person_id: int) -> Person:
    agent = _person(request, person_id)  # may_change says 403 to a team leader
    if not may_change(request.user, agent):
        raise PermissionDenied
    return agent


def _result(request: HttpRequest, error: Exception | None, status: int = 200) -> HttpResponse:
    response = render(request, "wallboard/_alert.html", {"error": error}, status=status)
    response["HX-Retarget"] = "#wallboard-alert"
    response["HX-Reswap"] = "innerHTML"
    if error is None:
        response["HX-Trigger"] = json.dumps({"wallboard:agents": True})
    return response


@require_POST
@wallboard_view
def agent_presence(request: HttpRequest, person_id: int) -> HttpResponse:
    agent = _agent_to_change(request, person_id)
    presence = request.POST.get("presence", "")
    if presence not in Presence.values:
        return _result(request, CoreError(_("Unknown presence.")))
    try:
        routing.do_set_presence(agent, presence, request.POST.get("reason", ""), actor=request.user)  # type: ignore[arg-type]
    except CoreError as error:
        return _result(request, error)
    return _result(request, None)


@require_POST
@wallboard_view
def agent_queues(request: HttpRequest, person_id: int) -> HttpResponse:
    agent = _agent_to_change(request, person_id)
    given = request.POST.getlist("queues")
    ids = {int(v) for v in given if v.isdigit() and len(v) < 19}
    chosen = list(Queue.objects.for_org(request.user.organisation_id).filter(pk__in=ids))  # type: ignore[union-attr]
    if len(ids) != len(given) or len(chosen) != len(ids):
        # another organisation's queue, or no queue id at all: an error, never a
        # silently emptied list
        return _result(request, CoreError(_("Unknown queue: nothing was changed.")), status=400)
    try:
        actions.do_set_agent_queues(request.user, agent, chosen)  # type: ignore[arg-type]
    except CoreError as error:
        return _result(request, error)
    return _result(request, None)
