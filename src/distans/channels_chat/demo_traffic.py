"""Simulated website visitors for the demo, and the simulated colleagues answering them.

Each visitor reads the demo page's widget key, opens
the chat websocket like the browser widget does (same Origin), asks a Swedish question,
waits in the queue, reads the answer and leaves — sometimes before being answered.
Mornings bring a surge of corona questions."""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import os
import random
import re

import httpx
import websockets

from distans.demo import clock

CORONA_QUESTIONS = [
    "Var kan jag vaccinera mig mot covid-19?",
    "Hur bokar jag tid för vaccination?",
    "Måste jag boka tid eller kan jag bara komma till vaccinationen?",
    "Jag har fått en kallelse till dos tre, vad gör jag nu?",
    "Hur länge ska jag stanna hemma om jag har symtom?",
    "Var kan jag testa mig för corona?",
    "Får mitt barn gå till förskolan om hon är snuvig?",
    "Behöver jag ha munskydd på bussen?",
    "Gäller restriktionerna fortfarande för äldreboenden?",
    "Kan jag besöka min mamma på äldreboendet?",
    "Hur får jag mitt vaccinationsbevis?",
    "Jag har tappat bort mitt vaccinationskort, vad gör jag?",
    "Vilka biverkningar kan man få av vaccinet?",
    "Är det säkert att vaccinera sig om man är gravid?",
    "Min son har testat positivt, ska hela familjen stanna hemma?",
    "Hur många får vara på en begravning just nu?",
    "Är simhallen öppen trots pandemin?",
    "Får jag smitta andra efter att jag blivit vaccinerad?",
    "Vad gäller för distansundervisning på gymnasiet?",
    "Kan jag få hjälp med att handla mat när jag är i karantän?",
    "Jag är över 70, när får jag min påfyllnadsdos?",
    "Behöver jag PCR-test innan jag reser utomlands?",
    "Hur vet jag om jag har corona eller vanlig förkylning?",
    "Har kommunen något hemtjänststöd för dem som är isolerade?",
]
OTHER_QUESTIONS = [
    "Hur ansöker jag om bygglov för ett attefallshus?",
    "När töms soptunnorna i Norrby?",
    "Hur säger jag upp min förskoleplats?",
    "Var hittar jag blanketten för parkeringstillstånd?",
    "Kan jag få hjälp att fylla i ansökan om bostadsanpassning?",
    "Vilka öppettider har biblioteket i helgen?",
    "Jag vill klaga på snöröjningen på min gata.",
    "Hur byter jag skola för mitt barn?",
    "Vart vänder jag mig om grannens hund skäller hela dagarna?",
    "Hur mycket kostar det att hyra idrottshallen?",
]
ANSWERS = [
    (
        "vaccin",
        "Du bokar tid för vaccination på 1177.se eller via telefon 1177. Ta med legitimation.",
    ),
    (
        "dos",
        "Kallelsen gäller; boka en tid på 1177.se som passar dig. Påfyllnadsdosen ges tidigast fyra månader efter förra dosen.",
    ),
    ("test", "Testa dig via 1177.se; provtagningen vid vårdcentralen är öppen vardagar 8–16."),
    ("symtom", "Stanna hemma tills du varit feberfri i ett dygn och känner dig frisk."),
    ("förskola", "Barn med lindriga förkylningssymtom ska stanna hemma tills de är friska."),
    ("äldreboende", "Besök är tillåtna; kontakta boendet innan så att de kan planera."),
    ("bygglov", "Du ansöker om bygglov i kommunens e-tjänst; bifoga ritningar och situationsplan."),
    ("sop", "Tömningsschemat för ditt område finns på Mina sidor under Avfall."),
]
DEFAULT_ANSWER = "Tack för din fråga! Jag kollar upp det och återkommer strax här i chatten."
NAMES = [
    "Eva",
    "Ahmed",
    "Lena",
    "Johan",
    "Sara",
    "Mohammed",
    "Kristina",
    "Per",
    "Amira",
    "Olle",
    "",
]


async def _widget_key(client: httpx.AsyncClient) -> str | None:
    page = await client.get("/chat/demo/")
    match = re.search(r'data-key="([^"]+)"', page.text)
    return match.group(1) if match else None


async def _receive(socket: websockets.ClientConnection, seconds: float) -> dict[str, object] | None:
    try:
        data = json.loads(await asyncio.wait_for(socket.recv(), timeout=seconds))
    except (TimeoutError, ValueError):
        return None
    return data if isinstance(data, dict) else None


async def visitor(base_url: str, key: str, rng: random.Random, stop: asyncio.Event) -> None:
    """One visitor: ask, wait up to a patience drawn per visitor, read the answer, leave."""
    ws_url = base_url.replace("http", "ws", 1) + f"/ws/chat/{key}/"
    morning = clock.local_now().hour < 11  # the demo's local morning
    question = rng.choice(CORONA_QUESTIONS if morning or rng.random() < 0.5 else OTHER_QUESTIONS)
    patience = rng.lognormvariate(5.0, 0.6) / clock.speed()  # median ≈ 150 demo seconds
    headers = {"Origin": base_url}
    if os.environ.get("DISTANS_DEMO_VISITOR_KEY"):
        headers["X-Distans-Demo-Visitor"] = os.environ["DISTANS_DEMO_VISITOR_KEY"]
    async with websockets.connect(ws_url, additional_headers=headers) as socket:
        hello = await _receive(socket, 10)
        if not hello or hello.get("availability") != "open":
            return
        await socket.send(json.dumps({"kind": "start", "name": rng.choice(NAMES), "lang": "sv"}))
        await socket.send(json.dumps({"kind": "message", "id": "q1", "text": question}))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + patience
        answered = False
        while not stop.is_set() and loop.time() < deadline:
            event = await _receive(socket, 2)
            if event is None:
                continue
            if event.get("kind") == "accepted":
                await socket.send(json.dumps({"kind": "typing"}))
            elif event.get("kind") == "message" and not answered:
                answered = True
                await clock.pause(stop, rng.uniform(3, 12))
                await socket.send(
                    json.dumps({"kind": "message", "id": "q2", "text": "Tack för hjälpen!"})
                )
                deadline = loop.time() + clock.real_seconds(rng.uniform(10, 40))
            elif event.get("kind") == "ended":
                return
        if not answered or rng.random() < 0.5:
            await socket.send(json.dumps({"kind": "leave"}))
            await _receive(socket, 2)


def answer_for(question: str) -> str:
    lowered = question.lower()
    return next((text for word, text in ANSWERS if word in lowered), DEFAULT_ANSWER)


async def answering_colleague(
    base_url: str, email: str, password: str, stop: asyncio.Event
) -> None:
    """The same simulated colleague routing's demo traffic plays, answering the chats
    they accepted (through the chat API, as a second browser tab would)."""
    from distans.demo.traffic import login

    rng = random.Random(email)
    await clock.pause_real(stop, rng.uniform(20, 60))  # after the routing colleagues log in
    async with httpx.AsyncClient(base_url=base_url, timeout=20) as client:
        while not stop.is_set():  # the server may be busy at first: try again, never give up
            try:
                await login(client, email, password)
                break
            except (httpx.HTTPError, RuntimeError):
                await clock.pause_real(stop, rng.uniform(5, 15))
        headers = {"X-CSRFToken": client.cookies.get("csrftoken", ""), "Referer": f"{base_url}/"}
        while not stop.is_set():
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError, TypeError):
                for chat in (await client.get("/api/chats/mine")).json():
                    if chat["last_direction"] != "in":
                        continue
                    lines = (await client.get(f"/api/chats/{chat['id']}/lines")).json()
                    answers = sum(1 for line in lines if line["direction"] == "out")
                    if answers >= 2:
                        continue  # answered and said goodbye; the colleague finishes it
                    await client.post(f"/api/chats/{chat['id']}/typing", headers=headers)
                    await clock.pause(stop, rng.uniform(2, 6))
                    text = (
                        answer_for(lines[0]["text"]) if answers == 0 else "Varsågod, ha en fin dag!"
                    )
                    await client.post(
                        f"/api/chats/{chat['id']}/lines", json={"text": text}, headers=headers
                    )
            await _sleep(stop, 2.0)


async def generate(base_url: str, stop: asyncio.Event) -> None:
    from distans.demo.data import DEMO_PASSWORD, PEOPLE, demo_email
    from distans.routing.demo_traffic import HUMAN_LOGINS

    answerers = [
        answering_colleague(base_url, demo_email(p.email), DEMO_PASSWORD, stop)
        for p in PEOPLE
        if "agent" in p.roles and p.email not in HUMAN_LOGINS
    ]
    await asyncio.gather(visitors(base_url, stop), form_senders(base_url, stop), *answerers)


FORM_MESSAGES = [
    ("Kerstin Ek", "Hej! Vår soptunna har inte tömts på två veckor, vad gör jag?"),
    ("Ali Hassan", "Jag vill boka ett besök för att prata om bygglov för ett garage."),
    ("Maria Lund", "Gäller skolplikten fortfarande om mitt barn är förkylt men inte har corona?"),
    ("Per Olsson", "Hur ansöker jag om stöd som företagare på grund av coronapandemin?"),
    ("Siv Berg", "Får man besöka sin mamma på äldreboendet nu?"),
]


async def form_senders(base_url: str, stop: asyncio.Event) -> None:
    """Citizens who fill in the embeddable web form (honeypot left empty, like people)."""
    rng = random.Random()
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        key = None
        while key is None and not stop.is_set():
            with contextlib.suppress(httpx.HTTPError):
                key = await _widget_key(client)
            if key is None:
                await _sleep(stop, 5)
        while key and not stop.is_set():
            await clock.pause(stop, rng.expovariate(1 / 600))  # a few an hour
            if stop.is_set():
                break
            with contextlib.suppress(httpx.HTTPError):
                page = await client.get(f"/chat/form/{key}/")
                started = re.search(r'name="started" value="([^"]*)"', page.text)
                select = re.search(r'<select[^>]*name="topic".*?</select>', page.text, re.S)
                topics = re.findall(r'<option value="([^"]+)"', select.group(0)) if select else []
                name, message = rng.choice(FORM_MESSAGES)
                await clock.pause(stop, rng.uniform(5, 20))  # people take a while to type
                await client.post(
                    f"/chat/form/{key}/",
                    data={
                        "name": name,
                        "email": f"{name.split()[0].lower()}@example.se",
                        "message": message,
                        "website": "",
                        "started": started.group(1) if started else "",
                        **({"topic": html.unescape(rng.choice(topics))} if topics else {}),
                    },
                )


async def visitors(base_url: str, stop: asyncio.Event) -> None:
    rng = random.Random()
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        key = None
        while key is None and not stop.is_set():
            with contextlib.suppress(httpx.HTTPError):
                key = await _widget_key(client)
            if key is None:
                await _sleep(stop, 5)
    from distans.demo.load import BY_CODE, load_factor

    running: set[asyncio.Task[None]] = set()
    while not stop.is_set() and key:
        per_hour = BY_CODE["allmant"].chat_per_hour * load_factor(clock.local_now())
        if len(running) < 12:
            task = asyncio.create_task(
                _safe_visitor(base_url, key, random.Random(rng.random()), stop)
            )
            running.add(task)
            task.add_done_callback(running.discard)
        await clock.pause(stop, rng.expovariate(per_hour / 3600))
    for task in running:
        task.cancel()


async def _safe_visitor(base_url: str, key: str, rng: random.Random, stop: asyncio.Event) -> None:
    with contextlib.suppress(OSError, websockets.WebSocketException, TimeoutError):
        await visitor(base_url, key, rng, stop)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
