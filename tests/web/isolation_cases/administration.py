"""Tenant isolation of the settings pages (people, teams, sites, audit, API keys,
webhooks): B's administrator sees and changes nothing of A's."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from tests.web.isolation import Probe, World, case, denied, must_not_show, world_builder

ALFA = must_not_show(
    lambda w: w.person_a.full_name, lambda w: "Alfalaget", lambda w: "Alfakontoret",
    lambda w: "Alfanyckeln", lambda w: "Alfakroken", lambda w: "alfa-audit-object",
)  # fmt: skip


@world_builder
def _administration_world(world: World) -> None:
    from distans.accounts.actions import do_create_api_token
    from distans.accounts.models import AuditEntry
    from distans.administration.models import Webhook

    world.extra["key_a"] = do_create_api_token(world.org_a, "Alfanyckeln", scopes=["live.read"])[1]
    world.extra["webhook_a"] = Webhook.objects.create(
        organisation=world.org_a, name="Alfakroken", url="https://alfa.example/hook", events=["completed"], secret="s"
    )
    AuditEntry.objects.create(
        organisation=world.org_a, actor=world.person_a, action="person.changed", object_type="accounts.person",
        object_id=str(world.person_a.pk), object_repr="alfa-audit-object",
    )  # fmt: skip


def _not_found_and(check: Any) -> Any:
    def run(response: Any, world: World) -> None:
        assert response.status_code == 404, response.status_code
        check(world)

    return run


def _person_a_unchanged(world: World) -> None:
    person = world.person_a.__class__.objects.get(pk=world.person_a.pk)
    assert person.full_name == "Astrid Alfasson" and person.is_active and person.organisation_id == world.org_a.pk
    assert person.team_id == world.extra["team_a"].pk and not person.is_org_admin


def _agent_a_unchanged(world: World) -> None:
    from distans.routing.models import AgentState

    state = AgentState.objects.get(person=world.person_a)
    assert state.skills == {} and state.endpoint_sip == ""


def _nothing_invited_in_a(world: World) -> None:
    from distans.administration.models import Invitation

    assert not Invitation.objects.filter(organisation=world.org_a).exists()


case("administration:index")(lambda w: [Probe("get", "/settings/", ALFA)])
case("administration:audit")(lambda w: [
    Probe("get", "/settings/audit/", ALFA),
    Probe("get", f"/settings/audit/?actor={w.person_a.pk}&text=alfa", ALFA),
])  # fmt: skip
case("administration:people")(lambda w: [Probe("get", "/settings/people/?q=Astrid&inactive=1", ALFA)])
case("administration:teams")(lambda w: [Probe("get", "/settings/teams/", ALFA)])
case("administration:sites")(lambda w: [Probe("get", "/settings/sites/", ALFA)])
case("administration:api_keys")(lambda w: [Probe("get", "/settings/api-keys/", ALFA)])
case("administration:webhooks")(lambda w: [Probe("get", "/settings/webhooks/", ALFA)])


@case("administration:invite")
def _invite(world: World) -> list[Probe]:
    def check(response: Any, w: World) -> None:
        from distans.accounts.models import Person

        assert not Person.objects.filter(email="probe@example.org").exists()  # A's team is no choice
        _nothing_invited_in_a(w)

    data = {"full_name": "Probe", "email": "probe@example.org", "team": world.extra["team_a"].pk,
            "language": "sv", "roles": ["agent"]}  # fmt: skip
    return [Probe("get", "/settings/people/invite/", ALFA), Probe("post", "/settings/people/invite/", check, data)]


@case("administration:import_people")
def _import(world: World) -> list[Probe]:
    text = f"name,email,team,site,role\nHijacked,{world.person_a.email},Alfalaget,Alfakontoret,org_admin\n"

    def check(response: Any, w: World) -> None:
        _person_a_unchanged(w)
        assert "Astrid Alfasson" not in response.content.decode()

    return [Probe("post", "/settings/people/import/", check, {"file": SimpleUploadedFile("p.csv", text.encode())})]


@case("administration:person")
def _person(world: World) -> list[Probe]:
    path = f"/settings/people/{world.person_a.pk}/"
    data = {"full_name": "Hijacked", "email": world.person_a.email, "language": "sv", "roles": ["org_admin"]}
    return [Probe("get", path, denied), Probe("post", path, _not_found_and(_person_a_unchanged), data)]


@case("administration:agent")
def _agent(world: World) -> list[Probe]:
    path = f"/settings/people/{world.person_a.pk}/agent/"
    data = {"skills": "hijack = 9", "endpoint_sip": "sip:b@b"}
    return [Probe("get", path, denied), Probe("post", path, _not_found_and(_agent_a_unchanged), data)]


case("administration:set_active")(lambda w: [
    Probe("post", f"/settings/people/{w.person_a.pk}/active/", _not_found_and(_person_a_unchanged), {"active": "0"})
])  # fmt: skip
case("administration:invite_again")(lambda w: [
    Probe("post", f"/settings/people/{w.person_a.pk}/invite-again/", _not_found_and(_nothing_invited_in_a))
])  # fmt: skip


def _team_a_unchanged(world: World) -> None:
    from distans.accounts.models import Team

    team = Team.objects.get(pk=world.extra["team_a"].pk)
    assert team.name == "Alfalaget" and team.leader_id is None
    assert not Team.objects.filter(leader=world.person_a).exists()


@case("administration:team_new")
def _team_new(world: World) -> list[Probe]:
    def check(response: Any, w: World) -> None:
        assert response.status_code == 200  # the form again: A's person is no choice of leader
        _team_a_unchanged(w)

    return [Probe("post", "/settings/teams/new/", check, {"name": "Probe team", "leader": world.person_a.pk})]


case("administration:team")(lambda w: [
    Probe("get", f"/settings/teams/{w.extra['team_a'].pk}/", denied),
    Probe("post", f"/settings/teams/{w.extra['team_a'].pk}/", _not_found_and(_team_a_unchanged), {"name": "Hijacked"}),
])  # fmt: skip


def _site_a_unchanged(world: World) -> None:
    from distans.accounts.models import Site

    site = Site.objects.get(pk=world.extra["site_a"].pk)
    assert site.name == "Alfakontoret" and site.organisation_id == world.org_a.pk


case("administration:site_new")(lambda w: [Probe("get", "/settings/sites/new/", ALFA)])
case("administration:site")(lambda w: [
    Probe("get", f"/settings/sites/{w.extra['site_a'].pk}/", denied),
    Probe("post", f"/settings/sites/{w.extra['site_a'].pk}/", _not_found_and(_site_a_unchanged), {"name": "Hijacked", "kind": "home"}),
])  # fmt: skip


def _key_a_active(world: World) -> None:
    key = world.extra["key_a"]
    key.refresh_from_db()
    assert key.is_active


case("administration:revoke_api_key")(lambda w: [
    Probe("post", f"/settings/api-keys/{w.extra['key_a'].pk}/revoke/", _not_found_and(_key_a_active))
])  # fmt: skip


def _webhook_a_unchanged(world: World) -> None:
    hook = world.extra["webhook_a"]
    hook.refresh_from_db()
    assert hook.name == "Alfakroken" and hook.secret == "s"


case("administration:webhook_new")(lambda w: [Probe("get", "/settings/webhooks/new/", ALFA)])
case("administration:webhook")(lambda w: [
    Probe("get", f"/settings/webhooks/{w.extra['webhook_a'].pk}/", denied),
    Probe("post", f"/settings/webhooks/{w.extra['webhook_a'].pk}/", _not_found_and(_webhook_a_unchanged),
          {"name": "Hijacked", "url": "https://b.example", "events": ["completed"], "is_active": "on"}),
    Probe("post", f"/settings/webhooks/{w.extra['webhook_a'].pk}/", _not_found_and(_webhook_a_unchanged), {"new_secret": "1"}),
])  # fmt: skip


@case("accept_invitation")
def _accept(world: World) -> list[Probe]:
    def check(response: Any, w: World) -> None:
        assert response.status_code == 404
        ALFA(response, w)

    return [Probe("get", "/account/invitation/not-a-token/", check),
            Probe("post", "/account/invitation/not-a-token/", check, {"new_password1": "x", "new_password2": "x"})]  # fmt: skip
