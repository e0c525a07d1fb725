from __future__ import annotations

from dataclasses import dataclass

from distans.accounts.models import Person
from distans.accounts.queries import list_team_members
from distans.realtime.queries import online_person_ids


@dataclass(frozen=True)
class MemberOnline:
    person: Person
    online: bool


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
    members = [MemberOnline(m, m.pk in online) for m in people]
    return sorted(members, key=lambda m: (not m.online, m.person.full_name))
