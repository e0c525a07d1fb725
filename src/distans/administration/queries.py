"""Reads for the settings pages. Team leaders see and change the people of the teams
they lead only; organisation admins the whole organisation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet

from distans.accounts.models import ApiToken, AuditEntry, Person, Site, Team
from distans.accounts.permissions import has_permission
from distans.administration.models import Webhook, WebhookDelivery


def is_org_admin(actor: Person) -> bool:
    return has_permission(actor, "organisation.manage")


def manageable_teams(actor: Person) -> QuerySet[Team]:
    teams = Team.objects.for_org(actor.organisation_id).order_by("name")  # type: ignore[arg-type]
    if is_org_admin(actor):
        return teams
    if has_permission(actor, "people.manage"):
        return teams.filter(leader=actor)
    return teams.none()


def manageable_people(actor: Person) -> QuerySet[Person]:
    """Admins: everyone in the organisation. Team leaders: the agents of the teams they
    lead who hold no other role (so that nobody changes the e-mail address or the
    access of someone with more powers than their own)."""
    people = Person.objects.for_org(actor.organisation_id).select_related("team")  # type: ignore[arg-type]
    if is_org_admin(actor):
        return people
    if has_permission(actor, "people.manage"):
        return people.filter(team__in=manageable_teams(actor)).filter(
            is_team_leader=False, is_supervisor=False, is_planner=False, is_org_admin=False, is_superuser=False
        )
    return people.none()


def list_people(actor: Person, search: str = "", show_inactive: bool = False) -> list[Person]:
    people = manageable_people(actor)
    if not show_inactive:
        people = people.filter(is_active=True)
    if search:
        people = people.filter(Q(full_name__icontains=search) | Q(email__icontains=search))
    return list(people.order_by("full_name", "email"))


def get_person(actor: Person, person_id: int) -> Person | None:
    return manageable_people(actor).filter(pk=person_id).first()


def get_team(actor: Person, team_id: int) -> Team | None:
    return Team.objects.for_org(actor.organisation_id).filter(pk=team_id).first()  # type: ignore[arg-type]


def list_teams(actor: Person) -> list[Team]:
    return list(Team.objects.for_org(actor.organisation_id).select_related("leader").order_by("name"))  # type: ignore[arg-type]


def list_sites(actor: Person) -> list[Site]:
    return list(Site.objects.for_org(actor.organisation_id).order_by("name"))  # type: ignore[arg-type]


def get_site(actor: Person, site_id: int) -> Site | None:
    return Site.objects.for_org(actor.organisation_id).filter(pk=site_id).first()  # type: ignore[arg-type]


def agent_state_of(person: Person) -> Any:
    from distans.routing.models import AgentState

    return AgentState.objects.filter(person=person).prefetch_related("queues").first()


def list_queues(organisation_id: int) -> list[Any]:
    from distans.routing.models import Queue

    return list(Queue.objects.for_org(organisation_id).order_by("name"))


def list_audit(
    organisation_id: int,
    *,
    actor_id: int | None = None,
    action: str = "",
    object_type: str = "",
    text: str = "",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.for_org(organisation_id).select_related("actor")
    if actor_id:
        entries = entries.filter(actor_id=actor_id)
    if action:
        entries = entries.filter(action=action)
    if object_type:
        entries = entries.filter(object_type=object_type)
    if text:
        entries = entries.filter(object_repr__icontains=text)
    if start:
        entries = entries.filter(at__gte=start)
    if end:
        entries = entries.filter(at__lt=end)
    return entries.order_by("-at", "-id")


def audit_choices(organisation_id: int) -> dict[str, list[Any]]:
    entries = AuditEntry.objects.for_org(organisation_id)
    return {
        "actions": sorted(set(entries.values_list("action", flat=True))),
        "object_types": sorted(set(entries.values_list("object_type", flat=True))),
        "actors": list(
            Person.objects.for_org(organisation_id)
            .filter(pk__in=entries.values("actor_id"))
            .order_by("full_name")
        ),
    }


def list_api_keys(organisation_id: int) -> list[ApiToken]:
    return list(ApiToken.objects.for_org(organisation_id).order_by("-is_active", "name"))


def get_api_key(organisation_id: int, key_id: int) -> ApiToken | None:
    return ApiToken.objects.for_org(organisation_id).filter(pk=key_id).first()


def list_webhooks(organisation_id: int) -> list[Webhook]:
    return list(Webhook.objects.for_org(organisation_id).order_by("name"))


def get_webhook(organisation_id: int, webhook_id: int) -> Webhook | None:
    return Webhook.objects.for_org(organisation_id).filter(pk=webhook_id).first()


def list_deliveries(webhook: Webhook, limit: int = 50) -> list[WebhookDelivery]:
    return list(WebhookDelivery.objects.for_org(webhook.organisation_id).filter(webhook=webhook)[:limit])
