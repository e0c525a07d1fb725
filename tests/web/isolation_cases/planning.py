"""Tenant isolation of planning: B's supervisor never sees or changes A's plans,
schedules or shifts; B's agent never sees A's shifts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories_planning import make_history, make_plan, make_schedule, make_shift
from tests.web.isolation import Probe, World, case, denied, must_not_show, world_builder


@world_builder
def _planning_world(world: World) -> None:
    from django.utils import timezone

    queue_a = world.extra["queue_a"]
    queue_a.weekly_hours = {str(d): [["08:00", "12:00"]] for d in range(5)}
    queue_a.save()
    make_history(queue_a, weeks=2)
    make_plan(queue_a, aht_seconds=321, uplift_note="Alfauppgång")
    week = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    schedule = make_schedule(world.org_a, week, status="draft")
    schedule.created_by = world.person_a
    schedule.message = "Alfaschema"
    schedule.save()
    start = timezone.now().replace(hour=5, minute=47, second=0, microsecond=0)
    make_shift(schedule, world.person_a, start, start + dt.timedelta(hours=4))
    published = make_schedule(world.org_a, week + dt.timedelta(days=7))
    make_shift(
        published,
        world.person_a,
        start + dt.timedelta(days=1),
        start + dt.timedelta(days=1, hours=4),
    )
    world.extra.update(schedule_a=schedule, published_a=published)


ALFA = must_not_show(
    lambda w: w.person_a.full_name,
    lambda w: "Alfakön",
    lambda w: "Alfaschema",
    lambda w: "Alfauppgång",
)


def _denied(response: Any, world: World) -> None:
    denied(response, world)
    ALFA(response, world)


@case("planning:index")
def _index(world: World) -> list[Probe]:
    return [Probe("get", "/planning/", ALFA)]


@case("planning:schedules")
def _schedules(world: World) -> list[Probe]:
    return [Probe("get", "/planning/schedules/", ALFA)]


@case("planning:queue")
def _queue(world: World) -> list[Probe]:
    return [Probe("get", f"/planning/queues/{world.extra['queue_a'].pk}/", _denied)]


@case("planning:chart")
def _chart(world: World) -> list[Probe]:
    params = "service_level_percent=80&answer_within_seconds=20&aht_seconds=200&shrinkage_percent=0&uplift_percent=0"
    return [Probe("get", f"/planning/queues/{world.extra['queue_a'].pk}/chart/?{params}", _denied)]


def _plan_unchanged(response: Any, world: World) -> None:
    from distans.planning.models import QueuePlan

    assert response.status_code == 404, response.status_code
    assert QueuePlan.objects.get(queue=world.extra["queue_a"]).aht_seconds == 321


@case("planning:save_plan")
def _save_plan(world: World) -> list[Probe]:
    data = {
        "service_level_percent": 50,
        "answer_within_seconds": 20,
        "aht_seconds": 999,
        "shrinkage_percent": 0,
        "uplift_percent": 0,
    }
    return [
        Probe(
            "post", f"/planning/queues/{world.extra['queue_a'].pk}/settings/", _plan_unchanged, data
        )
    ]


def _no_schedule_for_a(response: Any, world: World) -> None:
    from distans.planning.models import Schedule

    assert Schedule.objects.filter(organisation=world.org_a).count() == world.extra["schedules_a"]
    assert not Schedule.objects.filter(organisation=world.org_a, created_by=world.person_b).exists()


@case("planning:generate")
def _generate(world: World) -> list[Probe]:
    from distans.planning.models import Schedule

    # A's schedules before B asks (other apps' worlds may add some: announcements' shifts)
    world.extra["schedules_a"] = Schedule.objects.filter(organisation=world.org_a).count()
    return [
        Probe(
            "post",
            "/planning/schedules/generate/",
            _no_schedule_for_a,
            {"week_start": "2030-01-07"},
        )
    ]


@case("planning:schedule")
def _schedule(world: World) -> list[Probe]:
    return [Probe("get", f"/planning/schedules/{world.extra['schedule_a'].pk}/", _denied)]


@case("planning:schedule_body")
def _schedule_body(world: World) -> list[Probe]:
    return [Probe("get", f"/planning/schedules/{world.extra['schedule_a'].pk}/body/", _denied)]


def _still_draft(response: Any, world: World) -> None:
    schedule = world.extra["schedule_a"]
    assert response.status_code == 404, response.status_code
    schedule.refresh_from_db()
    assert schedule.status == "draft" and schedule.published_at is None


@case("planning:publish")
def _publish(world: World) -> list[Probe]:
    return [
        Probe("post", f"/planning/schedules/{world.extra['schedule_a'].pk}/publish/", _still_draft)
    ]


@case("planning:my_shifts")
def _my_shifts(world: World) -> list[Probe]:
    def no_shift_of_a(response: Any, world: World) -> None:
        assert response.status_code == 200
        body = response.content.decode()
        assert 'class="plan-shift' not in body
        assert ":47" not in body

    return [Probe("get", "/planning/my-shifts/", no_shift_of_a)]
