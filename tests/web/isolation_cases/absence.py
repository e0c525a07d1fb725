"""Tenant isolation of absence: B's leader/admin never sees or changes A's absences,
checklists, IT problems, breaks, staffing or swaps, in pages or the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories_planning import make_schedule, make_shift, next_monday
from tests.web.isolation import Probe, World, case, denied, must_not_show, world_builder

ALFA = must_not_show(lambda w: w.person_a.full_name, lambda w: "Alfahosta", lambda w: "Alfaheadset")


@world_builder
def _absence_world(world: World) -> None:
    from unittest import mock

    from tests.factories_planning import local_today

    from distans.absence import actions
    from distans.accounts.models import Person

    today = local_today(world.org_a)
    # Today's absence would sign A's agent out (withdrawing A's open offer); other
    # apps' probes need that agent and offer as they are.
    with mock.patch("distans.absence.actions._sign_out"):
        world.extra["absence_a"] = actions.do_report_absence(
            world.person_a, "sick", today, today + dt.timedelta(days=3), note="Alfahosta"
        )
    world.extra["problem_a"] = actions.do_report_it_problem(
        world.person_a, "Alfaheadset trasigt", "headset"
    )
    colleague = Person.objects.create_user(
        "alfa2@example.org", "x", organisation=world.org_a, full_name="Alma Alfadotter",
        team=world.extra["team_a"], is_active=False,  # not a receiver of other apps' probes
    )  # fmt: skip
    monday = next_monday(world.org_a)
    schedule = make_schedule(world.org_a, monday)
    start = dt.datetime.combine(monday, dt.time(8), tzinfo=dt.UTC)
    mine = make_shift(schedule, world.person_a, start, start + dt.timedelta(hours=6))
    theirs = make_shift(
        schedule, colleague, start + dt.timedelta(days=1), start + dt.timedelta(days=1, hours=6)
    )
    from distans.absence.models import SwapRequest

    world.extra["swap_a"] = SwapRequest.objects.create(
        organisation=world.org_a, requester=world.person_a, colleague=colleague,
        shift=mine, return_shift=theirs, status="agreed",
    )  # fmt: skip
    world.extra["shift_a"] = mine


def _denied(response: Any, world: World) -> None:
    denied(response, world)
    ALFA(response, world)


def _absence_unchanged(response: Any, world: World) -> None:
    absence = world.extra["absence_a"]
    absence.refresh_from_db()
    assert response.status_code == 404, response.status_code
    assert absence.ended_at is None


def _swap_unchanged(response: Any, world: World) -> None:
    swap = world.extra["swap_a"]
    swap.refresh_from_db()
    assert response.status_code == 404, response.status_code
    assert swap.status == "agreed"
    assert (
        world.extra["shift_a"].__class__.objects.get(pk=world.extra["shift_a"].pk).person_id
        == world.person_a.pk
    )


@case("absence:index")
def _index(world: World) -> list[Probe]:
    return [Probe("get", "/absence/", ALFA)]


@case("absence:my_breaks")
def _my_breaks(world: World) -> list[Probe]:
    return [Probe("get", "/absence/my-breaks/", ALFA)]


@case("absence:team")
def _team(world: World) -> list[Probe]:
    return [Probe("get", "/absence/team/", ALFA)]


@case("absence:today")
def _today(world: World) -> list[Probe]:
    return [Probe("get", "/absence/today/", ALFA)]


@case("absence:today_body")
def _today_body(world: World) -> list[Probe]:
    return [Probe("get", "/absence/today/body/", ALFA)]


@case("absence:month")
def _month(world: World) -> list[Probe]:
    return [Probe("get", "/absence/month/", must_not_show(lambda w: "Alfalaget"))]


@case("absence:it")
def _it(world: World) -> list[Probe]:
    return [Probe("get", "/absence/it/", ALFA)]


@case("absence:it_resolve")
def _it_resolve(world: World) -> list[Probe]:
    def unchanged(response: Any, world: World) -> None:
        problem = world.extra["problem_a"]
        problem.refresh_from_db()
        assert response.status_code == 404, response.status_code
        assert problem.status == "open"

    return [
        Probe(
            "post",
            f"/absence/it/{world.extra['problem_a'].pk}/resolve/",
            unchanged,
            {"answer": "x"},
        )
    ]


@case("absence:report")
def _report(world: World) -> list[Probe]:
    def nothing_for_a(response: Any, world: World) -> None:
        from distans.absence.models import Absence

        assert response.status_code in (302, 403, 404), response.status_code
        assert Absence.objects.filter(person=world.person_a).count() == 1

    data = {"kind": "other", "first_day": "2099-01-05", "person": world.person_a.pk}
    return [Probe("post", "/absence/report/", nothing_for_a, data)]


@case("absence:end")
def _end(world: World) -> list[Probe]:
    return [Probe("post", f"/absence/{world.extra['absence_a'].pk}/end/", _absence_unchanged, {})]


@case("absence:readiness")
def _readiness(world: World) -> list[Probe]:
    def own_only(response: Any, world: World) -> None:
        from distans.absence.models import ReadinessCheck

        assert response.status_code == 302
        assert not ReadinessCheck.objects.filter(person=world.person_a, status="ok").exists()

    return [Probe("post", "/absence/readiness/", own_only, {"item": "headset", "status": "ok"})]


@case("absence:problem")
def _problem(world: World) -> list[Probe]:
    def own_only(response: Any, world: World) -> None:
        from distans.absence.models import ItProblem

        assert response.status_code == 302
        assert ItProblem.objects.filter(person=world.person_a).count() == 1

    return [Probe("post", "/absence/problems/", own_only, {"description": "Betaproblem"})]


@case("absence:swap_request")
def _swap_request(world: World) -> list[Probe]:
    data = {"shift": world.extra["shift_a"].pk, "colleague": world.person_a.pk}
    return [Probe("post", "/absence/swaps/", _swap_unchanged, data)]


@case("absence:swap_answer")
def _swap_answer(world: World) -> list[Probe]:
    return [
        Probe(
            "post",
            f"/absence/swaps/{world.extra['swap_a'].pk}/answer/",
            _swap_unchanged,
            {"answer": "agree"},
        )
    ]


@case("absence:swap_withdraw")
def _swap_withdraw(world: World) -> list[Probe]:
    return [
        Probe("post", f"/absence/swaps/{world.extra['swap_a'].pk}/withdraw/", _swap_unchanged, {})
    ]


@case("absence:swap_decide")
def _swap_decide(world: World) -> list[Probe]:
    return [
        Probe(
            "post",
            f"/absence/swaps/{world.extra['swap_a'].pk}/decide/",
            _swap_unchanged,
            {"decision": "approve"},
        )
    ]


@case("absence:settings")
def _settings(world: World) -> list[Probe]:
    def own_only(response: Any, world: World) -> None:
        from distans.absence.models import AbsenceSettings

        assert response.status_code == 302
        assert not AbsenceSettings.objects.filter(organisation=world.org_a).exists()

    return [Probe("post", "/absence/settings/", own_only, {"home_readiness_required": "on"})]


@case("api:report_absence")
def _api_report(world: World) -> list[Probe]:
    def nothing_for_a(response: Any, world: World) -> None:
        from distans.absence.models import Absence

        assert response.status_code == 404, response.status_code
        assert Absence.objects.filter(person=world.person_a).count() == 1

    data = {"kind": "sick", "person_id": world.person_a.pk}
    data_mail = {"kind": "sick", "person_email": world.person_a.email}
    return [
        Probe("post", "/api/absences", nothing_for_a, data, True),
        Probe("post", "/api/absences", nothing_for_a, data_mail, True),
    ]


@case("api:list_absences")
def _api_list(world: World) -> list[Probe]:
    return [Probe("get", "/api/absences", ALFA)]
