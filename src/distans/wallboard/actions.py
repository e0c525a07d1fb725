"""Supervisor writes from the wallboard: an agent's presence and queue memberships."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distans.accounts.models import Person
from distans.core.errors import InvalidInput
from distans.core.routing import EventName
from distans.realtime.groups import person_group, supervisors_group
from distans.realtime.publish import publish
from distans.routing.actions import get_agent_state
from distans.routing.dispatcher import request_routing
from distans.routing.models import Queue, RoutingEvent


@transaction.atomic
def do_set_agent_queues(actor: Person, agent: Person, queues: list[Queue]) -> None:
    """Replace the queues ``agent`` serves; logged as ``agent_queues_changed``."""
    if agent.organisation_id != actor.organisation_id or any(
        q.organisation_id != actor.organisation_id for q in queues
    ):
        raise InvalidInput(_("No such agent or queue."))
    state = get_agent_state(agent, lock=True)
    before = sorted(state.queues.values_list("pk", flat=True))
    state.queues.set(queues)
    state.save(update_fields=[])  # bumps the version: routing's caches re-read the agent
    after = sorted(q.pk for q in queues)
    if before != after:
        RoutingEvent.objects.create(
            organisation_id=state.organisation_id,
            name=EventName.AGENT_QUEUES_CHANGED,
            at=timezone.now(),
            agent_id=agent.pk,
            data={"before": before, "after": after, "by": actor.pk},
        )
    publish(supervisors_group(state.organisation_id), "agents")
    publish(person_group(agent.pk), "agent_state")
    request_routing(state.organisation_id)
