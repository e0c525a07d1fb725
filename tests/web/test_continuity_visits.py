"""The walk-in desk's booking-only mode as part of a continuity plan: putting the plan in
force closes the walk-in desk (a banner on the public booking page and the staff's day
list), ending it gives back exactly the setting before."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from tests.factories import make_organisation, make_person
from tests.factories_visits import make_service

from distans.continuity import actions, extensions, plan_data
from distans.continuity.forms import initial_of
from distans.setup.config import export_config
from distans.visits.actions import do_save_visit_settings
from distans.visits.models import VisitSettings

pytestmark = pytest.mark.django_db

PUBLIC_BANNER = "Receptionen har stängt för spontanbesök"
STAFF_BANNER = "Endast bokade besök: receptionen har stängt för spontanbesök."


def _world() -> tuple[Any, Any]:
    org = make_organisation(name="Västerby", slug="vasterby-walkin")
    admin = make_person(org, is_org_admin=True, is_supervisor=True)
    make_service(org)
    return org, admin


def _settings(org: Any) -> list[dict[str, Any]]:
    return list(
        VisitSettings.objects.for_org(org).values(
            "keep_days", "meeting_pattern", "sms_reminders", "booking_only"
        )
    )


def _plan(org: Any, admin: Any, mode: Any = None) -> Any:
    plan = actions.do_create_plan(org, admin, "B — alla hemma")
    changes = {**plan.changes, "extensions": {"visits": mode or {"desk": "booking_only"}}}
    return actions.do_save_plan(org, admin, plan, {"changes": changes})


def _pages(org: Any, admin: Any) -> tuple[str, str]:
    public = Client().get(f"/visits/book/{org.slug}/").content.decode()
    staff = Client()
    staff.force_login(admin)
    return public, staff.get("/visits/").content.decode()


def test_visits_registers_its_extension() -> None:
    assert "visits" in extensions.names()


@pytest.mark.parametrize("settings_before", [True, False])
def test_the_plan_closes_the_walk_in_desk_and_ending_gives_back_exactly_the_setting(
    settings_before: bool, django_capture_on_commit_callbacks: Any
) -> None:
    org, admin = _world()
    if settings_before:  # an organisation that has changed its visit settings
        do_save_visit_settings(org, admin, {"keep_days": 45, "sms_reminders": False})
    before = (export_config(org), _settings(org))
    public, staff = _pages(org, admin)
    assert PUBLIC_BANNER not in public and STAFF_BANNER not in staff

    plan = _plan(org, admin)
    items, error = actions.preview(org, plan)
    assert error is None
    walk_in = [i for i in items if i.section == "Besök"]
    assert [(i.name, i.fields) for i in walk_in] == [
        ("Receptionen", [("läge", "öppen för spontanbesök", "endast bokade besök")])
    ]
    assert _settings(org) == before[1]  # the preview changed nothing

    with django_capture_on_commit_callbacks(execute=True):
        actions.do_activate_plan(org, admin, plan)
    assert VisitSettings.objects.for_org(org).get().booking_only is True
    public, staff = _pages(org, admin)
    assert PUBLIC_BANNER in public and STAFF_BANNER in staff

    with django_capture_on_commit_callbacks(execute=True):
        actions.do_deactivate_plan(org, admin)
    public, staff = _pages(org, admin)
    assert PUBLIC_BANNER not in public and STAFF_BANNER not in staff
    after_settings = _settings(org)
    if not settings_before:  # the row made while in force holds the defaults, flag off
        assert after_settings[0]["booking_only"] is False
        assert after_settings[0]["keep_days"] == 30
    else:
        assert after_settings == before[1]
    assert export_config(org) == before[0]


def test_a_desk_already_booking_only_stays_so_after_the_plan() -> None:
    org, admin = _world()
    do_save_visit_settings(org, admin, {"booking_only": True})
    plan = _plan(org, admin)
    assert [i for i in actions.preview(org, plan)[0] if i.section == "Besök"] == []
    actions.do_activate_plan(org, admin, plan)
    actions.do_deactivate_plan(org, admin)
    assert VisitSettings.objects.for_org(org).get().booking_only is True


def test_an_unknown_mode_is_refused_and_nothing_changes() -> None:
    org, admin = _world()
    before = _settings(org)
    plan = _plan(org, admin, {"desk": "sometimes"})
    with pytest.raises(ValidationError):
        actions.do_activate_plan(org, admin, plan)
    assert _settings(org) == before


def test_the_plan_form_sets_and_clears_booking_only() -> None:
    from distans.continuity.forms import PlanForm

    org, admin = _world()
    plan = actions.do_create_plan(org, admin, "C")
    initial = initial_of(plan)
    assert initial["walk_in_booking_only"] is False
    form = PlanForm(data={**{k: v for k, v in initial.items() if v not in (None, False)},
                          "walk_in_booking_only": "on"})  # fmt: skip
    assert form.is_valid(), form.errors
    document = form.apply(plan.changes, {})
    assert document["extensions"] == {"visits": {"desk": "booking_only"}}
    plan = actions.do_save_plan(org, admin, plan, {"changes": document})
    assert initial_of(plan)["walk_in_booking_only"] is True
    assert plan_data.normalise(plan.changes)["extensions"]["visits"] == {"desk": "booking_only"}
