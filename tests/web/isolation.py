"""Tenant isolation cases (the framework and the foundation's cases).

Every URL pattern of the product must have a case in ``CASES`` (or be in ``PUBLIC``
with a reason); ``tests/web/test_isolation.py`` fails otherwise. Apps add their cases
in ``tests/web/isolation_cases/<app>.py`` with ``@case("<url name>")``; a case gets two
organisations' worlds (``make_world``; add your app's rows with ``@world_builder``)
and returns the requests organisation B's person makes against A's data, each with
the check that must hold.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from tests.factories import make_organisation, make_person, make_team

# URL names that carry no organisation data, each with the reason.
PUBLIC: dict[str, str] = {
    "login": "the login form",
    "logout": "ends the caller's own session",
    "password_reset": "answers the same whatever the e-mail (no enumeration)",
    "password_reset_done": "static text and one site-wide flag (system mail failing), the same for every asker",
    "password_reset_confirm": "token-bound to one person",
    "password_reset_complete": "static text",
    "healthz": "liveness probe",
    "readyz": "readiness probe: service states, no data",
    "api_not_found": "an unknown path under /api/: a 404 in the API's format, no data",
    "set_language": "changes the caller's own language only",
    "api:api-root": "the API's index, no data",
    "api:openapi-json": "the API description, no data",
    "api:openapi-view": "the API documentation page, no data",
}


@dataclass
class World:
    """Two organisations; B's person probes A's data."""

    org_a: Any
    org_b: Any
    person_a: Any
    person_b: Any
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Probe:
    method: str
    path: str
    check: Callable[[Any, World], None]
    data: dict[str, Any] | None = None
    as_json: bool = False


def must_not_show(*needles: Callable[[World], str]) -> Callable[[Any, World], None]:
    def check(response: Any, world: World) -> None:
        body = response.content.decode(errors="replace")
        for needle in needles:
            text = needle(world)
            assert text not in body, f"{text!r} leaked across organisations"

    return check


def denied(response: Any, world: World) -> None:
    assert response.status_code in (302, 403, 404), response.status_code


CASES: dict[str, Callable[[World], list[Probe]]] = {}


def case(name: str) -> Callable[[Callable[[World], list[Probe]]], Callable[[World], list[Probe]]]:
    def register(function: Callable[[World], list[Probe]]) -> Callable[[World], list[Probe]]:
        CASES[name] = function
        return function

    return register


@case("home")
def _home(world: World) -> list[Probe]:
    return [Probe("get", "/", must_not_show(lambda w: w.org_a.name, lambda w: w.person_a.full_name))]


@case("team:index")
def _team_index(world: World) -> list[Probe]:
    return [Probe("get", "/team/", must_not_show(lambda w: w.person_a.full_name))]


@case("team:online")
def _team_online(world: World) -> list[Probe]:
    return [Probe("get", "/team/online/", must_not_show(lambda w: w.person_a.full_name))]


@case("admin")
def _admin(world: World) -> list[Probe]:
    a_team = world.extra["team_a"]
    return [
        Probe("get", "/admin/accounts/person/", must_not_show(lambda w: w.person_a.full_name)),
        Probe("get", f"/admin/accounts/person/{world.person_a.pk}/change/", denied_or_redirect_home),
        Probe("get", f"/admin/accounts/team/{a_team.pk}/change/", denied_or_redirect_home),
        Probe("get", "/admin/accounts/organisation/", must_not_show(lambda w: w.org_a.name)),
        Probe(
            "post",
            f"/admin/accounts/team/{a_team.pk}/change/",
            unchanged_team_name,
            data={"name": "Hijacked"},
        ),
    ]


def _api(name: str, *probes: Callable[[World], Probe]) -> None:
    CASES[name] = lambda world: [make(world) for make in probes]


_api("api:create_contact", lambda w: Probe("post", "/api/contacts", no_contact_created_in_a, {"channel": "phone", "queue": "alfa", "subject": "probe-from-b"}, True))
_api("api:get_contact", lambda w: Probe("get", f"/api/contacts/{w.extra['contact_a'].pk}", lambda r, w: (denied(r, w), must_not_show(lambda w: "Kund Alfasson")(r, w))))
_api("api:request_callback", lambda w: Probe("post", f"/api/contacts/{w.extra['contact_a'].pk}/callback", contact_unchanged, {"number": "+4670000"}, True))
_api("api:abandon_contact", lambda w: Probe("post", f"/api/contacts/{w.extra['contact_a'].pk}/abandon", contact_unchanged, {}, True))
_api("api:accept_offer", lambda w: Probe("post", f"/api/offers/{w.extra['offer_a'].pk}/accept", offer_still_open, {}, True))
_api("api:decline_offer", lambda w: Probe("post", f"/api/offers/{w.extra['offer_a'].pk}/decline", offer_still_open, {}, True))
_api("api:complete_contact", lambda w: Probe("post", f"/api/contacts/{w.extra['active_a'].pk}/complete", contact_unchanged, {"topic": "x"}, True))
_api("api:transfer_contact", lambda w: Probe("post", f"/api/contacts/{w.extra['active_a'].pk}/transfer", contact_unchanged, {"queue": "beta"}, True))
_api("api:set_location", lambda w: Probe("post", "/api/agent/location", lambda r, w: denied(r, w), {"site_id": w.extra["site_a"].pk}, True))
_api("api:set_presence", lambda w: Probe("post", "/api/agent/presence", agent_a_unchanged, {"presence": "available"}, True))
_api("api:my_presence", lambda w: Probe("get", "/api/agent/presence", must_not_show(lambda w: w.person_a.full_name)))
_api("api:end_wrap_up", lambda w: Probe("post", "/api/agent/wrap-up/end", agent_a_unchanged, {}, True))
_api("api:my_offers", lambda w: Probe("get", "/api/agent/offers", lambda r, w: (assert_json_empty(r), None)[1]))
_api("api:queue_states", lambda w: Probe("get", "/api/queues", must_not_show(lambda w: "Alfak")))
_api("api:agent_states", lambda w: Probe("get", "/api/agents", must_not_show(lambda w: w.person_a.full_name)))


def assert_json_empty(response: Any) -> None:
    assert response.status_code == 200
    assert response.json() == []


def denied_or_redirect_home(response: Any, world: World) -> None:
    # The admin answers a foreign object with a redirect to its index and a message.
    assert response.status_code in (302, 403, 404)
    if response.status_code == 302:
        assert response["Location"] in ("/admin/", "/admin/login/?next=/admin/") or response[
            "Location"
        ].startswith("/admin/")


def unchanged_team_name(response: Any, world: World) -> None:
    team = world.extra["team_a"]
    team.refresh_from_db()
    assert team.name != "Hijacked"


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            if ns == "admin":
                yield ("admin", prefix + str(pattern.pattern))
                continue
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), full_ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name or ""
            full = f"{namespace}:{name}" if namespace and name else name
            yield (full or f"<unnamed {prefix}{pattern.pattern}>", prefix + str(pattern.pattern))


def all_url_names() -> set[str]:
    return {name for name, _ in _walk(get_resolver().url_patterns)}


def make_world() -> World:
    org_a = make_organisation(name="Alfa kommun")
    org_b = make_organisation(name="Beta kommun")
    team_a = make_team(org_a, name="Alfalaget")
    team_b = make_team(org_b, name="Betalaget")
    person_a = make_person(org_a, full_name="Astrid Alfasson", team=team_a)
    person_b = make_person(
        org_b,
        full_name="Bertil Betasson",
        team=team_b,
        is_supervisor=True,
        is_team_leader=True,
        is_org_admin=True,
        is_staff=True,
    )
    extra: dict[str, Any] = {"team_a": team_a, "team_b": team_b}
    world = World(org_a, org_b, person_a, person_b, extra)
    for builder in WORLD_BUILDERS:
        before = dict(extra)
        builder(world)
        # Two apps' builders once both wrote extra["draft_a"]: the second won, and the
        # first app's probes looked up a row of another table by its id (true by chance
        # on SQLite, whose ids repeat after a rollback; not on PostgreSQL).
        replaced = [key for key, value in before.items() if extra.get(key) is not value]
        assert not replaced, f"{builder.__module__} replaced world.extra keys {replaced}"
    return world


WORLD_BUILDERS: list[Callable[[World], None]] = []


def world_builder(function: Callable[[World], None]) -> Callable[[World], None]:
    """Register a function that adds an app's rows to both organisations."""
    WORLD_BUILDERS.append(function)
    return function


@world_builder
def _routing_world(world: World) -> None:
    _add_routing_world(world.org_a, world.org_b, world.person_a, world.person_b, world.extra)


def _add_routing_world(org_a: Any, org_b: Any, person_a: Any, person_b: Any, extra: dict[str, Any]) -> None:
    from datetime import timedelta

    from django.utils import timezone
    from tests.factories import make_site

    from distans.contacts.models import Contact
    from distans.routing.models import AgentState, Offer, Queue

    queue_a = Queue.objects.create(organisation=org_a, name="Alfakön", code="alfa", always_open=True)
    Queue.objects.create(organisation=org_b, name="Betakön", code="beta", always_open=True)
    AgentState.objects.create(organisation=org_a, person=person_a, presence="available").queues.set([queue_a])
    AgentState.objects.create(organisation=org_b, person=person_b, presence="offline")
    contact_a = Contact.objects.create(
        organisation=org_a, queue=queue_a, channel="phone", status="offered", customer_name="Kund Alfasson"
    )
    active_a = Contact.objects.create(
        organisation=org_a, queue=queue_a, channel="email", status="active", agent=person_a
    )
    offer_a = Offer.objects.create(
        organisation=org_a, contact=contact_a, agent=person_a, queue=queue_a, channel="phone",
        expires_at=timezone.now() + timedelta(minutes=5),
    )
    extra.update(
        queue_a=queue_a, contact_a=contact_a, active_a=active_a, offer_a=offer_a,
        site_a=make_site(org_a, name="Alfakontoret"),
    )


def contact_unchanged(response: Any, world: World) -> None:
    assert response.status_code in (403, 404), response.status_code
    for key in ("contact_a", "active_a"):
        contact = world.extra[key]
        before = (contact.status, contact.channel, contact.agent_id, contact.queue_id)
        contact.refresh_from_db()
        assert (contact.status, contact.channel, contact.agent_id, contact.queue_id) == before


def offer_still_open(response: Any, world: World) -> None:
    assert response.status_code in (403, 404), response.status_code
    offer = world.extra["offer_a"]
    offer.refresh_from_db()
    assert offer.status == "open"


def agent_a_unchanged(response: Any, world: World) -> None:
    from distans.routing.models import AgentState

    assert AgentState.objects.get(person=world.person_a).presence == "available"


def no_contact_created_in_a(response: Any, world: World) -> None:
    from distans.contacts.models import Contact

    assert response.status_code == 404, response.status_code
    assert not Contact.objects.filter(subject="probe-from-b").exists()


