"""Simulated colleagues for the demo: they log in over HTTP, go available through the
API, accept offers, take a while, set a topic and finish — like a person on the desk."""

from __future__ import annotations

import asyncio
import random
import re

import httpx

# Topics (paths of the demo's topic tree) by the offer's queue; other queues get the rest.
TOPICS_BY_QUEUE = {
    "corona": ["Corona › Vaccination", "Corona › Skola", "Corona › Företagsstöd"],
    "skola": ["Skola › Skolplikt", "Skola › Sjukanmälan"],
    "bygglov": ["Bygglov"],
}
OTHER_TOPICS = ["Avfall", "Parkering", "Övrigt"]
HUMAN_LOGINS = {"agent", "teamleader"}  # left for the person clicking through the demo


async def _login(client: httpx.AsyncClient, email: str, password: str) -> str:
    page = await client.get("/account/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    await client.post(
        "/account/login/",
        data={"username": email, "password": password, "csrfmiddlewaretoken": token.group(1) if token else ""},
        headers={"Referer": f"{client.base_url}/account/login/"},
    )
    return client.cookies.get("csrftoken", "")


async def colleague(base_url: str, email: str, password: str, stop: asyncio.Event) -> None:
    rng = random.Random(email)
    await _wait(stop, rng.uniform(0, 20))  # people do not all log in in the same second
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        try:
            csrf = await _login(client, email, password)
        except httpx.HTTPError:
            return
        headers = {"X-CSRFToken": csrf, "Referer": f"{base_url}/"}
        await client.post("/api/agent/presence", json={"presence": "available"}, headers=headers)
        while not stop.is_set():
            try:
                offers = (await client.get("/api/agent/offers")).json()
                for offer in offers[:1]:
                    await asyncio.sleep(rng.uniform(1, 6))
                    accepted = await client.post(f"/api/offers/{offer['id']}/accept", headers=headers)
                    if accepted.status_code != 200:
                        continue
                    await _wait(stop, rng.lognormvariate(3.3, 0.5))
                    await client.post(
                        f"/api/contacts/{offer['contact_id']}/complete",
                        json={
                            "topic": rng.choice(TOPICS_BY_QUEUE.get(offer.get("queue", ""), OTHER_TOPICS)),
                            "notes": "",
                        },
                        headers=headers,
                    )
                    await _wait(stop, rng.uniform(3, 10))
                    await client.post("/api/agent/wrap-up/end", headers=headers)
                if rng.random() < 0.002:
                    await client.post("/api/agent/presence", json={"presence": "break", "reason": "break"}, headers=headers)
                    await _wait(stop, rng.uniform(60, 180))
                    await client.post("/api/agent/presence", json={"presence": "available"}, headers=headers)
            except (httpx.HTTPError, ValueError):
                pass
            await _wait(stop, 1.0)
        try:  # log out at the end; the server may already be stopping
            await client.post("/api/agent/presence", json={"presence": "offline"}, headers=headers)
        except httpx.HTTPError:
            pass


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass


async def generate(base_url: str, stop: asyncio.Event) -> None:
    from distans.demo.data import DEMO_PASSWORD, PEOPLE, demo_email

    await asyncio.gather(
        *(
            colleague(base_url, demo_email(p.email), DEMO_PASSWORD, stop)
            for p in PEOPLE
            if "agent" in p.roles and p.email not in HUMAN_LOGINS
        )
    )
