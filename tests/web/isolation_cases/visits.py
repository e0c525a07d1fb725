"""Tenant isolation of visits: B's staff never see or change A's visits, services,
closed days or settings; A's visitor pages are reached only through A's own signed
links, and a service is never bookable through another organisation's address."""

from __future__ import annotations

from typing import Any

from tests.web.isolation import Probe, World, case, denied, must_not_show, world_builder


@world_builder
def _visits_world(world: World) -> None:
    from tests.factories_visits import make_service, tomorrow_at

    from distans.visits import actions
    from distans.visits.models import VisitSettings

    service_a = make_service(world.org_a, name="Alfatjänsten", site=world.extra["site_a"])
    visit_a = actions.do_book_visit(
        service_a, tomorrow_at(world.org_a, 10), name="Alfabesökare", email="alfa@example.org"
    )
    VisitSettings.objects.create(organisation=world.org_a, keep_days=77)
    world.extra.update(service_a=service_a, visit_a=visit_a)


ALFA = must_not_show(lambda w: "Alfabesökare", lambda w: "Alfatjänsten")


def _denied(response: Any, world: World) -> None:
    denied(response, world)
    ALFA(response, world)


def _visit_unchanged(response: Any, world: World) -> None:
    from distans.visits.models import Visit

    assert response.status_code in (403, 404), response.status_code
    visit = Visit.objects.get(pk=world.extra["visit_a"].pk)
    assert (visit.status, visit.note) == ("booked", "")


def _day(world: World) -> str:
    from distans.visits.queries import zone_of

    return world.extra["visit_a"].starts_at.astimezone(zone_of(world.org_a)).date().isoformat()


@case("visits:day")
def _day_list(world: World) -> list[Probe]:
    site = world.extra["site_a"].pk
    return [Probe("get", f"/visits/?site={site}&day={_day(world)}", ALFA)]


@case("visits:check_in")
def _check_in(world: World) -> list[Probe]:
    return [Probe("post", f"/visits/{world.extra['visit_a'].pk}/check-in/", _visit_unchanged)]


@case("visits:no_show")
def _no_show(world: World) -> list[Probe]:
    return [Probe("post", f"/visits/{world.extra['visit_a'].pk}/no-show/", _visit_unchanged)]


@case("visits:note")
def _note(world: World) -> list[Probe]:
    pk = world.extra["visit_a"].pk
    return [Probe("post", f"/visits/{pk}/note/", _visit_unchanged, {f"v{pk}-note": "Beta"})]


def _day_still_open(response: Any, world: World) -> None:
    from distans.visits.models import ClosedDay, Visit

    assert response.status_code in (302, 403, 404), response.status_code
    assert not ClosedDay.objects.filter(site=world.extra["site_a"]).exists()
    assert Visit.objects.get(pk=world.extra["visit_a"].pk).status == "booked"


@case("visits:close_day")
def _close_day(world: World) -> list[Probe]:
    data = {"site": world.extra["site_a"].pk, "day": _day(world), "confirm": "on"}
    return [Probe("post", "/visits/close-day/", _day_still_open, data)]


@case("visits:services")
def _services(world: World) -> list[Probe]:
    # The public page of B's own organisation lists none of A's services.
    return [Probe("get", f"/visits/book/{world.org_b.slug}/", ALFA)]


@case("visits:slots")
def _slots(world: World) -> list[Probe]:
    return [
        Probe("get", f"/visits/book/{world.org_b.slug}/{world.extra['service_a'].pk}/", _denied)
    ]


def _nothing_booked_through_b(response: Any, world: World) -> None:
    from distans.visits.models import Visit

    assert response.status_code in (302, 404), response.status_code
    assert Visit.objects.filter(service=world.extra["service_a"]).count() == 1


@case("visits:details")
def _details(world: World) -> list[Probe]:
    from tests.factories_visits import tomorrow_at

    at = tomorrow_at(world.org_a, 11).isoformat()
    data = {"slot": at, "name": "Bertil", "email": "b@example.org", "consent": "on"}
    path = f"/visits/book/{world.org_b.slug}/{world.extra['service_a'].pk}/details/"
    return [Probe("post", path, _nothing_booked_through_b, data)]


def _forged(world: World) -> str:
    """A link B could make: A's visit's number, signed with another salt."""
    from django.core import signing

    return signing.dumps(str(world.extra["visit_a"].pk), salt="something-else")


@case("visits:manage")
def _manage(world: World) -> list[Probe]:
    return [Probe("get", f"/visits/manage/{_forged(world)}/", _denied)]


@case("visits:cancel")
def _cancel(world: World) -> list[Probe]:
    return [Probe("post", f"/visits/manage/{_forged(world)}/cancel/", _visit_unchanged)]


@case("visits:move")
def _move(world: World) -> list[Probe]:
    return [Probe("get", f"/visits/manage/{_forged(world)}/move/", _denied)]


@case("visits:calendar")
def _calendar(world: World) -> list[Probe]:
    return [Probe("get", f"/visits/manage/{_forged(world)}/visit.ics", _denied)]


@case("visits_settings:index")
def _settings_index(world: World) -> list[Probe]:
    return [Probe("get", "/settings/visits/", ALFA)]


@case("visits_settings:new")
def _settings_new(world: World) -> list[Probe]:
    return [Probe("get", "/settings/visits/new/", ALFA)]


@case("visits_settings:edit")
def _settings_edit(world: World) -> list[Probe]:
    return [Probe("get", f"/settings/visits/{world.extra['service_a'].pk}/", _denied)]


def _a_settings_unchanged(response: Any, world: World) -> None:
    from distans.visits.models import VisitSettings

    assert response.status_code in (302, 400), response.status_code
    assert VisitSettings.objects.get(organisation=world.org_a).keep_days == 77


@case("visits_settings:save_settings")
def _save_settings(world: World) -> list[Probe]:
    data = {"keep_days": 5, "meeting_pattern": "https://meet.jit.si/{org}-{token}"}
    return [Probe("post", "/settings/visits/options/", _a_settings_unchanged, data)]
