"""Writes of the setup app: queues, sites, teams, channels, the first run.

Every change is audited (who, when, before, after: ``audit.record``) and takes
effect live: after commit routing runs a full round for the organisation (waiting
contacts are re-evaluated against the new hours and rules at once), every process
drops its cached queues (``routing.rounds.announce_queue_change``, from the queue's
save signal) and the supervisors' pages re-fetch (``queues`` event).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from distans.accounts.models import Organisation, Person, Site, Team
from distans.realtime.groups import org_group, supervisors_group
from distans.realtime.publish import publish
from distans.routing.dispatcher import request_routing
from distans.routing.models import Queue
from distans.setup import audit
from distans.setup.settings_data import apply_queue_settings, queue_settings


def _announce_queues(organisation_id: int, queue_id: int | None = None) -> None:
    """After commit: route again with the new settings, and tell the pages."""
    request_routing(organisation_id)

    def send() -> None:
        publish(supervisors_group(organisation_id), "queues")
        publish(org_group(organisation_id), "queue_settings", queue_id=queue_id)

    transaction.on_commit(send)


@transaction.atomic
def do_save_queue(
    organisation: Organisation,
    actor: Person | None,
    queue: Queue | None,
    data: dict[str, Any],
) -> Queue:
    """Create (``queue`` None) or change a queue from settings data. Raises
    ValidationError with translated messages; nothing is stored then."""
    if queue is not None and queue.organisation_id != organisation.pk:
        raise ValidationError(_("No such queue."))
    before = queue_settings(queue) if queue is not None else None
    target = queue if queue is not None else Queue(organisation=organisation)
    apply_queue_settings(target, data)
    clash = Queue.objects.for_org(organisation).filter(code=target.code)
    if target.pk is not None:
        clash = clash.exclude(pk=target.pk)
    if clash.exists():
        raise ValidationError(_("Another queue already has the code “%(code)s”.") % {"code": target.code})
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError:
        raise ValidationError(_("Another queue already has the code “%(code)s”.") % {"code": target.code}) from None
    if before is not None and before["code"] != target.code:
        _rename_overflow_target(organisation, before["code"], target.code)
    audit.record(
        organisation,
        actor,
        "queue_created" if before is None else "queue_changed",
        target,
        before,
        queue_settings(target),
    )
    _announce_queues(organisation.pk, target.pk)
    return target


def _rename_overflow_target(organisation: Organisation, old: str, new: str) -> None:
    """Overflow rules name queues by code: follow a renamed code."""
    for other in Queue.objects.for_org(organisation):
        rules = other.overflow or []
        if any(rule.get("to") == old for rule in rules):
            other.overflow = [{**rule, "to": new} if rule.get("to") == old else rule for rule in rules]
            other.save(update_fields=["overflow"])


@transaction.atomic
def do_create_site(
    organisation: Organisation, actor: Person | None, name: str, kind: str, address: str = ""
) -> Site:
    site = Site(organisation=organisation, name=name, kind=kind, address=address)
    site.full_clean(exclude=["organisation"])
    site.save()
    audit.record(organisation, actor, "site_created", site, None, {"name": name, "kind": kind, "address": address})
    return site


@transaction.atomic
def do_create_team(organisation: Organisation, actor: Person | None, name: str, leader: Person | None = None) -> Team:
    team = Team(organisation=organisation, name=name, leader=leader)
    team.full_clean(exclude=["organisation", "leader"])
    team.save()
    audit.record(organisation, actor, "team_created", team, None, {"name": name})
    return team
