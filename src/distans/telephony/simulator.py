"""The built-in phone simulator: a fake PBX that drives the same HTTP contract a real
one would (POST a call, poll its route, report answered / ended / abandoned /
callback_requested). Used by the demo traffic and by tests."""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from dataclasses import dataclass

import httpx

_ids = itertools.count(1)


@dataclass
class CallerProfile:
    line: str
    patience_seconds: float
    talk_seconds: float
    wants_callback_after: float | None = None


def swedish_mobile(rng: random.Random) -> str:
    return f"+467{rng.choice('02369')}{rng.randint(1000000, 9999999)}"


async def place_call(
    client: httpx.AsyncClient, profile: CallerProfile, rng: random.Random, stop: asyncio.Event
) -> str:
    """Place one call and play it out; returns how it ended."""
    call_id = f"sim-{uuid.uuid4().hex[:12]}"
    number = swedish_mobile(rng)
    response = await client.post(
        "/api/telephony/calls", json={"call_id": call_id, "line": profile.line, "caller_number": number}
    )
    if response.status_code != 201:
        return f"refused:{response.status_code}"
    waited = 0.0
    while not stop.is_set():
        route = (await client.get(f"/api/telephony/calls/{call_id}/route")).json().get("route", {})
        action = route.get("action")
        if action == "connect":
            await client.post(f"/api/telephony/calls/{call_id}/events", json={"event": "answered"})
            await _sleep(stop, profile.talk_seconds)
            await client.post(f"/api/telephony/calls/{call_id}/events", json={"event": "ended"})
            return "answered"
        if action in ("fallback", "hangup"):
            return str(action)
        if profile.wants_callback_after is not None and waited >= profile.wants_callback_after:
            await client.post(
                f"/api/telephony/calls/{call_id}/events",
                json={"event": "callback_requested", "number": number},
            )
            return "callback"
        if waited >= profile.patience_seconds:
            await client.post(f"/api/telephony/calls/{call_id}/events", json={"event": "abandoned"})
            return "abandoned"
        await _sleep(stop, 1.0)
        waited += 1.0
    return "stopped"


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
