"""Demo phone traffic through the telephony contract (the built-in simulator).

Calls arrive on each line at the rate of the demo's load profile
(:mod:`distans.demo.load`) for the demo clock's time of day, with a corona surge a few
minutes after the start; callers wait with a patience of their own (some ask for a
callback) and talk about as long as the history says.
"""

from __future__ import annotations

import asyncio
import logging
import random

import httpx

from distans.demo import clock
from distans.demo.load import (
    BY_CODE,
    SURGE_FROM_MINUTES,
    SURGE_PER_HOUR,
    SURGE_UNTIL_MINUTES,
    load_factor,
)
from distans.telephony.demo import LINES
from distans.telephony.simulator import CallerProfile, place_call

logger = logging.getLogger("distans.demo.traffic")


def _api_key() -> str:
    from django.conf import settings

    return (settings.VAR_DIR / "demo_api_key").read_text().strip()


def rates_per_hour(minutes: float, factor: float) -> dict[str, float]:
    """Calls per hour per queue code at ``factor`` of the peak, ``minutes`` into the demo."""
    rates = {code: BY_CODE[code].phone_per_hour * factor for _, _, code in LINES if code in BY_CODE}
    if SURGE_FROM_MINUTES <= minutes <= SURGE_UNTIL_MINUTES and "corona" in rates:
        rates["corona"] += SURGE_PER_HOUR
    return rates


def caller(line: str, code: str, rng: random.Random) -> CallerProfile:
    profile = BY_CODE.get(code)
    return CallerProfile(
        line=line,
        patience_seconds=rng.lognormvariate(4.8, 0.5),  # median ≈ 2 minutes
        talk_seconds=rng.lognormvariate(0, 0.45) * (profile.talk_seconds if profile else 120.0),
        wants_callback_after=90.0 if rng.random() < 0.15 else None,
    )


async def generate(base_url: str, stop: asyncio.Event) -> None:
    rng = random.Random()
    headers = {"Authorization": f"Bearer {_api_key()}"}
    line_of = {code: number for number, _, code in LINES}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=20) as client:
        tasks: set[asyncio.Task[str]] = set()
        while not stop.is_set():
            rates = rates_per_hour(clock.elapsed_minutes(), load_factor(clock.local_now()))
            total = sum(rates.values())
            code = rng.choices(list(rates), weights=list(rates.values()))[0]
            task = asyncio.create_task(
                place_call(client, caller(line_of[code], code, rng), rng, stop, clock.speed())
            )
            tasks.add(task)
            task.add_done_callback(_finished)
            task.add_done_callback(tasks.discard)
            await clock.pause(stop, rng.expovariate(total / 3600))
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # before the client closes


def _finished(task: asyncio.Task[str]) -> None:
    if task.cancelled():
        return
    if task.exception() is not None:
        logger.warning("demo call failed: %r", task.exception())
    elif task.result().startswith("refused:"):  # the server did not take the call
        logger.warning("demo call not placed: %s", task.result())
