from __future__ import annotations

from dataclasses import dataclass

from distans.accounts.models import Person
from distans.accounts.queries import list_team_members
from distans.realtime.queries import online_person_ids


@dataclass(frozen=True)
class MemberOnline:
    person: Person
    online: bool
    #: What routing says the person is doing ("Busy", "Break (Lunch)"…), translated;
    #: empty when they are not signed in to routing.
    doing: str = ""


def _presence_labels(organisation_id: int, person_ids: list[int]) -> dict[int, str]:
    """Routing's presence of each person who is not offline there, as a label. Someone
    on a call or in the demo's simulation has no page open and is still at work."""
    try:
        from distans.routing.choices import BreakReason, Presence
        from distans.routing.models import AgentState
    except ImportError:  # routing is an optional app
        return {}
    labels = {}
    rows = (
        AgentState.objects.for_org(organisation_id)
        .filter(person_id__in=person_ids)
        .exclude(presence=Presence.OFFLINE)
        .values_list("person_id", "presence", "break_reason")
    )
    for person_id, presence, reason in rows:
        label = str(Presence(presence).label) if presence in Presence.values else presence
        if reason in BreakReason.values and reason != BreakReason.BREAK:
            label = f"{label} ({str(BreakReason(reason).label).lower()})"
        labels[person_id] = label
    return labels


def list_my_team_with_online(person: Person) -> list[MemberOnline]:
    """The members of the person's own team (never another organisation's), online
    ones first. A supervisor without a team sees everyone who is in a team."""
    if person.organisation_id is None:
        return []
    if person.team is not None:
        people = list(list_team_members(person.team))
    elif person.is_supervisor or person.is_org_admin:
        people = list(
            Person.objects.for_org(person.organisation_id).filter(
                team__isnull=False, is_active=True
            )
        )
    else:
        return []
    online = online_person_ids(person.organisation_id)
    doing = _presence_labels(person.organisation_id, [m.pk for m in people])
    members = [
        MemberOnline(m, m.pk in online or m.pk in doing, doing.get(m.pk, "")) for m in people
    ]
    return sorted(members, key=lambda m: (not m.online, m.person.full_name))
