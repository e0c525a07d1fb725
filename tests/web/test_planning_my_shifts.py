"""An agent's own shifts on the desktop, and the break reminder (scheduled breaks and
long stretches without a pause; never while on a call)."""

from __future__ import annotations

import datetime as dt

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client
from django.utils import timezone
from tests.factories import make_agent, make_organisation, make_queue
from tests.factories_planning import local_today, make_schedule, make_settings, make_shift

from distans.contacts.models import Contact
from distans.planning import actions
from distans.planning.models import ShiftBreak
from distans.realtime.groups import person_group
from distans.routing.models import AgentState, RoutingEvent

pytestmark = pytest.mark.django_db


def _listen(person):  # type: ignore[no-untyped-def]
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(person_group(person.pk), channel)
    return layer, channel


def _drain(layer, channel) -> list[dict]:  # type: ignore[no-untyped-def]
    import asyncio

    async def take() -> list[dict]:
        events = []
        while True:
            try:
                events.append((await asyncio.wait_for(layer.receive(channel), 0.05))["event"])
            except TimeoutError:
                return events

    return async_to_sync(take)()


@pytest.fixture
def team():  # type: ignore[no-untyped-def]
    org = make_organisation(time_zone="Europe/Stockholm")
    queue = make_queue(org)
    anna = make_agent(org, [queue], presence="available", full_name="Anna A", language="en")
    bert = make_agent(org, [queue], presence="available", full_name="Bert B")
    return org, queue, anna, bert


def test_my_shifts_shows_only_my_published_shifts_with_the_next_break(team) -> None:  # type: ignore[no-untyped-def]
    org, _queue, anna, bert = team
    now = timezone.now().replace(second=0, microsecond=0)
    published = make_schedule(org, local_today(org) - dt.timedelta(days=local_today(org).weekday()))
    draft = make_schedule(org, published.week_start, status="draft")
    make_shift(
        published,
        anna,
        now - dt.timedelta(hours=1),
        now + dt.timedelta(hours=3),
        [
            ("break", now - dt.timedelta(minutes=30), now - dt.timedelta(minutes=15)),
            ("lunch", now + dt.timedelta(hours=1), now + dt.timedelta(minutes=90)),
        ],
    )
    make_shift(
        published, bert, now + dt.timedelta(days=1, minutes=7), now + dt.timedelta(days=1, hours=4)
    )
    make_shift(
        draft, anna, now + dt.timedelta(days=2, minutes=11), now + dt.timedelta(days=2, hours=4)
    )
    client = Client()
    client.force_login(anna)

    body = client.get("/planning/my-shifts/").content.decode()

    local = timezone.localtime
    assert local(now - dt.timedelta(hours=1)).strftime("%H:%M") in body
    assert local(now + dt.timedelta(days=1, minutes=7)).strftime("%H:%M") not in body  # Bert's
    assert local(now + dt.timedelta(days=2, minutes=11)).strftime("%H:%M") not in body  # a draft
    next_break = body.split('class="next-break"')[1].split("</li>")[0]
    assert (
        local(now + dt.timedelta(hours=1)).strftime("%H:%M") in next_break
    )  # the lunch, not the past break


def test_a_scheduled_break_is_announced_once_and_not_during_a_call(
    team, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    org, queue, anna, _bert = team
    now = timezone.now()
    schedule = make_schedule(org, local_today(org) - dt.timedelta(days=local_today(org).weekday()))
    make_shift(
        schedule,
        anna,
        now - dt.timedelta(hours=2),
        now + dt.timedelta(hours=2),
        [("lunch", now - dt.timedelta(minutes=1), now + dt.timedelta(minutes=29))],
    )
    call = Contact.objects.create(
        organisation=org, queue=queue, channel="phone", status="active", agent=anna
    )
    layer, channel = _listen(anna)

    with django_capture_on_commit_callbacks(execute=True):
        assert actions.do_remind_scheduled_breaks(now) == 0  # on the phone: wait
    assert _drain(layer, channel) == []
    assert ShiftBreak.objects.get().reminded_at is None

    call.status = "completed"
    call.save()
    AgentState.objects.filter(person=anna).update(presence="break")
    assert actions.do_remind_scheduled_breaks(now + dt.timedelta(minutes=1)) == 0  # pausing already
    AgentState.objects.filter(person=anna).update(presence="available")
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.do_remind_scheduled_breaks(now + dt.timedelta(minutes=2)) == 1
    events = _drain(layer, channel)
    assert [e["kind"] for e in events] == ["break_due"]
    assert events[0]["reason"] == "scheduled" and "lunch" in events[0]["message"]
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.do_remind_scheduled_breaks(now + dt.timedelta(minutes=3)) == 0  # once


def test_a_draft_schedule_reminds_nobody(team) -> None:  # type: ignore[no-untyped-def]
    org, _queue, anna, _bert = team
    now = timezone.now()
    schedule = make_schedule(org, local_today(org), status="draft")
    make_shift(
        schedule,
        anna,
        now - dt.timedelta(hours=1),
        now + dt.timedelta(hours=1),
        [("break", now - dt.timedelta(minutes=1), now + dt.timedelta(minutes=14))],
    )
    assert actions.do_remind_scheduled_breaks(now) == 0


def _handled(org, person, minutes_ago: int, name: str = "accepted", **data) -> None:  # type: ignore[no-untyped-def]
    RoutingEvent.objects.create(
        organisation=org,
        name=name,
        agent_id=person.pk,
        at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        data=data,
    )


def test_long_handling_without_a_pause_is_reminded_but_not_on_a_call(
    team, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    org, queue, anna, bert = team
    make_settings(org, max_continuous_handling_minutes=90, reminder_repeat_minutes=15)
    _handled(org, anna, 100)
    _handled(org, anna, 80, "completed")
    _handled(org, anna, 10)
    # Bert took a break in between: his stretch began 40 minutes ago.
    _handled(org, bert, 100)
    _handled(org, bert, 50, "agent_state_changed", to="break")
    _handled(org, bert, 40)
    anna_layer, anna_channel = _listen(anna)
    bert_layer, bert_channel = _listen(bert)
    call = Contact.objects.create(
        organisation=org, queue=queue, channel="phone", status="active", agent=anna
    )
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        assert actions.do_remind_continuous_handling(now) == 0  # Anna is on the phone
    call.status = "completed"
    call.save()
    Contact.objects.create(
        organisation=org, queue=queue, channel="email", status="active", agent=anna
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.do_remind_continuous_handling(now) == 1  # an e-mail does not stop it

    events = _drain(anna_layer, anna_channel)
    assert [e["kind"] for e in events] == ["break_due"]
    assert events[0]["reason"] == "continuous" and events[0]["minutes"] >= 90
    assert "100 minutes" in events[0]["message"] and events[0]["dismiss"]
    assert _drain(bert_layer, bert_channel) == []
    with django_capture_on_commit_callbacks(execute=True):  # not again within 15 minutes
        assert actions.do_remind_continuous_handling(now + dt.timedelta(minutes=5)) == 0
        assert actions.do_remind_continuous_handling(now + dt.timedelta(minutes=16)) == 1


def test_the_periodic_job_is_registered() -> None:
    from distans.background import registered_jobs

    job = next(j for j in registered_jobs() if j.name.endswith("planning.tasks.remind_breaks"))
    assert job.interval_seconds == 60
