"""Real SIP calls through the gateway (Kamailio + rtpengine) with baresip as the caller
and as the agent's SIP phone."""

from __future__ import annotations

from typing import Any

import pytest
from tests.telephony.sipphone import Baresip, loudness, seconds_of, tone
from tests.waiting import wait_for

from distans.telephony.models import Call

pytestmark = [pytest.mark.sip, pytest.mark.django_db(transaction=True)]


def caller(gateway: dict[str, Any], name: str = "caller") -> Baresip:
    tmp = gateway["tmp"]
    return Baresip(
        tmp / name, "<sip:0701234567@127.0.0.1>;regint=0", tone(tmp / f"{name}-in.wav", 60, 440)
    )


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
        assert wait_for(lambda: Call.objects.exists(), 10), diagnose(gateway, phone)
        call = Call.objects.get()
        assert call.contact.channel == "phone" and call.contact.queue == gateway["queue"]
        assert call.caller_number == "0701234567"
        assert wait_for(lambda: seconds_of(phone.record) > 4, 15), diagnose(gateway, phone)
        assert loudness(phone.record) > 300, "the caller heard silence, not the greeting"
        phone.hangup()
        assert wait_for(lambda: Call.objects.get().state == "abandoned", 10), diagnose(
            gateway, phone
        )
        call.contact.refresh_from_db()
        assert call.contact.status == "abandoned"
    finally:
        phone.stop()
