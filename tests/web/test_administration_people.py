"""Settings → People: invitations, editing, roles, deactivation, agent settings,
teams and sites; team leaders manage their own teams only; every change is audited."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.factories import (
    PASSWORD,
    make_organisation,
    make_person,
    make_queue,
    make_site,
    make_team,
)

from distans.accounts.models import AuditEntry, Person, Site, Team
from distans.administration.models import Invitation

pytestmark = pytest.mark.django_db


def admin_client(org: Any, **fields: Any) -> tuple[Client, Person]:
    admin = make_person(org, full_name="Ada Admin", is_org_admin=True, is_agent=False, **fields)
    client = Client()
    client.force_login(admin)
    return client, admin


def invite(client: Client, captured: Any, **data: Any) -> Any:
    form = {"full_name": "Nina Ny", "email": "nina@example.org", "language": "sv", "roles": ["agent"], **data}
    with captured(execute=True):
        return client.post("/settings/people/invite/", form)


def link_in(mail: Any) -> str:
    found = re.search(r"https?://\S+(/account/invitation/\S+/)", mail.body)
    assert found, mail.body
    return found.group(1)


def test_an_invited_person_sets_a_password_once_and_logs_in(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    org = make_organisation(name="Alfa kommun")
    team = make_team(org, name="Bygglov")
    client, admin = admin_client(org)

    response = invite(client, django_capture_on_commit_callbacks, team=team.pk)

    person = Person.objects.get(email="nina@example.org")
    assert response.status_code == 302 and person.organisation == org and person.team == team
    assert person.is_agent and not person.has_usable_password()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["nina@example.org"]
    assert "Alfa kommun" in mailoutbox[0].subject and "lösenord" in mailoutbox[0].body  # in Swedish
    link = link_in(mailoutbox[0])
    assert Invitation.objects.get(person=person).token_hash not in link  # only the hash is stored

    visitor = Client()
    assert "Nina Ny" in visitor.get(link).content.decode()
    done = visitor.post(link, {"new_password1": "ett-långt-lösenord-9", "new_password2": "ett-långt-lösenord-9"})
    assert done.status_code == 302 and done["Location"] == "/account/login/"
    assert Client().login(username="nina@example.org", password="ett-långt-lösenord-9")

    again = visitor.post(link, {"new_password1": "annat-lösenord-77", "new_password2": "annat-lösenord-77"})
    assert again.status_code == 404 and "fungerar inte" in again.content.decode()
    person.refresh_from_db()
    assert person.check_password("ett-långt-lösenord-9")
    actions = list(AuditEntry.objects.filter(object_id=str(person.pk)).values_list("action", flat=True))
    assert {"person.created", "person.invited", "person.joined"} <= set(actions)


def test_an_expired_or_replaced_link_does_not_work(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    org = make_organisation()
    client, admin = admin_client(org)
    invite(client, django_capture_on_commit_callbacks)
    person = Person.objects.get(email="nina@example.org")
    first = link_in(mailoutbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/settings/people/{person.pk}/invite-again/")
    second = link_in(mailoutbox[1])
    assert Client().get(first).status_code == 404  # replaced
    assert Client().get(second).status_code == 200
    Invitation.objects.filter(person=person).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert Client().get(second).status_code == 404  # expired


def test_a_failing_mail_server_is_said_and_nothing_breaks(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nobody listens
    org = make_organisation()
    client, admin = admin_client(org)
    response = invite(client, django_capture_on_commit_callbacks)
    page = client.get(response["Location"]).content.decode()
    assert "kunde inte skickas" in page
    assert Invitation.objects.filter(person__email="nina@example.org").exists()


def test_editing_a_person_is_audited_with_before_and_after() -> None:
    org = make_organisation()
    client, admin = admin_client(org)
    site = make_site(org, name="Hemma")
    person = make_person(org, full_name="Per Person", email="per@example.org")
    response = client.post(f"/settings/people/{person.pk}/", {
        "full_name": "Per Persson", "email": "per@example.org", "language": "nb",
        "roles": ["agent", "planner"], "default_site": site.pk, "phone": "+46701234567",
    })  # fmt: skip
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.full_name == "Per Persson" and person.is_planner and person.default_site == site
    entry = AuditEntry.objects.get(action="person.changed", object_id=str(person.pk))
    assert entry.actor == admin
    assert entry.changes["before"]["full_name"] == "Per Person"
    assert entry.changes["after"]["full_name"] == "Per Persson"
    assert entry.changes["after"]["roles"] == ["agent", "planner"]
    assert "email" not in entry.changes["after"]  # unchanged fields are not listed


def test_a_taken_email_and_removing_ones_own_admin_role_are_refused() -> None:
    org = make_organisation()
    client, admin = admin_client(org)
    make_person(make_organisation(), email="taken@example.org")
    taken = client.post("/settings/people/invite/", {"full_name": "X", "email": "TAKEN@example.org", "language": "sv"})
    assert "Någon har redan den här e-postadressen." in taken.content.decode()
    own = client.post(f"/settings/people/{admin.pk}/", {"full_name": "Ada", "email": admin.email, "language": "sv", "roles": ["agent"]})
    assert own.status_code == 200
    admin.refresh_from_db()
    assert admin.is_org_admin


def test_deactivation_keeps_history_and_stops_login() -> None:
    from distans.routing.models import AgentState

    org = make_organisation()
    client, admin = admin_client(org)
    queue = make_queue(org)
    person = make_person(org, email="bo@example.org")
    AgentState.objects.create(organisation=org, person=person, presence="available").queues.set([queue])
    response = client.post(f"/settings/people/{person.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert not person.is_active and Person.objects.filter(pk=person.pk).exists()
    assert AgentState.objects.get(person=person).presence == "offline"
    assert not Client().login(username="bo@example.org", password=PASSWORD)
    assert AuditEntry.objects.filter(action="person.deactivated", object_id=str(person.pk)).exists()
    listed = client.get("/settings/people/").content.decode()
    assert "bo@example.org" not in listed
    assert "bo@example.org" in client.get("/settings/people/?inactive=1").content.decode()
    client.post(f"/settings/people/{person.pk}/active/", {"active": "1"})
    person.refresh_from_db()
    assert person.is_active
    me = client.post(f"/settings/people/{admin.pk}/active/", {"active": "0"})
    admin.refresh_from_db()
    assert me.status_code == 302 and admin.is_active


def test_agent_settings_reach_routing_and_are_audited() -> None:
    from distans.routing.models import AgentState

    org = make_organisation()
    client, admin = admin_client(org)
    mine, other_orgs = make_queue(org, name="Bygglov"), make_queue(make_organisation(), name="Främmande")
    person = make_person(org, is_agent=False)
    response = client.post(f"/settings/people/{person.pk}/agent/", {
        "skills": "bygglov = 7\nparkering=3", "languages": ["sv", "en"], "queues": [str(mine.pk)],
        "capacity_chat": "2", "capacity_phone": "1", "endpoint_sip": "sip:per@pbx.example.org",
    })  # fmt: skip
    assert response.status_code == 302, response.content.decode()
    state = AgentState.objects.get(person=person)
    assert state.skills == {"bygglov": 7, "parkering": 3} and state.languages == ["sv", "en"]
    assert state.capacity == {"phone": 1, "chat": 2} and state.endpoint_sip == "sip:per@pbx.example.org"
    assert list(state.queues.all()) == [mine]
    person.refresh_from_db()
    assert person.is_agent
    entry = AuditEntry.objects.get(action="agent.changed")
    assert entry.changes["after"]["queue_names"] == ["Bygglov"]

    bad = client.post(f"/settings/people/{person.pk}/agent/", {
        "skills": "bygglov = elva", "queues": [str(other_orgs.pk)], "endpoint_sip": "per@pbx",
    })  # fmt: skip
    body = bad.content.decode()
    assert bad.status_code == 200
    assert "nivån måste vara ett heltal" in body and "sip:" in body
    state.refresh_from_db()
    assert state.skills == {"bygglov": 7, "parkering": 3}


def test_team_leaders_manage_their_own_teams_only(django_capture_on_commit_callbacks: Any) -> None:
    org = make_organisation()
    leader = make_person(org, full_name="Lena Ledare", is_team_leader=True, is_agent=False)
    mine, theirs = make_team(org, name="Mitt lag", leader=leader), make_team(org, name="Annat lag")
    member = make_person(org, full_name="Maja Medlem", team=mine)
    boss = make_person(org, full_name="Stina Chef", team=mine, is_supervisor=True)
    stranger = make_person(org, full_name="Sven Främling", team=theirs)
    client = Client()
    client.force_login(leader)

    listed = client.get("/settings/people/").content.decode()
    assert "Maja Medlem" in listed and "Sven Främling" not in listed and "Stina Chef" not in listed
    assert client.get(f"/settings/people/{stranger.pk}/").status_code == 404
    # Nobody with more powers than an agent, even in their own team (nor themselves).
    assert client.post(f"/settings/people/{boss.pk}/", {"full_name": "X", "email": "mine@example.org",
                                                        "language": "sv", "team": mine.pk}).status_code == 404  # fmt: skip
    assert client.get(f"/settings/people/{leader.pk}/").status_code == 404
    boss.refresh_from_db()
    assert boss.email != "mine@example.org"
    assert client.post(f"/settings/people/{stranger.pk}/active/", {"active": "0"}).status_code == 404
    assert client.get("/settings/teams/").status_code == 403  # teams themselves are the admin's

    invited = invite(client, django_capture_on_commit_callbacks, email="ny@example.org", team=theirs.pk)
    assert invited.status_code == 200 and not Person.objects.filter(email="ny@example.org").exists()
    as_admin = invite(client, django_capture_on_commit_callbacks, email="ny@example.org", team=mine.pk, roles=["agent", "org_admin"])
    assert as_admin.status_code == 200 and not Person.objects.filter(email="ny@example.org").exists()  # no admin role
    invite(client, django_capture_on_commit_callbacks, email="ny@example.org", team=mine.pk)
    new = Person.objects.get(email="ny@example.org")
    assert new.team == mine and new.roles == ["agent"]

    client.post(f"/settings/people/{member.pk}/", {"full_name": "Maja M", "email": member.email, "language": "sv",
                                                    "team": mine.pk, "roles": ["agent"]})  # fmt: skip
    member.refresh_from_db()
    assert member.full_name == "Maja M" and member.roles == ["agent"]


def test_teams_and_sites_are_created_and_changed_with_unique_names() -> None:
    org = make_organisation()
    client, admin = admin_client(org)
    leader = make_person(org, full_name="Lars Ledare", is_agent=True)
    assert client.post("/settings/teams/new/", {"name": "Parkering", "leader": leader.pk}).status_code == 302
    team = Team.objects.get(organisation=org, name="Parkering")
    leader.refresh_from_db()
    assert team.leader == leader and leader.is_team_leader
    dup = client.post("/settings/teams/new/", {"name": "parkering"})
    assert "Det finns redan ett arbetslag med det namnet." in dup.content.decode()
    client.post(f"/settings/teams/{team.pk}/", {"name": "Parkering och trafik"})
    team.refresh_from_db()
    assert team.name == "Parkering och trafik" and team.leader is None

    assert client.post("/settings/sites/new/", {"name": "Kontoret", "kind": "office", "seat_capacity": "12"}).status_code == 302
    site = Site.objects.get(organisation=org, name="Kontoret")
    client.post(f"/settings/sites/{site.pk}/", {"name": "Kontoret", "kind": "office", "address": "Storgatan 1"})
    site.refresh_from_db()
    assert site.address == "Storgatan 1" and site.seat_capacity is None
    kinds = AuditEntry.objects.filter(organisation=org).values_list("action", flat=True)
    assert {"team.created", "team.changed", "site.created", "site.changed"} <= set(kinds)


def test_the_audit_page_filters_and_is_for_admins_only() -> None:
    org = make_organisation()
    client, admin = admin_client(org)
    other = make_person(org, full_name="Olle Annan", is_org_admin=True)
    client.post("/settings/sites/new/", {"name": "Kontoret", "kind": "office"})
    other_client = Client()
    other_client.force_login(other)
    other_client.post("/settings/teams/new/", {"name": "Växeln"})

    everything = client.get("/settings/audit/").content.decode()
    assert "Kontoret" in everything and "Växeln" in everything
    by_other = client.get(f"/settings/audit/?actor={other.pk}").content.decode()
    assert "Växeln" in by_other and "Kontoret" not in by_other
    sites_only = client.get("/settings/audit/?action=site.created").content.decode()
    assert "Kontoret" in sites_only and "Växeln" not in sites_only
    tomorrow = (timezone.localdate() + timedelta(days=2)).isoformat()
    assert "Kontoret" not in client.get(f"/settings/audit/?start={tomorrow}").content.decode()
    backwards = client.get(f"/settings/audit/?start={tomorrow}&end=2020-01-01").content.decode()
    assert "Slutdatumet ligger före startdatumet." in backwards

    supervisor = make_person(org, is_supervisor=True, is_agent=False)
    client.force_login(supervisor)
    assert client.get("/settings/audit/").status_code == 403


def test_changes_in_the_django_admin_are_audited_with_before_and_after() -> None:
    org = make_organisation()
    client, admin = admin_client(org, is_staff=True)
    team = make_team(org, name="Gamla namnet")
    response = client.post(f"/admin/accounts/team/{team.pk}/change/", {"name": "Nya namnet", "leader": ""})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(object_type="accounts.team", object_id=str(team.pk))
    assert entry.actor == admin and entry.action == "changed"
    assert entry.changes == {"before": {"name": "Gamla namnet"}, "after": {"name": "Nya namnet"}}
    page = client.get("/settings/audit/").content.decode()
    assert "Gamla namnet → Nya namnet" in page


def test_the_settings_start_page_lists_what_the_person_may_reach() -> None:
    org = make_organisation()
    client, admin = admin_client(org)
    page = client.get("/settings/").content.decode()
    for title in ("Personer", "Arbetslag", "Platser", "API-nycklar", "Webhooks", "Ändringslogg"):
        assert title in page, title
    leader = make_person(org, is_team_leader=True, is_agent=False)
    client.force_login(leader)
    page = client.get("/settings/").content.decode()
    assert "/settings/people/" in page and "/settings/audit/" not in page and "/settings/api-keys/" not in page


def test_a_new_agent_starts_at_their_default_location() -> None:
    from distans.routing.actions import do_set_presence

    org = make_organisation()
    home = make_site(org, name="Hemma", kind="home")
    person = make_person(org, default_site=home)
    assert do_set_presence(person, "available").site == home
