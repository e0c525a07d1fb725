"""Robustness of real calls through the gateway (issue #21 point 4): the gateway
restarting is seen and the calls it lost are ended with a reason; Distans restarting
while a call waits loses nothing; a stale registration does not swallow a call."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from typing import Any

import pytest
from tests.factories import make_agent
from tests.telephony.sipphone import loudness, seconds_of, wait_for
from tests.telephony.test_gateway_calls import (
    agent_phone,
    call_state,
    caller,
    contact_status,
    crossings_per_second,
    diagnose,
    patiently,
    queue_uri,
    tolerant,
)

from distans.routing import actions as routing
from distans.routing.models import AgentState, Offer, RoutingEvent
from distans.telephony import gateway_status
from distans.telephony.gateway import health, runner
from distans.telephony.models import Call

pytestmark = [pytest.mark.sip, pytest.mark.django_db(transaction=True)]


def restart_kamailio(gateway: dict[str, Any]) -> None:
    """Stop Kamailio (its memory of parked calls goes with it) and start it again."""
    processes: list[subprocess.Popen[bytes]] = gateway["processes"]
    runner.stop([processes[1]])
    time.sleep(1.1)  # Kamailio's start time ($Tb) counts whole seconds
    _, command = runner.commands(gateway["config"])
    log = open(gateway["log"], "ab")
    processes[1] = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    assert wait_for(lambda: health.check(gateway["config"], timeout=1).kamailio, 15), diagnose(
        gateway
    )


def events(name: str) -> list[RoutingEvent]:
    return list(RoutingEvent.objects.filter(name=name).order_by("id"))


def test_a_restarted_gateway_is_seen_and_the_calls_it_lost_are_ended_with_a_reason(
    gateway: dict[str, Any],
) -> None:
    config = gateway["config"]
    phone = caller(gateway)
    try:
        phone.dial(queue_uri(gateway))
        assert wait_for(lambda: call_state() == "queued", 10), diagnose(gateway, phone)
        call_id = Call.objects.values_list("call_id", flat=True).get()
        now = health.check(config)
        assert now.up and now.started and call_id in now.parked, now
        seen = patiently_watch()
        assert seen is not None and seen.up and not seen.restarted
        assert call_state() == "queued", "a call the gateway holds was ended"

        processes = gateway["processes"]
        runner.stop([processes[1]])  # Kamailio stops: down
        down = patiently_watch()
        assert down is not None and not down.up
        assert len(events(gateway_status.GATEWAY_DOWN)) == 1
        patiently_watch()
        assert len(events(gateway_status.GATEWAY_DOWN)) == 1, "down is logged once"
        assert call_state() == "queued", "a gateway that does not answer may only be busy"

        restart_kamailio(gateway)
        back = patiently_watch()
        assert back is not None and back.up and back.restarted
        assert wait_for(lambda: call_state() == "abandoned", 10), diagnose(gateway, phone)
        abandoned = [
            e for e in events("abandoned") if e.contact_id == Call.objects.get().contact_id
        ]
        assert abandoned and abandoned[0].data.get("reason") == "gateway_restarted", abandoned
        assert contact_status() == "abandoned"
        assert gateway_status.wallboard_status(gateway["org"].pk) is not None
        # the waiting media the lost call had is gone
        assert not (config.path / "prompts" / "calls" / f"{call_id}.wav").exists()
    finally:
        phone.stop()


def patiently_watch() -> gateway_status.GatewayStatus | None:
    result: list[gateway_status.GatewayStatus | None] = []
    patiently(lambda: result.append(gateway_status.do_watch_gateway()))
    return result[-1]


def test_distans_restarting_while_a_call_waits_loses_nothing(
    gateway: dict[str, Any], live_server: Any
) -> None:
    """The caller waits; Distans stops (its live server goes away) and starts again on
    the same address: the gateway kept the call parked with its waiting media, and
    when an agent accepts after the restart the call is connected."""
    from pytest_django.live_server_helper import LiveServer

    agent = make_agent(gateway["org"], [gateway["queue"]])
    AgentState.objects.filter(person=agent).update(endpoint_sip=gateway["config"].aor(agent.pk))
    desk = agent_phone(gateway, agent.pk)
    phone = caller(gateway)
    address = live_server.url.removeprefix("http://")
    restarted: LiveServer | None = None
    try:
        assert wait_for(lambda: "200 OK" in desk.text(), 10), diagnose(gateway, desk)
        phone.dial(queue_uri(gateway))
        assert wait_for(lambda: call_state() == "queued", 10), diagnose(gateway, phone)
        call_id = Call.objects.values_list("call_id", flat=True).get()
        live_server.thread.terminate()  # Distans is down (the fixture's stop() comes later)
        import httpx

        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://{address}/healthz", timeout=2)
        heard = seconds_of(phone.record)
        time.sleep(3)
        assert call_id in health.check(gateway["config"]).parked, "the gateway let the call go"
        assert seconds_of(phone.record) > heard + 2 and loudness(phone.record, heard) > 300, (
            "the caller did not hear the waiting media while Distans was down"
        )
        # a call arrives while Distans is down: the gateway rings the caller and asks again
        second = caller(gateway, "second")
        try:
            second.dial(queue_uri(gateway))
            assert wait_for(
                lambda: "asking again" in gateway["log"].read_text(errors="replace"), 10
            )
            time.sleep(3)
            assert "503" not in second.text() and "480" not in second.text(), second.text()
            restarted = same_address(LiveServer(address, start=False))
            restarted.start()  # Distans starts again, on the same address
            httpx.get(f"{restarted.url}/healthz", timeout=60)
            # the gateway asked again: the second call waits in the queue, hearing the greeting
            assert wait_for(lambda: tolerant(lambda: Call.objects.count()) == 2, 20), diagnose(
                gateway, second
            )
            assert wait_for(lambda: seconds_of(second.record) > 2, 15), diagnose(gateway, second)
            assert loudness(second.record) > 300
            second.hangup()
            assert wait_for(
                lambda: tolerant(lambda: Call.objects.filter(state="abandoned").count()) == 1, 10
            ), diagnose(gateway, second)
        finally:
            second.stop()
        patiently(lambda: routing.do_set_presence(agent, "available"))
        assert wait_for(lambda: tolerant(lambda: Offer.objects.filter(agent=agent).exists()), 10)
        routing.do_accept_offer(agent, Offer.objects.get(agent=agent).pk)
        assert wait_for(lambda: call_state() == "answered", 15), diagnose(gateway, phone, desk)
        assert wait_for(lambda: seconds_of(desk.record) > 2, 10), diagnose(gateway, desk)
        assert 1500 < crossings_per_second(phone.record) < 2000, (
            "the caller did not hear the agent after Distans restarted"
        )
        phone.hangup()
        assert wait_for(lambda: call_state() == "ended", 10), diagnose(gateway, phone, desk)
    finally:
        phone.stop()
        desk.stop()
        if restarted is None:  # the session's live server serves the next tests
            same_address(LiveServer(address, start=False)).start()


def same_address(server: Any) -> Any:
    """A live server that binds its port again at once (the first one's closed
    connections may leave it in TIME_WAIT)."""
    from django.core.servers.basehttp import WSGIRequestHandler

    thread = server.thread

    def create(connections_override: Any = None) -> Any:
        return thread.server_class(
            (thread.host, thread.port), WSGIRequestHandler, allow_reuse_address=True,
            connections_override=connections_override,
        )  # fmt: skip

    thread._create_server = create
    return server


def test_a_stale_registration_does_not_swallow_the_call(gateway: dict[str, Any]) -> None:
    """The agent's phone registered, then froze (a laptop closed, a tab killed without
    unregistering): its registration stays in the location table but nothing answers
    there. The agent accepts; the INVITE to the stale contact times out, the call
    waits again in its place, the agent is set away and the next agent gets it."""
    stale = make_agent(gateway["org"], [gateway["queue"]])
    present = make_agent(gateway["org"], [gateway["queue"]])
    for person in (stale, present):
        AgentState.objects.filter(person=person).update(
            endpoint_sip=gateway["config"].aor(person.pk)
        )
    frozen = agent_phone(gateway, stale.pk)
    phone = caller(gateway)
    desk = None
    try:
        assert wait_for(lambda: "200 OK" in frozen.text(), 10), diagnose(gateway, frozen)
        os.kill(frozen.process.pid, signal.SIGSTOP)  # registered, then gone silent
        phone.dial(queue_uri(gateway))
        assert wait_for(lambda: call_state() == "queued", 10), diagnose(gateway, phone)
        enqueued_at = Call.objects.get().contact.enqueued_at
        patiently(lambda: routing.do_set_presence(stale, "available"))
        assert wait_for(lambda: tolerant(lambda: Offer.objects.filter(agent=stale).exists()), 10)
        routing.do_accept_offer(stale, Offer.objects.get(agent=stale).pk)
        assert wait_for(lambda: call_state() == "connecting", 5), diagnose(gateway, phone)
        # no answer from the stale contact: tm's fr_timer (5 s without a provisional reply)
        assert wait_for(lambda: call_state() == "queued" and contact_status() == "waiting", 20), (
            diagnose(gateway, phone)
        )
        assert AgentState.objects.get(person=stale).presence == "away"
        contact = Call.objects.get().contact
        assert contact.enqueued_at == enqueued_at and stale.pk in contact.excluded_agent_ids
        # it never wakes (a closed tab, a laptop gone): one that woke and answered late
        # would still be relayed its 200 (docs/dev/telephony.md, not done yet)
        frozen.process.kill()
        frozen.stop()
        desk = agent_phone_in(gateway, present.pk, "agent2")
        assert wait_for(lambda: "200 OK" in desk.text(), 10), diagnose(gateway, desk)
        patiently(lambda: routing.do_set_presence(present, "available"))
        assert wait_for(lambda: tolerant(lambda: Offer.objects.filter(agent=present).exists()), 10)
        routing.do_accept_offer(present, Offer.objects.get(agent=present).pk)
        assert wait_for(lambda: call_state() == "answered", 15), diagnose(gateway, phone, desk)
        assert wait_for(lambda: seconds_of(desk.record) > 2, 10), diagnose(gateway, desk)
        assert 1500 < crossings_per_second(phone.record) < 2000, (
            "the caller did not hear the second agent"
        )
        phone.hangup()
        # after a failed branch the BYE does not match the call's dialog: the gateway
        # reports `ended` from the BYE itself (route BYE_UNMATCHED)
        assert wait_for(lambda: call_state() == "ended", 10), diagnose(gateway, phone, desk)
        assert "a BYE its dialog did not match" in gateway["log"].read_text(errors="replace")
    finally:
        if frozen.process.poll() is None:
            os.kill(frozen.process.pid, signal.SIGCONT)
        frozen.stop()
        phone.stop()
        if desk is not None:
            desk.stop()


def agent_phone_in(gateway: dict[str, Any], person_id: int, folder: str) -> Any:
    """An agent's SIP phone in a folder of its own (a second agent beside the first)."""
    from tests.telephony.sipphone import Baresip, tone

    config = gateway["config"]
    user = f"agent-{person_id}"
    account = (
        f"<sip:{user}@{config.domain}>;auth_user={user};auth_pass={config.password(user)}"
        f';outbound="sip:127.0.0.1:{config.sip_port}";regint=300;answermode=auto'
    )
    tmp = gateway["tmp"]
    return Baresip(tmp / folder, account, tone(tmp / f"{folder}-in.wav", 60, 880))
