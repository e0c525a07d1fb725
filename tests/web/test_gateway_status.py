"""The gateway's health as Distans records and shows it (issue #21 point 4), with the
gateway's answers stubbed: the real gateway's restart is in tests/telephony."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.factories import make_agent, make_organisation, make_person, make_queue

from distans.routing import actions as routing
from distans.routing.models import Offer, RoutingEvent
from distans.telephony import actions as telephony
from distans.telephony.gateway.config import GatewayConfig
from distans.telephony.gateway.health import Health
from distans.telephony.gateway_status import do_watch_gateway, status
from distans.telephony.models import Call, Line

pytestmark = pytest.mark.django_db


@pytest.fixture
def watched(settings: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any) -> Any:
    org = make_organisation(time_zone="Europe/Stockholm")
    queue = make_queue(org, code="kundtjanst")
    Line.objects.create(organisation=org, number="100", name="Kundtjänst", queue=queue)
    settings.DISTANS_TELEPHONY_GATEWAY_DIR = str(tmp_path)
    settings.DISTANS_TELEPHONY_ADAPTER = "distans.telephony.adapters.base.PollingAdapter"
    GatewayConfig(directory=str(tmp_path), organisation_id=org.pk).save()
    answers: list[Health] = []

    def watch(health: Health) -> Any:
        answers.append(health)
        with django_capture_on_commit_callbacks(execute=True):
            return do_watch_gateway(check=lambda config: answers[-1])

    return org, queue, watch, django_capture_on_commit_callbacks


def names(org: Any) -> list[str]:
    return list(
        RoutingEvent.objects.filter(organisation=org, name__startswith="gateway_").values_list(
            "name", flat=True
        )
    )


def test_down_and_up_are_logged_once_each_and_the_wallboard_says_so(watched: Any) -> None:
    org, _, watch, _ = watched
    started = int(timezone.now().timestamp()) - 600
    supervisor = make_person(org, is_agent=False, is_supervisor=True)
    client = Client()
    client.force_login(supervisor)
    assert watch(Health(True, True, started)).up
    assert "Phone gateway" not in client.get("/wallboard/gateway/").content.decode()
    watch(Health(False, True))
    watch(Health(False, False))
    assert names(org) == ["gateway_up", "gateway_down"]
    html = client.get("/wallboard/gateway/").content.decode()
    assert "wb-gateway-down" in html
    # a gateway that answers again with the same start time was only unreachable
    again = watch(Health(True, True, started))
    assert again.up and not again.restarted
    assert "Phone gateway" not in client.get("/wallboard/gateway/").content.decode()
    back = watch(Health(True, True, started + 300))
    assert back.up and back.restarted
    assert names(org) == ["gateway_up", "gateway_down", "gateway_up", "gateway_up"]
    html = client.get("/wallboard/gateway/").content.decode()
    assert "wb-gateway-up" in html
    # the reports' fold (the queue table) passes over the gateway's events
    assert client.get("/wallboard/queues/").status_code == 200


def test_the_wallboard_says_it_in_swedish_with_the_time(watched: Any) -> None:
    org, _, watch, _ = watched
    watch(Health(False, True))
    supervisor = make_person(org, is_agent=False, is_supervisor=True, language="sv")
    client = Client()
    client.force_login(supervisor)
    html = client.get("/wallboard/gateway/", headers={"Accept-Language": "sv"}).content.decode()
    since = status(org.pk).since
    from zoneinfo import ZoneInfo

    local = since.astimezone(ZoneInfo("Europe/Stockholm")).strftime("%H:%M")
    assert f"Telefonservern: nere sedan {local}" in html, html


def test_after_a_restart_the_calls_the_gateway_lost_are_ended_with_a_reason(watched: Any) -> None:
    org, queue, watch, capture = watched
    started = timezone.now() - timedelta(minutes=1)
    watch(Health(True, True, int(started.timestamp()) - 3600))

    def arrive(call_id: str) -> Call:
        with capture(execute=True):
            return telephony.do_receive_call(org.pk, "100", "0701234567", call_id)

    being_connected, parked, simulated, waiting, new = (
        arrive("a" * 32),
        arrive("b" * 32),
        arrive("sim-123"),
        arrive("c" * 32),
        arrive("d" * 32),
    )
    agent = make_agent(org, [queue])
    with capture(execute=True):
        routing.do_set_presence(agent, "available")
    offer = Offer.objects.get(agent=agent)
    assert offer.contact_id == being_connected.contact_id  # the first in line
    Call.objects.filter(
        pk__in=[c.pk for c in (being_connected, parked, simulated, waiting, new)]
    ).update(created_at=started - timedelta(seconds=30))
    Call.objects.filter(pk=new.pk).update(created_at=timezone.now())
    with capture(execute=True):
        routing.do_accept_offer(agent, offer.pk)
    Call.objects.filter(pk=being_connected.pk).update(
        state="connecting", updated_at=started - timedelta(seconds=5)
    )
    # the gateway comes back as a new Kamailio holding only "b…" parked
    back = watch(Health(True, True, int(started.timestamp()), frozenset({"b" * 32})))
    assert back.restarted
    states = dict(Call.objects.values_list("call_id", "state"))
    assert states["a" * 32] == "ended"  # being connected: completed for its agent
    assert states["b" * 32] == "queued"  # still parked
    assert states["sim-123"] == "queued"  # not a gateway call
    assert states["c" * 32] == "abandoned"
    assert states["d" * 32] == "queued"  # arrived after the gateway started
    abandoned = RoutingEvent.objects.get(name="abandoned", contact_id=waiting.contact_id)
    assert abandoned.data["reason"] == "gateway_restarted"
    completed = RoutingEvent.objects.get(name="completed", contact_id=being_connected.contact_id)
    assert completed.data["topic"] == "gateway_restarted"
