"""Live demo traffic: simulated people and customers using the running server through
its real front doors (HTTP login, websockets, and the channel adapters), never by
writing to the database.

Run by ``distans demo`` as a child process; stops on SIGTERM/SIGINT.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
from collections.abc import Awaitable, Callable
from datetime import datetime

import httpx

from distans.demo import clock

logger = logging.getLogger("distans.demo.traffic")

# Generators register here; each gets the base URL and a stop event.
GENERATORS: list[Callable[[str, asyncio.Event], Awaitable[None]]] = []


async def login(client: httpx.AsyncClient, email: str, password: str) -> None:
    page = await client.get("/account/login/")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    token = match.group(1) if match else ""
    response = await client.post(
        "/account/login/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{client.base_url}/account/login/"},
    )
    if response.status_code not in (200, 302) or "sessionid" not in client.cookies:
        raise RuntimeError(f"demo login failed for {email}")


# Called before the event loop starts (the ORM is synchronous): what generators read.
PREPARERS: list[Callable[[], None]] = []


def _discover_generators() -> None:
    """Apps add traffic in ``distans.<app>.demo_traffic`` with ``async def generate(base_url, stop)``
    (and, optionally, ``def prepare()`` to read what they need before the loop starts)."""
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        if not config.name.startswith("distans."):
            continue
        try:
            module = import_module(f"{config.name}.demo_traffic")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo_traffic":
                raise
            continue
        if module.generate not in GENERATORS:
            GENERATORS.append(module.generate)
        prepare = getattr(module, "prepare", None)
        if prepare is not None and prepare not in PREPARERS:
            PREPARERS.append(prepare)


async def run_traffic(base_url: str) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    await _wait_until_up(base_url, stop)
    # return_exceptions: at Ctrl-C the server may stop before a generator's last request;
    # that is the end of the demo, not an error worth a traceback.
    results = await asyncio.gather(
        *(generator(base_url, stop) for generator in GENERATORS), return_exceptions=True
    )
    for result in results:
        if isinstance(result, Exception) and not stop.is_set():
            logger.warning("demo traffic generator stopped: %r", result)


def parse_start(text: str, zone: str) -> datetime:
    """``2026-12-07T09:15`` or ``09:15`` (today) in ``zone``."""
    from zoneinfo import ZoneInfo

    local = ZoneInfo(zone)
    if "T" in text or "-" in text:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=local)
    hour, _, minute = text.partition(":")
    return datetime.now(local).replace(hour=int(hour), minute=int(minute or 0), second=0, microsecond=0)


async def _wait_until_up(base_url: str, stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        while not stop.is_set():
            try:
                if (await client.get("/healthz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.3)


def main(base_url: str, speed: float = 1.0, start: str = "") -> None:
    """Run the traffic; ``speed`` and ``start`` (an ISO date and time, or a time of
    today, in the organisation's zone) set the demo clock (:mod:`distans.demo.clock`)."""
    from distans.accounts.models import Organisation
    from distans.demo.data import DEMO_SLUG

    organisation = Organisation.objects.filter(slug=DEMO_SLUG).first()
    zone = organisation.time_zone if organisation else "Europe/Stockholm"
    clock.start(speed, zone, parse_start(start, zone) if start else None)
    _discover_generators()
    for prepare in PREPARERS:
        prepare()
    try:
        asyncio.run(run_traffic(base_url))
    except KeyboardInterrupt:
        pass
