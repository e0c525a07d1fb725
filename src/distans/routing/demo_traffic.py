"""Simulated colleagues for the demo: they log in over HTTP, go available through the
API, accept offers, take a while, set a topic and finish — like a person on the desk.

Each works every offer they get (several chats and e-mails at once, as capacity
allows), takes the breaks of their published shift and comes back, and logs out when
the shift ends; while at work their desk's live socket is open, so colleagues see
them online. When no simulated colleague has a shift now (the demo started in the
evening or at a weekend), all of them work, each taking a 15-minute break every two
hours, staggered. A colleague reported absent (absence's register: the demo has Maja
sick and Omar home with a sick child today) stays offline while the absence lasts, and
so does one whom the server refuses as reported absent (an absence reported
meanwhile, or today's while the demo clock replays another day: the server's gate
keeps the real date); one refused for another reason (an announcement to acknowledge)
stays off and asks again a minute later. A scheduled colleague who is absent has a
stand-in, as a team leader would call one in: a simulated colleague with no shift
then (one serving the same queues first) works the absent one's shift and breaks.
A colleague whom routing set away (offers that timed out) notices and comes back, as
a person would; a failed request (the server busy or restarting) is tried again,
never the end of the colleague.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo

import httpx

from distans.demo import clock

logger = logging.getLogger("distans.demo.traffic")

# Topics (paths of the demo's topic tree) by the offer's queue; other queues get the rest.
TOPICS_BY_QUEUE = {
    "corona": ["Corona › Vaccination", "Corona › Skola", "Corona › Företagsstöd"],
    "skola": ["Skola › Skolplikt", "Skola › Sjukanmälan"],
    "bygglov": ["Bygglov"],
}
OTHER_TOPICS = ["Avfall", "Parkering", "Övrigt"]
HUMAN_LOGINS = {"agent", "teamleader"}  # left for the person clicking through the demo
# Handling time (demo seconds, median) by channel when the queue has no load profile.
HANDLING = {"phone": 150.0, "callback": 150.0, "chat": 240.0, "email": 200.0, "form": 180.0}
RHYTHM_EVERY = timedelta(hours=2)  # unscheduled time: a 15-minute break every two hours
RHYTHM_BREAK = timedelta(minutes=15)
REFUSED_PAUSE = 60.0  # real seconds before asking again when going available is refused


@dataclass(frozen=True)
class Span:
    starts_at: datetime
    ends_at: datetime
    label: str = ""

    def covers(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at


@dataclass
class Duty:
    """A colleague's published shifts (with their breaks) from the demo's schedules."""

    shifts: list[Span] = field(default_factory=list)
    breaks: list[Span] = field(default_factory=list)


@dataclass
class Roster:
    """Who of the simulated colleagues works when: the published shifts where there
    are any now, else everyone with staggered breaks."""

    duties: dict[str, Duty]
    order: list[str]
    absent: dict[str, list[Span]] = field(default_factory=dict)  # reported absences
    queues: dict[str, frozenset[str]] = field(default_factory=dict)  # queue codes served

    def anyone_scheduled(self, moment: datetime) -> bool:
        return any(s.covers(moment) for d in self.duties.values() for s in d.shifts)

    def is_absent(self, email: str, moment: datetime) -> bool:
        return any(a.covers(moment) for a in self.absent.get(email, []))

    def note_absent(self, email: str, moment: datetime, zone: tzinfo) -> None:
        """The server refused ``email`` as reported absent at ``moment``: off for the
        rest of that (local) day, and a stand-in works their shift."""
        local = moment.astimezone(zone)
        midnight = datetime.combine(local.date() + timedelta(days=1), time.min, zone)
        spans = self.absent.setdefault(email, [])
        if not any(a.covers(moment) for a in spans):
            spans.append(Span(moment, midnight, "absence"))

    def _shift_at(self, email: str, moment: datetime) -> Span | None:
        return next((s for s in self.duties.get(email, Duty()).shifts if s.covers(moment)), None)

    def standing_in_for(self, email: str, moment: datetime) -> str | None:
        """The absent colleague whose shift ``email`` works at ``moment``, if any.

        Absent colleagues with a shift now, in roster order, each get the first free
        colleague (not absent, no shift overlapping the absent one's) who serves the
        most of their queues. Every colleague computes the same pairing."""
        taken: set[str] = set()
        for absent in self.order:
            shift = self._shift_at(absent, moment)
            if shift is None or not self.is_absent(absent, moment):
                continue
            wanted_queues = self.queues.get(absent, frozenset())
            best: str | None = None
            best_shared = -1
            for other in self.order:
                if other == absent or other in taken or self.is_absent(other, moment):
                    continue
                own = self.duties.get(other, Duty()).shifts
                if any(s.starts_at < shift.ends_at and shift.starts_at < s.ends_at for s in own):
                    continue
                shared = len(wanted_queues & self.queues.get(other, frozenset()))
                if shared > best_shared:
                    best, best_shared = other, shared
            if best is None:
                continue
            if best == email:
                return absent
            taken.add(best)
        return None

    def wanted(self, email: str, moment: datetime) -> tuple[str, str]:
        """("work" | "break" | "off", break reason) for ``email`` at ``moment``."""
        duty = self.duties.get(email, Duty())
        if self.is_absent(email, moment):
            return "off", ""
        if self.anyone_scheduled(moment):
            if not any(s.covers(moment) for s in duty.shifts):
                absent = self.standing_in_for(email, moment)
                if absent is None:
                    return "off", ""
                duty = self.duties[absent]  # their shift, with its breaks
            on_break = next((b for b in duty.breaks if b.covers(moment)), None)
            return ("break", on_break.label or "break") if on_break else ("work", "")
        index = self.order.index(email) if email in self.order else 0
        offset = RHYTHM_EVERY * index / max(1, len(self.order))
        into = (moment - datetime(2000, 1, 3, tzinfo=moment.tzinfo) + offset) % RHYTHM_EVERY
        return ("break", "break") if into < RHYTHM_BREAK else ("work", "")


def load_roster(emails: list[str]) -> Roster:
    """Read the published shifts of the simulated colleagues (synchronously, before the
    traffic's event loop starts): the demo's schedules are the plan they follow."""
    from distans.planning.choices import ScheduleStatus
    from distans.planning.models import Shift
    from distans.routing.models import AgentState

    duties = {email: Duty() for email in emails}
    queues: dict[str, set[str]] = {}
    for email, code in AgentState.objects.filter(person__email__in=emails).values_list(
        "person__email", "queues__code"
    ):
        if code:
            queues.setdefault(email, set()).add(code)
    now = clock.now()
    shifts = (
        Shift.objects.filter(
            person__email__in=emails,
            schedule__status=ScheduleStatus.PUBLISHED,
            ends_at__gt=now - timedelta(days=1),
            starts_at__lt=now + timedelta(days=15),
        )
        .select_related("person")
        .prefetch_related("breaks")
    )
    for shift in shifts:
        duty = duties[shift.person.email]
        duty.shifts.append(Span(shift.starts_at, shift.ends_at))
        duty.breaks.extend(Span(b.starts_at, b.ends_at, b.label) for b in shift.breaks.all())
    served = {email: frozenset(codes) for email, codes in queues.items()}
    return Roster(duties, emails, load_absences(emails, now), served)


def load_absences(emails: list[str], now: datetime) -> dict[str, list[Span]]:
    """The colleagues' reported absences from now on: whole local days, from the first
    (the demo clock may replay a morning before the report's moment) to the end of the
    last, or to the return when back at work early."""
    from zoneinfo import ZoneInfo

    from distans.absence.models import Absence

    absent: dict[str, list[Span]] = {}
    rows = Absence.objects.filter(
        person__email__in=emails, last_day__gte=(now - timedelta(days=1)).date()
    ).select_related("person", "organisation")
    for row in rows:
        zone = ZoneInfo(row.organisation.time_zone)
        first = datetime.combine(row.first_day, datetime.min.time(), zone)
        last = datetime.combine(row.last_day + timedelta(days=1), datetime.min.time(), zone)
        ends = min(row.ended_at, last) if row.ended_at else last
        absent.setdefault(row.person.email, []).append(Span(first, ends, "absence"))
    return absent


async def _login(client: httpx.AsyncClient, email: str, password: str) -> str:
    from distans.demo.traffic import login

    await login(client, email, password)
    return client.cookies.get("csrftoken", "")


@dataclass
class Colleague:
    base_url: str
    email: str
    password: str
    roster: Roster
    stop: asyncio.Event
    rng: random.Random = field(init=False)
    client: httpx.AsyncClient | None = None
    headers: dict[str, str] = field(default_factory=dict)
    working: dict[int, asyncio.Task[None]] = field(default_factory=dict)  # contact id → task
    presence: str = "offline"
    desk_open: asyncio.Task[None] | None = None  # the desk's live socket while at work
    held_until: float = 0.0  # loop time: going available was refused; off until then

    def __post_init__(self) -> None:
        self.rng = random.Random(self.email)

    async def run(self) -> None:
        await clock.pause_real(self.stop, self.rng.uniform(0, 30))  # not all in the same second
        while not self.stop.is_set():
            try:
                async with httpx.AsyncClient(base_url=self.base_url, timeout=20) as client:
                    self.client = client
                    csrf = await _login(client, self.email, self.password)
                    self.headers = {"X-CSRFToken": csrf, "Referer": f"{self.base_url}/"}
                    await self._work_loop()
                    with contextlib.suppress(httpx.HTTPError):  # the server may be stopping
                        await self._set("offline")
                    return
            except (httpx.HTTPError, RuntimeError, ValueError) as exc:
                # The server was busy or restarting: log in again in a while.
                logger.info("demo colleague %s: %r; trying again", self.email, exc)
                for task in self.working.values():
                    task.cancel()
                self.working.clear()
                await asyncio.sleep(self.rng.uniform(2, 6))
            finally:
                self._close_desk()

    def _open_desk(self) -> None:
        """Keep the desk's live socket open (colleagues see this person online)."""
        if self.desk_open is None or self.desk_open.done():
            self.desk_open = asyncio.create_task(self._desk_socket())

    def _close_desk(self) -> None:
        if self.desk_open is not None:
            self.desk_open.cancel()
            self.desk_open = None

    async def _desk_socket(self) -> None:
        import websockets

        assert self.client is not None
        url = self.base_url.replace("http", "ws", 1) + "/ws/live/"
        cookie = f"sessionid={self.client.cookies.get('sessionid', '')}"
        while not self.stop.is_set():
            with contextlib.suppress(OSError, websockets.WebSocketException, TimeoutError):
                async with websockets.connect(
                    url, additional_headers={"Cookie": cookie, "Origin": self.base_url}
                ) as socket:
                    async for _ in socket:  # the desk listens; the simulation polls the API
                        pass
            await asyncio.sleep(self.rng.uniform(2, 5))  # dropped: reconnect, as live.js does

    async def _set(self, presence: str, reason: str = "") -> None:
        assert self.client is not None
        response = await self.client.post(
            "/api/agent/presence",
            json={"presence": presence, "reason": reason},
            headers=self.headers,
        )
        if response.status_code == 200:
            self.presence = response.json()["presence"]
        elif presence == "available" and 400 <= response.status_code < 500:
            # Refused by a gate (reported absent, an announcement to acknowledge): a
            # person would not click again every second.
            self.held_until = asyncio.get_running_loop().time() + REFUSED_PAUSE
            logger.info("demo colleague %s may not go available: %s", self.email, response.text)
            with contextlib.suppress(ValueError, AttributeError):
                if response.json().get("code") == "reported_absent":
                    # Absent today, says the server: off for the (demo) day; a stand-in
                    # works the shift.
                    self.roster.note_absent(
                        self.email, clock.now(), clock.local_now().tzinfo or UTC
                    )

    async def _work_loop(self) -> None:
        assert self.client is not None
        client = self.client
        checked = 0.0
        loop = asyncio.get_running_loop()
        while not self.stop.is_set():
            wanted, reason = self.roster.wanted(self.email, clock.now())
            if wanted == "work" and loop.time() < self.held_until:
                wanted, reason = "off", ""
            if wanted == "off" and not self.working:
                self._close_desk()
            else:
                self._open_desk()
            if wanted == "work":
                if loop.time() - checked > 5 or self.presence not in (
                    "available",
                    "busy",
                    "wrap_up",
                ):
                    checked = loop.time()
                    mine = await client.get("/api/agent/presence")
                    if mine.status_code == 403:
                        raise RuntimeError("logged out")
                    self.presence = mine.json()["presence"]
                if self.presence in ("offline", "away", "break"):
                    if self.presence == "away":
                        logger.info("demo colleague %s was set away; back now", self.email)
                    await self._set("available")
                if self.presence in ("available", "busy"):
                    for offer in (await client.get("/api/agent/offers")).json():
                        if offer["contact_id"] not in self.working:
                            self.working[offer["contact_id"]] = asyncio.create_task(
                                self._handle(offer)
                            )
            elif self.working:  # finishing the last contacts before a break or home time
                for offer in (await client.get("/api/agent/offers")).json():
                    if offer["contact_id"] not in self.working:
                        await client.post(
                            f"/api/offers/{offer['id']}/decline", headers=self.headers
                        )
            else:
                target = "break" if wanted == "break" else "offline"
                if self.presence != target:
                    await self._set(target, reason if target == "break" else "")
            await asyncio.sleep(1.0)  # polling is mechanical: real seconds at any speed

    async def _handle(self, offer: dict[str, object]) -> None:
        """Accept, talk, finish with a topic, end the wrap-up early."""
        assert self.client is not None
        client, contact_id = self.client, int(offer["contact_id"])  # type: ignore[call-overload]
        try:
            await clock.pause(self.stop, self.rng.uniform(1, 5))
            accepted = await client.post(f"/api/offers/{offer['id']}/accept", headers=self.headers)
            if accepted.status_code != 200:
                return
            self.presence = "busy"
            await clock.pause(self.stop, self._handling_seconds(offer))
            if self.stop.is_set():
                return
            queue = str(offer.get("queue", ""))
            topic = self.rng.choice(TOPICS_BY_QUEUE.get(queue, OTHER_TOPICS))
            done = None
            for _ in range(3):  # the server may be briefly busy; the contact must end
                with contextlib.suppress(httpx.HTTPError):
                    done = await client.post(
                        f"/api/contacts/{contact_id}/complete",
                        json={"topic": topic, "notes": ""},
                        headers=self.headers,
                    )
                    break
                await asyncio.sleep(2)
            if done is None or done.status_code != 200:
                return
            await clock.pause(self.stop, self._wrap_up_seconds(queue))
            with contextlib.suppress(httpx.HTTPError, ValueError, KeyError):
                # Still in wrap-up (not ended by its timer, nor a break begun meanwhile)?
                mine = await client.get("/api/agent/presence")
                if mine.json()["presence"] == "wrap_up":
                    ended = await client.post("/api/agent/wrap-up/end", headers=self.headers)
                    if ended.status_code == 200:
                        self.presence = ended.json()["presence"]
        except httpx.HTTPError as exc:
            logger.info("demo colleague %s, contact %s: %r", self.email, contact_id, exc)
        finally:
            self.working.pop(contact_id, None)

    def _handling_seconds(self, offer: dict[str, object]) -> float:
        from distans.demo.load import BY_CODE

        channel = str(offer.get("channel", "phone"))
        profile = BY_CODE.get(str(offer.get("queue", "")))
        median = (
            profile.talk_seconds if profile and channel == "phone" else HANDLING.get(channel, 150.0)
        )
        return self.rng.lognormvariate(0, 0.45) * median

    def _wrap_up_seconds(self, queue: str) -> float:
        from distans.demo.load import BY_CODE

        profile = BY_CODE.get(queue)
        return self.rng.uniform(0.5, 1.2) * (profile.wrap_up_seconds if profile else 15.0)


def simulated_emails() -> list[str]:
    from distans.demo.data import PEOPLE, demo_email

    return [
        demo_email(p.email) for p in PEOPLE if "agent" in p.roles and p.email not in HUMAN_LOGINS
    ]


_roster: Roster | None = None


def prepare() -> None:
    """Read what the colleagues need from the database before the event loop starts."""
    global _roster
    _roster = load_roster(simulated_emails())


async def generate(base_url: str, stop: asyncio.Event) -> None:
    from distans.demo.data import DEMO_PASSWORD

    roster = _roster or Roster({}, simulated_emails())
    await asyncio.gather(
        *(
            Colleague(base_url, email, DEMO_PASSWORD, roster, stop).run()
            for email in simulated_emails()
        )
    )
