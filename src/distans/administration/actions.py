"""Writes of the settings pages: people, invitations, teams, sites, agents' routing
settings. Each is one transaction and records who changed what (accounts.audit)."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import smtplib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from distans.accounts.audit import record_change, snapshot
from distans.accounts.models import Person, Site, Team
from distans.administration.forms import ROLE_FIELDS
from distans.administration.models import Invitation

logger = logging.getLogger(__name__)
INVITATION_VALID_DAYS = 7
PERSON_FIELDS = ["full_name", "email", "team", "default_site", "language", "phone", "roles", "is_active"]
TEAM_FIELDS = ["name", "leader"]
SITE_FIELDS = ["name", "kind", "address", "seat_capacity"]
AGENT_FIELDS = ["skills", "languages", "capacity", "endpoint_sip", "queue_names"]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _apply_person(person: Person, data: dict[str, Any]) -> None:
    for name in ("full_name", "email", "language", "phone"):
        if name in data:
            setattr(person, name, data[name] or "")
    for name in ("team", "default_site"):
        if name in data:
            setattr(person, name, data[name])
    if "roles" in data:
        for role, field in ROLE_FIELDS.items():
            setattr(person, field, role in data["roles"])
        person.is_staff = bool(person.is_org_admin)


@transaction.atomic
def do_create_person(actor: Person, data: dict[str, Any]) -> Person:
    """A new person of the actor's organisation, without a password (they set one
    through an invitation)."""
    person = Person(organisation_id=actor.organisation_id, is_agent=False)
    _apply_person(person, data)
    person.set_unusable_password()
    person.save()
    record_change(actor.organisation, actor, "person.created", person, {}, snapshot(person, PERSON_FIELDS))  # type: ignore[arg-type]
    return person


@transaction.atomic
def do_save_person(actor: Person, person: Person, data: dict[str, Any]) -> Person:
    before = snapshot(person, PERSON_FIELDS)
    _apply_person(person, data)
    person.save()
    record_change(actor.organisation, actor, "person.changed", person, before, snapshot(person, PERSON_FIELDS))  # type: ignore[arg-type]
    return person


@transaction.atomic
def do_set_person_active(actor: Person, person: Person, active: bool) -> Person:
    """Deactivate (or reactivate) a person. Nothing is deleted: their contacts, events
    and audit entries stay; they can no longer log in and routing skips them."""
    before = snapshot(person, PERSON_FIELDS)
    person.is_active = active
    person.save(update_fields=["is_active"])
    if not active:
        Invitation.objects.filter(person=person, used_at__isnull=True).update(expires_at=timezone.now())
        _go_offline(person)
    record_change(
        actor.organisation, actor, "person.reactivated" if active else "person.deactivated",  # type: ignore[arg-type]
        person, before, snapshot(person, PERSON_FIELDS),
    )  # fmt: skip
    return person


def _go_offline(person: Person) -> None:
    from distans.routing.models import AgentState

    if AgentState.objects.filter(person=person).exclude(presence="offline").exists():
        from distans.routing.actions import do_set_presence

        do_set_presence(person, "offline")


@dataclass(frozen=True)
class InvitationMail:
    subject: str
    body: str
    to: str


@transaction.atomic
def do_create_invitation(actor: Person, person: Person, base_url: str) -> InvitationMail:
    """A single-use link for ``person``, valid INVITATION_VALID_DAYS days, to set a
    password; an earlier unused link stops working. Returns the mail to send (after
    the transaction: see :func:`do_invite`)."""
    now = timezone.now()
    Invitation.objects.filter(person=person, used_at__isnull=True, expires_at__gt=now).update(expires_at=now)
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation_id=person.organisation_id,
        person=person,
        token_hash=_digest(token),
        created_by=actor,
        expires_at=now + dt.timedelta(days=INVITATION_VALID_DAYS),
    )
    link = base_url.rstrip("/") + reverse("accept_invitation", args=[token])
    context = {"person": person, "organisation": person.organisation, "link": link,
               "days": INVITATION_VALID_DAYS, "inviter": actor}  # fmt: skip
    with translation.override(person.language):
        subject = render_to_string("administration/invitation_subject.txt", context).strip()
        body = render_to_string("administration/invitation_email.txt", context)
    record_change(
        actor.organisation, actor, "person.invited", person,  # type: ignore[arg-type]
        {}, {"invitation_expires_at": invitation.expires_at},
    )  # fmt: skip
    return InvitationMail(subject, body, person.email)


def send_invitation_mail(mail: InvitationMail) -> bool:
    """Send through Django's mail backend; False (and logged) when it fails, so the
    page can say so (the invitation stays; "send a new invitation" tries again)."""
    try:
        send_mail(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, [mail.to], fail_silently=False)
    except (OSError, smtplib.SMTPException):
        logger.exception("invitation mail to %s failed", mail.to)
        return False
    return True


def do_invite(actor: Person, person: Person, base_url: str) -> bool:
    """Create the invitation (committed) and mail it; whether the mail went out."""
    return send_invitation_mail(do_create_invitation(actor, person, base_url))


def find_invitation(token: str) -> Invitation | None:
    """The invitation this token opens, if it is unused, unexpired and its person active."""
    invitation = (
        Invitation.objects.select_related("person", "organisation").filter(token_hash=_digest(token)).first()
    )
    if invitation is None or invitation.used_at is not None or invitation.expires_at <= timezone.now():
        return None
    if not invitation.person.is_active:
        return None
    return invitation


@transaction.atomic
def do_accept_invitation(token: str, password: str) -> Person | None:
    """Set the password and spend the link (once: a second use finds nothing)."""
    found = find_invitation(token)
    if found is None:
        return None
    invitation = Invitation.objects.select_for_update().get(pk=found.pk)
    if invitation.used_at is not None:
        return None
    person = invitation.person
    person.set_password(password)
    person.save(update_fields=["password"])
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])
    record_change(invitation.organisation, person, "person.joined", person, {}, {"password_set": True})
    return person


@transaction.atomic
def do_save_team(actor: Person, team: Team | None, data: dict[str, Any]) -> Team:
    before = snapshot(team, TEAM_FIELDS)
    if team is None:
        team = Team(organisation_id=actor.organisation_id)
    team.name = data["name"]
    team.leader = data.get("leader")
    team.save()
    action = "team.changed" if before else "team.created"
    record_change(actor.organisation, actor, action, team, before, snapshot(team, TEAM_FIELDS))  # type: ignore[arg-type]
    if team.leader is not None and not team.leader.is_team_leader:
        leader_before = snapshot(team.leader, PERSON_FIELDS)
        team.leader.is_team_leader = True
        team.leader.save(update_fields=["is_team_leader"])
        record_change(actor.organisation, actor, "person.changed", team.leader, leader_before,  # type: ignore[arg-type]
                      snapshot(team.leader, PERSON_FIELDS))  # fmt: skip
    return team


@transaction.atomic
def do_save_site(actor: Person, site: Site | None, data: dict[str, Any]) -> Site:
    before = snapshot(site, SITE_FIELDS)
    if site is None:
        site = Site(organisation_id=actor.organisation_id)
    for name in SITE_FIELDS:
        setattr(site, name, data.get(name) if name != "address" else data.get(name) or "")
    site.save()
    action = "site.changed" if before else "site.created"
    record_change(actor.organisation, actor, action, site, before, snapshot(site, SITE_FIELDS))  # type: ignore[arg-type]
    return site


def _agent_snapshot(state: Any) -> dict[str, Any]:
    if state is None or state.pk is None:
        return {}
    values = snapshot(state, ["skills", "languages", "capacity", "endpoint_sip"])
    values["queue_names"] = sorted(q.name for q in state.queues.all())
    return values


@transaction.atomic
def do_save_agent_settings(actor: Person, person: Person, data: dict[str, Any]) -> Any:
    """Skills with levels, languages, queues, capacity per channel and softphone
    address (routing.AgentState; its version moves, so routing sees the change)."""
    from distans.routing.models import AgentState, Queue

    state = AgentState.objects.select_for_update().filter(person=person).first()
    before = _agent_snapshot(state)
    if state is None:
        state = AgentState(organisation_id=person.organisation_id, person=person, site=person.default_site)
    state.skills = data.get("skills", {})
    state.languages = list(data.get("languages", []))
    state.capacity = data.get("capacity", {})
    state.endpoint_sip = data.get("endpoint_sip", "")
    state.save()
    queue_ids = [int(q) for q in data.get("queues", [])]
    state.queues.set(Queue.objects.for_org(person.organisation_id).filter(pk__in=queue_ids))
    if not person.is_agent:
        person.is_agent = True
        person.save(update_fields=["is_agent"])
    record_change(actor.organisation, actor, "agent.changed", person, before, _agent_snapshot(state))  # type: ignore[arg-type]
    return state
