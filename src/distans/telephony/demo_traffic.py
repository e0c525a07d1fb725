"""Demo phone traffic through the telephony contract (the built-in simulator)."""

from __future__ import annotations

import asyncio
import datetime as dt
import random

import httpx

from distans.telephony.demo import LINES
from distans.telephony.simulator import CallerProfile, place_call


def _api_key() -> str:
    from django.conf import settings

    return (settings.VAR_DIR / "demo_api_key").read_text().strip()


async def generate(base_url: str, stop: asyncio.Event) -> None:
    rng = random.Random()
    started = dt.datetime.now(dt.UTC)
    headers = {"Authorization": f"Bearer {_api_key()}"}
    weights = {"vaxel": 3, "allmant": 4, "skola": 2, "bygglov": 1, "corona": 2}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=10) as client:
        tasks: set[asyncio.Task[str]] = set()
        while not stop.is_set():
            minutes = (dt.datetime.now(dt.UTC) - started).total_seconds() / 60
            # A "morning" corona surge: strong enough and long enough for the surge
            # detector to see it in its first 15-minute bin (see topics-reports-service.md).
            surge = 5.0 if 2 <= minutes <= 22 else 1.0
            line_weights = [weights[code] * (surge if code == "corona" else 1.0) for _, _, code in LINES]
            line = rng.choices([n for n, _, _ in LINES], weights=line_weights)[0]
            profile = CallerProfile(
                line=line,
                patience_seconds=rng.uniform(30, 180),
                talk_seconds=rng.lognormvariate(3.6, 0.5),
                wants_callback_after=rng.choice([None, None, None, 45.0]),
            )
            task = asyncio.create_task(place_call(client, profile, rng, stop))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            try:
                await asyncio.wait_for(stop.wait(), timeout=rng.expovariate(1 / 12))
            except TimeoutError:
                pass
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)  # before the client closes
