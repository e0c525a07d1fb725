"""The planning page: forecast vs. required vs. scheduled per interval for a queue
with history, and what-if controls that move required agents the expected way."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from tests.factories import make_agent, make_organisation, make_person, make_queue
from tests.factories_planning import (
    WEEKDAYS_8_TO_12,
    make_history,
    make_plan,
    make_schedule,
    make_settings,
    make_shift,
    next_monday,
)

from distans.contacts.models import Contact
from distans.core.forecast.adjust import CREDIBILITY_CONTACTS
from distans.planning import queries
from distans.planning.demand import saved_inputs, with_what_if
from distans.reports.actions import do_import_contacts

pytestmark = pytest.mark.django_db


@pytest.fixture
def planned():  # type: ignore[no-untyped-def]
    org = make_organisation(time_zone="Europe/Stockholm")
    make_settings(org)
    queue = make_queue(
        org, name="Bygglov", code="bygglov", weekly_hours=WEEKDAYS_8_TO_12, holiday_country=""
    )
    make_history(queue, weeks=5, busy=12, quiet=4)
    make_plan(queue, aht_seconds=240)
    supervisor = make_person(org, full_name="Sara Super", is_agent=False, is_supervisor=True)
    client = Client()
    client.force_login(supervisor)
    return org, queue, client


def _cells(body: str, slot: str) -> dict[str, str]:
    row = re.search(rf'<tr data-slot="{slot}">(.*?)</tr>', body, re.S)
    assert row, f"no row for {slot}"
    return {
        k: v.replace(",", ".") for k, v in re.findall(r'data-field="(\w+)">([^<]*)<', row.group(1))
    }


def test_the_page_shows_forecast_required_and_scheduled_per_interval(planned) -> None:  # type: ignore[no-untyped-def]
    org, queue, client = planned
    monday = next_monday(org)
    agent = make_agent(org, [queue], full_name="Agnes Agent")
    zone = ZoneInfo(org.time_zone)
    schedule = make_schedule(org, monday)
    make_shift(
        schedule,
        agent,
        dt.datetime.combine(monday, dt.time(8, 0), tzinfo=zone),
        dt.datetime.combine(monday, dt.time(12, 0), tzinfo=zone),
        [
            (
                "break",
                dt.datetime.combine(monday, dt.time(10, 0), tzinfo=zone),
                dt.datetime.combine(monday, dt.time(10, 15), tzinfo=zone),
            )
        ],
    )

    response = client.get(f"/planning/queues/{queue.pk}/?day={monday.isoformat()}")

    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and 'role="img"' in body
    # SVG geometry is never localised (a Swedish decimal comma would break it).
    bars = re.findall(r'<rect class="bar-contacts" x="([^"]+)" y="([^"]+)"', body)
    assert bars and all(re.fullmatch(r"[\d.]+", v) for bar in bars for v in bar)
    busy, quiet = _cells(body, "09:00"), _cells(body, "08:00")
    assert float(busy["contacts"]) == pytest.approx(12.0, abs=0.01)
    assert float(quiet["contacts"]) == pytest.approx(4.0, abs=0.01)
    # 12 contacts × 240 s in 15 min = 3.2 Erlang → Erlang C 80/20 needs 6 agents.
    assert int(busy["required"]) == 6
    assert int(quiet["required"]) < int(busy["required"])
    assert busy["scheduled"] == "1"
    assert _cells(body, "10:00")["scheduled"] == "0"  # on a break
    assert "13:00" not in re.findall(r'data-slot="([\d:]+)"', body)  # closed after 12


def test_a_queue_forecasts_from_its_imported_contact_history(planned) -> None:  # type: ignore[no-untyped-def]
    # given a queue with no planning history, and 20 contacts at 08:05 on each of the
    # three Mondays before, imported the way `distans import contacts` does (the rows
    # and the reports' interval aggregate)
    org, _queue, _client = planned
    skola = make_queue(org, name="Skola", code="skola", weekly_hours=WEEKDAYS_8_TO_12)
    monday = next_monday(org)
    today = monday - dt.timedelta(days=7)
    assert queries.queue_chart(skola, saved_inputs(skola), today, today).demand is None
    lines = ["arrived_at,queue,channel,waited_seconds,outcome"] + [
        f"{(today - dt.timedelta(days=7 * weeks)).isoformat()}T08:05:{second:02d},skola,phone,3,answered"
        for weeks in (1, 2, 3)
        for second in range(20)
    ]
    assert do_import_contacts(org, lines, ZoneInfo(org.time_zone)).imported == 60
    # when
    chart = queries.queue_chart(skola, saved_inputs(skola), today, today)
    # then the Monday 08:00 interval is forecast from them
    assert {r["start"]: r for r in chart.rows}["08:00"]["contacts"] == pytest.approx(20, rel=0.1)


def test_today_so_far_replaces_the_forecast_and_reforecasts_the_rest(planned) -> None:  # type: ignore[no-untyped-def]
    # given a Monday whose morning until 10:00 had twice the usual contacts, live
    org, queue, _client = planned
    monday = next_monday(org)
    zone = ZoneInfo(org.time_zone)
    inputs = saved_inputs(queue)
    plain = queries.queue_chart(queue, inputs, monday, monday - dt.timedelta(days=7))
    now = dt.datetime.combine(monday, dt.time(10, 0), tzinfo=zone)
    # (history is relative to the real today: move it one week on by asking a week early)
    today = monday - dt.timedelta(days=7)
    now = now - dt.timedelta(days=7)
    for minutes in range(8 * 60, 10 * 60, 15):
        usual = 12 if minutes // 60 == 9 else 4
        for _ in range(2 * usual):
            Contact.objects.create(
                organisation=org,
                queue=queue,
                channel="phone",
                status="completed",
                enqueued_at=dt.datetime.combine(
                    today, dt.time(minutes // 60, minutes % 60, 30), tzinfo=zone
                ),
            )
    # when
    updated = queries.queue_chart(queue, inputs, today, today, now)
    # then the morning shows what came and the rest of the day is raised
    rows = {r["start"]: r for r in updated.rows}
    assert rows["09:00"]["contacts"] == 24 and rows["09:00"]["actual"]
    assert not rows["10:00"]["actual"]
    # 64 forecast and 128 seen by 10:00: half the credibility-shrunk ratio carries on
    ratio = (128 + CREDIBILITY_CONTACTS) / (64 + CREDIBILITY_CONTACTS)
    expected = {r["start"]: r for r in plain.rows}["10:00"]["contacts"] * (1 + 0.5 * (ratio - 1))
    assert rows["10:00"]["contacts"] == pytest.approx(expected)
    assert rows["10:00"]["contacts"] > 4.0


def test_a_closed_special_day_is_forecast_closed_and_skipped_in_history(planned) -> None:  # type: ignore[no-untyped-def]
    org, queue, _client = planned
    monday = next_monday(org)
    queue.special_days = {monday.isoformat(): []}
    queue.save()
    demand = queries.queue_chart(queue, saved_inputs(queue), monday, monday - dt.timedelta(days=7))
    assert demand.demand is not None
    assert demand.demand.contacts.sum() == 0


def test_what_if_moves_required_agents_the_expected_way(planned) -> None:  # type: ignore[no-untyped-def]
    org, queue, client = planned
    monday = next_monday(org)
    today = monday - dt.timedelta(days=3)
    base = saved_inputs(queue)

    def peak(**changes: object) -> tuple[float, int, int]:
        data = queries.queue_chart(queue, with_what_if(base, **changes), monday, today)
        row = next(r for r in data.rows if r["start"] == "09:00")
        return row["contacts"], row["required"], row["rostered"]

    contacts, required, rostered = peak()
    assert peak(aht_seconds=480)[1] > required
    assert peak(aht_seconds=120)[1] < required
    assert peak(service_level=0.95)[1] > required
    assert peak(answer_within_seconds=120)[1] <= required
    assert peak(shrinkage=0.3)[2] > rostered
    up = peak(uplift_factor=1.4, uplift_from=monday, uplift_until=monday + dt.timedelta(days=13))
    assert up[0] == pytest.approx(contacts * 1.4)
    assert up[1] > required
    outside = peak(uplift_factor=1.4, uplift_from=monday + dt.timedelta(days=1))
    assert outside[0] == pytest.approx(contacts)

    # Through the page's htmx endpoint: doubling the AHT raises the 09:00 requirement.
    params = {
        "day": monday.isoformat(),
        "service_level_percent": 80,
        "answer_within_seconds": 20,
        "aht_seconds": 480,
        "shrinkage_percent": 0,
        "uplift_percent": 0,
    }
    body = client.get(f"/planning/queues/{queue.pk}/chart/", params).content.decode()
    assert int(_cells(body, "09:00")["required"]) > 6


def test_saving_the_settings_keeps_them(planned) -> None:  # type: ignore[no-untyped-def]
    org, queue, client = planned
    response = client.post(
        f"/planning/queues/{queue.pk}/settings/",
        {
            "service_level_percent": 90,
            "answer_within_seconds": 30,
            "aht_seconds": 300,
            "shrinkage_percent": 25,
            "uplift_percent": 40,
            "uplift_note": "Corona +40 %",
        },
    )
    assert response.status_code == 200
    inputs = saved_inputs(queue)
    assert (inputs.service_level, inputs.aht_seconds, inputs.shrinkage) == (0.9, 300, 0.25)
    assert inputs.uplift_factor == pytest.approx(1.4) and inputs.uplift_note == "Corona +40 %"


def test_only_supervisors_plan(planned) -> None:  # type: ignore[no-untyped-def]
    org, queue, _client = planned
    agent = make_person(org, full_name="Vanlig Agent")
    client = Client()
    client.force_login(agent)
    assert client.get("/planning/").status_code == 403
    assert client.get(f"/planning/queues/{queue.pk}/").status_code == 403
    assert client.get("/planning/my-shifts/").status_code == 200


def test_a_queue_without_history_says_so(planned) -> None:  # type: ignore[no-untyped-def]
    org, _queue, client = planned
    empty = make_queue(org, name="Ny kö", code="ny")
    body = client.get(f"/planning/queues/{empty.pk}/").content.decode()
    assert "ingen historik" in body  # the Swedish default


def test_the_planning_page_speaks_swedish_and_norwegian(planned) -> None:  # type: ignore[no-untyped-def]
    from django.utils import translation
    from django.utils.translation import gettext

    _org, _queue, client = planned
    body = client.get("/planning/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Ta fram ett schema" in body
    with translation.override("nb"):
        assert gettext("Generate a schedule") == "Lag en turnus"


def test_the_admin_lists_only_my_organisation_s_shift_templates() -> None:
    from tests.factories_planning import make_template

    mine, other = make_organisation(), make_organisation()
    make_template(mine, name="Min mall")
    make_template(other, name="Annans mall")
    admin = make_person(mine, is_org_admin=True, is_staff=True)
    client = Client()
    client.force_login(admin)
    body = client.get("/admin/planning/shifttemplate/").content.decode()
    assert "Min mall" in body and "Annans mall" not in body


def test_the_admin_saves_shift_templates_and_availability_through_planning_s_actions() -> None:
    """The admin pages' "save" is planning's actions (the demo uses the same ones): the
    row lands in the admin's organisation and the audit log tells who changed what."""
    from distans.accounts.models import AuditEntry
    from distans.planning.models import Availability, ShiftTemplate

    mine = make_organisation()
    admin = make_person(mine, is_org_admin=True, is_staff=True)
    agent = make_person(mine, is_agent=True)
    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/planning/shifttemplate/add/",
        {
            "name": "Kväll 14–20",
            "length_minutes": "360",
            "earliest_start": "14:00",
            "latest_start": "14:00",
            "start_step_minutes": "30",
            "breaks": "[]",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    template = ShiftTemplate.objects.get(name="Kväll 14–20")
    assert template.organisation_id == mine.pk and template.length_minutes == 360
    response = client.post(
        f"/admin/planning/shifttemplate/{template.pk}/change/",
        {
            "name": "Kväll 14–20",
            "length_minutes": "300",
            "earliest_start": "14:00",
            "latest_start": "15:00",
            "start_step_minutes": "30",
            "breaks": "[]",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    response = client.post(
        "/admin/planning/availability/add/",
        {
            "person": str(agent.pk),
            "min_hours_per_week": "20",
            "max_hours_per_week": "30",
            "weekdays": "[0, 1, 2]",
        },
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert Availability.objects.get(person=agent).max_hours_per_week == 30
    entries = {e.action: e for e in AuditEntry.objects.for_org(mine)}
    assert {"shift_template.created", "shift_template.changed", "availability.created"} <= set(
        entries
    )
    changed = entries["shift_template.changed"]
    assert changed.actor_id == admin.pk
    assert changed.changes["before"]["length_minutes"] == 360
    assert changed.changes["after"]["length_minutes"] == 300
