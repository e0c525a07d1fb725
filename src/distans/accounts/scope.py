"""What part of the organisation a person oversees on the wallboard and in reports.

Supervisors, planners and organisation admins see the whole organisation. A team
leader (with none of those roles) sees their own teams: the teams they lead and the
team they belong to — those teams' people, and the queues those people serve. The
roles that see everything are named in ``permissions.WHOLE_ORGANISATION``, beside the
one table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from distans.accounts.permissions import WHOLE_ORGANISATION, roles_of


@dataclass(frozen=True)
class Scope:
    everything: bool
    team_ids: frozenset[int] = frozenset()
    queue_ids: frozenset[int] = frozenset()

    def team_values(self) -> set[str]:
        """The team ids as the report aggregates store them (text)."""
        return {str(pk) for pk in self.team_ids}


def scope_of(user: Any) -> Scope:
    if roles_of(user) & WHOLE_ORGANISATION:
        return Scope(everything=True)
    from distans.accounts.models import Team
    from distans.routing.models import AgentState

    teams = set(
        Team.objects.for_org(user.organisation_id).filter(leader=user).values_list("pk", flat=True)
    )
    if user.team_id is not None:
        teams.add(user.team_id)
    queues = set(
        AgentState.queues.through.objects.filter(
            agentstate__organisation_id=user.organisation_id, agentstate__person__team_id__in=teams
        ).values_list("queue_id", flat=True)
    )
    return Scope(everything=False, team_ids=frozenset(teams), queue_ids=frozenset(queues))
