"""The demo's people are added the way an admin adds them: through the administration
app's actions (created, invited, invitation accepted; team leaders set on their team),
so the demo proves that path and the audit log tells it."""

from __future__ import annotations

import pytest
from django.test import Client

from distans.accounts.models import AuditEntry, Person, Team
from distans.administration.models import Invitation
from distans.demo.data import DEMO_PASSWORD, PEOPLE, demo_email, load_demo

pytestmark = pytest.mark.django_db


def test_demo_people_come_through_the_administration_actions(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.VAR_DIR = tmp_path
    org = load_demo()
    people = Person.objects.for_org(org)
    assert people.count() >= len(PEOPLE)
    invited = set(
        Invitation.objects.for_org(org)
        .filter(used_at__isnull=False)
        .values_list("person__email", flat=True)
    )
    assert invited == {demo_email(p.email) for p in PEOPLE if "org_admin" not in p.roles}
    actions = set(AuditEntry.objects.for_org(org).values_list("action", flat=True))
    assert {"person.created", "person.invited", "person.joined", "team.changed"} <= actions
    assert Team.objects.for_org(org).get(name="Lag Norr").leader.email == demo_email("teamleader")
    assert people.get(email=demo_email("ingrid")).language == "nb"
    assert Client().login(username=demo_email("agent"), password=DEMO_PASSWORD)
    assert load_demo() == org  # idempotent
    assert Invitation.objects.for_org(org).count() == len(invited)
