"""Real SIP calls through the gateway (Kamailio + rtpengine) with baresip as the caller
and as the agent's SIP phone."""

from __future__ import annotations

import array
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from tests.factories import make_agent
from tests.telephony.sipphone import Baresip, loudness, seconds_of, tone, wait_for

from distans.routing import actions as routing
from distans.routing.models import AgentState, Offer
from distans.telephony.models import Call

pytestmark = [pytest.mark.sip, pytest.mark.django_db(transaction=True)]


def caller(gateway: dict[str, Any], name: str = "caller") -> Baresip:
    tmp = gateway["tmp"]
    return Baresip(
        tmp / name, "<sip:0701234567@127.0.0.1>;regint=0", tone(tmp / f"{name}-in.wav", 60, 440)
    )


def tolerant(read: Callable[[], Any]) -> Any:
    """A read from the test's thread while the live server's threads write: the shared
    in-memory SQLite test database answers "table is locked" at once (None then)."""
    try:
        return read()
    except OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return None


def call_state() -> str | None:
    return tolerant(lambda: Call.objects.values_list("state", flat=True).first())


def queue_uri(gateway: dict[str, Any]) -> str:
    return f"sip:4655510010@127.0.0.1:{gateway['config'].sip_port}"


def diagnose(gateway: dict[str, Any], *phones: Baresip) -> str:
    return "\n".join(
        [gateway["log"].read_text(errors="replace")[-6000:], *(p.text()[-3000:] for p in phones)]
    )


def test_a_caller_hears_the_greeting_and_hanging_up_while_waiting_is_abandoned(
    gateway: dict[str, Any],
) -> None:
    phone = caller(gateway)
    try:
        phone.dial(queue_uri(gateway))
        assert wait_for(lambda: call_state() is not None, 10), diagnose(gateway, phone)
        call = Call.objects.get()
        assert call.contact.channel == "phone" and call.contact.queue == gateway["queue"]
        assert call.caller_number == "0701234567"
        assert wait_for(lambda: seconds_of(phone.record) > 4, 15), diagnose(gateway, phone)
        assert loudness(phone.record) > 300, "the caller heard silence, not the greeting"
        phone.hangup()
        assert wait_for(lambda: call_state() == "abandoned", 10), diagnose(gateway, phone)
        call.contact.refresh_from_db()
        assert call.contact.status == "abandoned"
    finally:
        phone.stop()


def crossings_per_second(path: Path, last_seconds: float = 1.0) -> float:
    """Zero crossings per second over the recording's last second: twice a pure tone's
    frequency, so the agent's 880 Hz is told apart from the greeting or music."""
    raw = path.read_bytes()[44:]
    samples = array.array("h", raw[len(raw) - int(16000 * last_seconds) // 2 * 2 :])
    crossings = sum(1 for a, b in zip(samples, samples[1:], strict=False) if (a < 0) != (b < 0))
    return crossings / last_seconds


def patiently(action: Callable[[], object]) -> None:
    """The live server's threads share the in-memory SQLite test database, which
    answers "table is locked" at once instead of waiting: try again."""
    for _ in range(50):
        try:
            action()
            return
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.1)
    action()


def agent_phone(
    gateway: dict[str, Any], person_id: int, name: str = "agent", frequency: int = 880
) -> Baresip:
    config = gateway["config"]
    user = f"agent-{person_id}"
    account = (
        f"<sip:{user}@{config.domain}>;auth_user={user};auth_pass={config.password(user)}"
        f';outbound="sip:127.0.0.1:{config.sip_port}";regint=300;answermode=auto'
    )
    tmp = gateway["tmp"]
    return Baresip(tmp / name, account, tone(tmp / f"{name}-in.wav", 60, frequency))


def test_an_agent_accepts_the_call_audio_flows_both_ways_and_hanging_up_ends_it(
    gateway: dict[str, Any],
) -> None:
    agent = make_agent(gateway["org"], [gateway["queue"]])
    AgentState.objects.filter(person=agent).update(endpoint_sip=gateway["config"].aor(agent.pk))
    desk = agent_phone(gateway, agent.pk)
    phone = caller(gateway)
    try:
        assert wait_for(lambda: "200 OK" in desk.text(), 10), diagnose(gateway, desk)
        phone.dial(queue_uri(gateway))
        assert wait_for(lambda: call_state() is not None, 10), diagnose(gateway, phone)
        assert wait_for(lambda: seconds_of(phone.record) > 2, 15), diagnose(gateway, phone)
        patiently(lambda: routing.do_set_presence(agent, "available"))
        assert wait_for(lambda: tolerant(lambda: Offer.objects.filter(agent=agent).exists()), 10)
        routing.do_accept_offer(agent, Offer.objects.get(agent=agent).pk)
        assert wait_for(lambda: call_state() == "answered", 15), diagnose(gateway, phone, desk)
        # the agent hears the caller (440 Hz) and the caller hears the agent (880 Hz)
        assert wait_for(lambda: seconds_of(desk.record) > 3, 10), diagnose(gateway, desk)
        assert loudness(desk.record, skip_seconds=1) > 300
        assert 700 < crossings_per_second(desk.record) < 1100, (
            "the agent did not hear the caller's tone"
        )
        assert 1500 < crossings_per_second(phone.record) < 2000, (
            "the caller did not hear the agent's tone"
        )
        phone.hangup()
        assert wait_for(lambda: call_state() == "ended", 10), diagnose(gateway, phone, desk)
    finally:
        phone.stop()
        desk.stop()


def contact_status() -> str | None:
    return tolerant(lambda: Call.objects.values_list("contact__status", flat=True).first())


def test_an_agent_phone_that_does_not_answer_sends_the_call_back_to_the_queue(
    gateway: dict[str, Any],
) -> None:
    """The first agent accepts but their softphone never registered: the call is not
    lost but waits again in its place (the caller hearing the waiting media), the
    agent is set away, and the next agent who accepts gets it."""
    absent = make_agent(gateway["org"], [gateway["queue"]])  # no phone registers for them
    present = make_agent(gateway["org"], [gateway["queue"]])
    AgentState.objects.filter(person=present).update(endpoint_sip=gateway["config"].aor(present.pk))
    desk = agent_phone(gateway, present.pk)
    phone = caller(gateway)
    try:
        assert wait_for(lambda: "200 OK" in desk.text(), 10), diagnose(gateway, desk)
        phone.dial(queue_uri(gateway))
        assert wait_for(lambda: call_state() is not None, 10), diagnose(gateway, phone)
        contact_id = Call.objects.values_list("contact_id", flat=True).get()
        enqueued_at = Call.objects.get().contact.enqueued_at
        patiently(lambda: routing.do_set_presence(absent, "available"))
        assert wait_for(lambda: tolerant(lambda: Offer.objects.filter(agent=absent).exists()), 10)
        routing.do_accept_offer(absent, Offer.objects.get(agent=absent).pk)
        assert wait_for(lambda: call_state() == "queued" and contact_status() == "waiting", 15), (
            diagnose(gateway, phone)
        )
        assert AgentState.objects.get(person=absent).presence == "away"
        contact = Call.objects.get().contact
        assert contact.enqueued_at == enqueued_at and absent.pk in contact.excluded_agent_ids
        assert "not answered, waits again" in gateway["log"].read_text(errors="replace")
        # the caller is still on the line, hearing the waiting media
        heard = seconds_of(phone.record)
        assert wait_for(lambda: seconds_of(phone.record) > heard + 2, 10), diagnose(gateway, phone)
        assert loudness(phone.record, skip_seconds=heard) > 300
        patiently(lambda: routing.do_set_presence(present, "available"))
        assert wait_for(lambda: tolerant(lambda: Offer.objects.filter(agent=present).exists()), 10)
        routing.do_accept_offer(present, Offer.objects.get(agent=present).pk)
        assert wait_for(lambda: call_state() == "answered", 15), diagnose(gateway, phone, desk)
        assert Call.objects.get().contact_id == contact_id
        assert wait_for(lambda: seconds_of(desk.record) > 2, 10), diagnose(gateway, desk)
        assert 1500 < crossings_per_second(phone.record) < 2000, (
            "the caller did not hear the second agent"
        )
        phone.hangup()
        assert wait_for(lambda: call_state() == "ended", 10), diagnose(gateway, phone, desk)
    finally:
        phone.stop()
        desk.stop()


def test_a_call_on_a_day_the_queue_is_closed_hears_the_message_once_and_is_ended(
    gateway: dict[str, Any],
) -> None:
    """Closed today by the queue's one calendar (a special day without hours): the
    caller hears the closed message, then the gateway ends the call (not silence until
    the caller gives up), and the event log says closed, not abandoned."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from distans.routing.models import RoutingEvent

    queue = gateway["queue"]
    today = timezone.now().astimezone(ZoneInfo(gateway["org"].time_zone)).date()
    queue.always_open = False
    queue.weekly_hours = {str(day): [["00:00", "23:59"]] for day in range(7)}
    queue.special_days = {today.isoformat(): []}
    queue.save()
    phone = caller(gateway)
    try:
        phone.dial(queue_uri(gateway))
        assert wait_for(lambda: call_state() is not None, 10), diagnose(gateway, phone)
        contact = Call.objects.get().contact
        assert contact.status == "fallback" and contact.fallback_kind == "closed_message"
        # the gateway ends the call by itself: the caller never hangs up here
        assert wait_for(lambda: call_state() == "ended", 30), diagnose(gateway, phone)
        assert wait_for(lambda: "480" in phone.text(), 5), diagnose(gateway, phone)
        assert seconds_of(phone.record) > 2 and loudness(phone.record) > 300, (
            "the caller did not hear the closed message"
        )
        names = list(RoutingEvent.objects.filter(contact_id=contact.pk).values_list("name", "data"))
        assert any(
            name == "fallback_given" and data.get("kind") == "closed_message"
            for name, data in names
        ), names
        assert not any(name == "abandoned" for name, _ in names), names
        contact.refresh_from_db()
        assert contact.status == "fallback"
    finally:
        phone.stop()


def test_pressing_1_while_waiting_makes_a_callback_that_keeps_its_place(
    gateway: dict[str, Any],
) -> None:
    """The caller presses 1 (RFC 4733 event to the waiting media): the contact becomes a
    callback with its place in line, the caller hears the confirmation and the gateway
    ends the call; the caller's hanging up is not an abandon."""
    phone = caller(gateway)
    try:
        phone.dial(queue_uri(gateway))
        assert wait_for(lambda: call_state() is not None, 10), diagnose(gateway, phone)
        enqueued_at = Call.objects.get().contact.enqueued_at
        assert wait_for(lambda: seconds_of(phone.record) > 2, 15), diagnose(gateway, phone)
        phone.command("sndcode", "1")
        assert wait_for(lambda: call_state() == "callback", 15), diagnose(gateway, phone)
        heard = seconds_of(phone.record)
        assert wait_for(lambda: "480" in phone.text(), 30), diagnose(gateway, phone)
        assert seconds_of(phone.record) > heard + 2, "the caller heard no confirmation"
        time.sleep(1)  # the gateway's `ended` changes nothing
        call = Call.objects.get()
        assert call.state == "callback" and call.callback_number == "0701234567"
        assert call.contact.channel == "callback" and call.contact.status == "waiting"
        assert call.contact.enqueued_at == enqueued_at
    finally:
        phone.stop()


def test_an_agent_transfers_a_connected_call_to_a_colleague_who_gets_it_with_audio(
    gateway: dict[str, Any],
) -> None:
    """Agent 1 answers, then puts the call through to agent 2 from the desk (routing's
    transfer to a person). Agent 2 is offered the call and accepts; the gateway REFERs
    the caller to agent 2's phone and hangs up agent 1. The caller and agent 2 hear each
    other, the call stays the same contact (answered, then ended by the caller)."""
    first = make_agent(gateway["org"], [gateway["queue"]])
    second = make_agent(gateway["org"], [gateway["queue"]])
    for agent in (first, second):
        AgentState.objects.filter(person=agent).update(endpoint_sip=gateway["config"].aor(agent.pk))
    desk1 = agent_phone(gateway, first.pk, "agent1", 880)
    desk2 = agent_phone(gateway, second.pk, "agent2", 660)
    phone = caller(gateway)
    try:
        assert wait_for(lambda: "200 OK" in desk1.text() and "200 OK" in desk2.text(), 10)
        phone.dial(queue_uri(gateway))
        assert wait_for(lambda: call_state() is not None, 10), diagnose(gateway, phone)
        contact_id = Call.objects.values_list("contact_id", flat=True).get()
        patiently(lambda: routing.do_set_presence(first, "available"))
        assert wait_for(lambda: tolerant(lambda: Offer.objects.filter(agent=first).exists()), 10)
        routing.do_accept_offer(first, Offer.objects.get(agent=first).pk)
        assert wait_for(lambda: call_state() == "answered", 15), diagnose(gateway, phone, desk1)
        assert wait_for(lambda: seconds_of(desk1.record) > 2, 10), diagnose(gateway, desk1)
        assert 1500 < crossings_per_second(phone.record) < 2000, "the caller did not hear agent 1"

        patiently(lambda: routing.do_transfer_contact(first, contact_id, to_person=second))
        patiently(lambda: routing.do_set_presence(second, "available"))
        assert wait_for(lambda: tolerant(lambda: Offer.objects.filter(agent=second).exists()), 10)
        routing.do_accept_offer(second, Offer.objects.get(agent=second).pk)
        assert wait_for(lambda: seconds_of(desk2.record) > 3, 20), diagnose(gateway, phone, desk1, desk2)
        assert f"transferred to sip:agent-{second.pk}@" in gateway["log"].read_text(errors="replace")
        # agent 2 hears the caller (440 Hz), the caller hears agent 2 (660 Hz)
        assert loudness(desk2.record, skip_seconds=1) > 300
        assert 700 < crossings_per_second(desk2.record) < 1100, "agent 2 did not hear the caller"
        assert wait_for(lambda: 1150 < crossings_per_second(phone.record) < 1500, 10), (
            "the caller did not hear agent 2"
        )
        assert wait_for(lambda: call_state() == "answered", 10), diagnose(gateway, phone, desk2)
        # agent 1 was hung up
        assert wait_for(lambda: "BYE" in desk1.text() or "closed" in desk1.text(), 10), desk1.text()
        call = Call.objects.get()
        assert call.contact_id == contact_id and call.contact.agent_id == second.pk
        phone.hangup()
        assert wait_for(lambda: call_state() == "ended", 10), diagnose(gateway, phone, desk2)
    finally:
        phone.stop()
        desk1.stop()
        desk2.stop()


def test_the_switchboard_puts_a_connected_call_through_to_a_colleagues_number(
    gateway: dict[str, Any],
) -> None:
    """The agent puts the call through (blind) to a number: a colleague's phone number,
    which the gateway reaches at their softphone. The caller is REFERred there and
    hears them; the agent is hung up and their contact is done (`transferred`)."""
    from distans.telephony import actions as telephony

    first = make_agent(gateway["org"], [gateway["queue"]])
    second = make_agent(gateway["org"], [gateway["queue"]])
    second.phone = "+46 70 999 00 02"
    second.save(update_fields=["phone"])
    for agent in (first, second):
        AgentState.objects.filter(person=agent).update(endpoint_sip=gateway["config"].aor(agent.pk))
    desk1 = agent_phone(gateway, first.pk, "agent1", 880)
    desk2 = agent_phone(gateway, second.pk, "agent2", 660)
    phone = caller(gateway)
    try:
        assert wait_for(lambda: "200 OK" in desk1.text() and "200 OK" in desk2.text(), 10)
        phone.dial(queue_uri(gateway))
        assert wait_for(lambda: call_state() is not None, 10), diagnose(gateway, phone)
        patiently(lambda: routing.do_set_presence(first, "available"))
        assert wait_for(lambda: tolerant(lambda: Offer.objects.filter(agent=first).exists()), 10)
        routing.do_accept_offer(first, Offer.objects.get(agent=first).pk)
        assert wait_for(lambda: call_state() == "answered", 15), diagnose(gateway, phone, desk1)
        assert wait_for(lambda: seconds_of(desk1.record) > 2, 10), diagnose(gateway, desk1)

        patiently(lambda: telephony.do_request_transfer(Call.objects.get(), first, "blind", "+46709990002"))
        assert wait_for(lambda: call_state() == "transferred", 15), diagnose(gateway, phone, desk1)
        assert wait_for(lambda: seconds_of(desk2.record) > 3, 20), diagnose(gateway, phone, desk2)
        assert 700 < crossings_per_second(desk2.record) < 1100, "the colleague did not hear the caller"
        assert wait_for(lambda: 1150 < crossings_per_second(phone.record) < 1500, 10), (
            "the caller did not hear the colleague"
        )
        call = Call.objects.get()
        assert call.transfer_number == "+46709990002"
        assert call.contact.status != "active" and call.contact.topic == "transferred"
        phone.hangup()
        time.sleep(1)
        assert call_state() == "transferred"
    finally:
        phone.stop()
        desk1.stop()
        desk2.stop()
