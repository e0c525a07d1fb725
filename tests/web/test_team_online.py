from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client
from tests.factories import make_organisation, make_person, make_team

from distans.realtime import actions
from distans.realtime.groups import team_group

pytestmark = pytest.mark.django_db


def test_team_page_lists_only_my_team_with_online_first(client: Client) -> None:
    org = make_organisation()
    mine, other = make_team(org), make_team(org)
    me = make_person(org, full_name="Mia Mittlag", team=mine)
    mate = make_person(org, full_name="Mats Mittlag", team=mine)
    stranger = make_person(org, full_name="Sven Annatlag", team=other)
    actions.do_open_connection(mate, "chan-1")
    actions.do_open_connection(stranger, "chan-2")
    client.force_login(me)
    body = client.get("/team/online/").content.decode()
    assert "Sven Annatlag" not in body
    assert body.index("Mats Mittlag") < body.index("Mia Mittlag")
    assert f'data-person="{mate.pk}" data-online="true"' in body
    assert f'data-person="{me.pk}" data-online="false"' in body


def test_supervisor_without_team_sees_everyone_in_teams(client: Client) -> None:
    org = make_organisation()
    team = make_team(org)
    boss = make_person(org, is_supervisor=True)
    worker = make_person(org, full_name="Wilma Arbetare", team=team)
    actions.do_open_connection(worker, "chan-w")
    client.force_login(boss)
    body = client.get("/team/online/").content.decode()
    assert f'data-person="{worker.pk}" data-online="true"' in body


def test_closing_a_connection_makes_the_person_offline(client: Client) -> None:
    org = make_organisation()
    team = make_team(org)
    me = make_person(org, team=team)
    mate = make_person(org, team=team)
    actions.do_open_connection(mate, "chan-x")
    actions.do_close_connection(mate, "chan-x")
    client.force_login(me)
    assert f'data-person="{mate.pk}" data-online="false"' in client.get("/team/online/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_presence_event_is_published_only_after_commit() -> None:
    org = make_organisation()
    team = make_team(org)
    mate = make_person(org, team=team)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(team_group(team.pk), channel)
    from django.db import transaction

    with transaction.atomic():
        actions.do_open_connection(mate, "chan-y")
        # Nothing is sent while the transaction is open.
        with pytest.raises(TimeoutError):
            async_to_sync(_receive_with_timeout)(layer, channel, 0.2)
    message = async_to_sync(_receive_with_timeout)(layer, channel, 2.0)
    assert message["event"]["kind"] == "presence"
    assert message["event"]["person_id"] == mate.pk


async def _receive_with_timeout(layer, channel: str, seconds: float):  # type: ignore[no-untyped-def]
    import asyncio

    return await asyncio.wait_for(layer.receive(channel), timeout=seconds)


def test_a_colleague_at_work_without_a_page_open_is_not_logged_out(client: Client) -> None:
    """Presence comes from routing too: a busy colleague (on the phone, or one of the
    demo's simulated agents) has no page open but is not "logged out"; the list says
    what they are doing, in the reader's language."""
    from tests.factories import make_agent, make_queue

    org = make_organisation()
    team = make_team(org)
    me = make_person(org, team=team)
    busy = make_agent(org, [make_queue(org)], presence="busy", full_name="Bea Upptagen", team=team)
    away = make_agent(org, [], presence="offline", full_name="Olle Utloggad", team=team)
    client.force_login(me)  # Swedish
    body = client.get("/team/online/").content.decode()
    assert f'data-person="{busy.pk}" data-online="true"' in body
    assert f'data-person="{away.pk}" data-online="false"' in body
    line = body[body.index("Bea Upptagen") :].split("</li>")[0]
    assert "Upptagen" in line.replace("Bea Upptagen", "") and "utloggad" not in line
