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
    client: httpx.AsyncClient,
    profile: CallerProfile,
    rng: random.Random,
    stop: asyncio.Event,
    speed: float = 1.0,
) -> str:
    """Place one call and play it out; returns how it ended.

    The caller's patience, talk and callback times pass ``speed`` times faster (the
    demo clock); the route is polled every real second. A call always ends: when a
    request fails (the server busy or restarting), the simulator tries again, and a
    caller whose call it cannot follow any more hangs up (``abandoned``), so no call
    is left waiting in a queue for ever.
    """
    call_id = f"sim-{uuid.uuid4().hex[:12]}"
    number = swedish_mobile(rng)
    try:
        response = await client.post(
            "/api/telephony/calls",
            json={"call_id": call_id, "line": profile.line, "caller_number": number},
        )
    except httpx.HTTPError:
        return "refused:unreachable"
    if response.status_code != 201:
        return f"refused:{response.status_code}"
    loop = asyncio.get_running_loop()
    started = loop.time()
    failures = 0
    while not stop.is_set():
        waited = (loop.time() - started) * speed
        try:
            route = (await client.get(f"/api/telephony/calls/{call_id}/route")).json()
        except (httpx.HTTPError, ValueError):
            failures += 1
            if failures >= 5:
                break
            await _sleep(stop, 1.0)
            continue
        action = route.get("route", {}).get("action")
        if action == "connect":
            await _event(client, call_id, {"event": "answered"})
            if await _talk(client, call_id, stop, profile.talk_seconds / speed):
                return "transferred"
            await _event(client, call_id, {"event": "ended"})
            return "answered"
        if action in ("fallback", "hangup"):
            return str(action)
        if profile.wants_callback_after is not None and waited >= profile.wants_callback_after:
            await _event(client, call_id, {"event": "callback_requested", "number": number})
            return "callback"
        if waited >= profile.patience_seconds:
            break
        await _sleep(stop, 1.0)
    if stop.is_set():
        return "stopped"
    await _event(client, call_id, {"event": "abandoned"})
    return "abandoned"


async def _talk(client: httpx.AsyncClient, call_id: str, stop: asyncio.Event, seconds: float) -> bool:
    """Talk for ``seconds``, following the route each second: while the agent consults
    the caller waits on hold (the talk time stands still); when the agent puts the
    call through, report ``transferred`` with the number. True when put through."""
    remaining = seconds
    while remaining > 0 and not stop.is_set():
        step = min(1.0, remaining)
        await _sleep(stop, step)
        try:
            route = (await client.get(f"/api/telephony/calls/{call_id}/route")).json().get("route", {})
        except (httpx.HTTPError, ValueError):
            route = {}
        if route.get("action") == "transfer":
            await _event(client, call_id, {"event": "transferred", "number": str(route.get("number", ""))})
            return True
        if route.get("action") != "consult":
            remaining -= step
    return False


async def _event(client: httpx.AsyncClient, call_id: str, event: dict[str, str]) -> None:
    """Report a call event, trying a few times while the server is busy."""
    for attempt in range(4):
        try:
            response = await client.post(f"/api/telephony/calls/{call_id}/events", json=event)
        except httpx.HTTPError:
            await asyncio.sleep(1.0 + attempt)
            continue
        if response.status_code < 500:
            return
        await asyncio.sleep(1.0 + attempt)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
