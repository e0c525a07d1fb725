"""Benchmark of the pure routing core (no Django, no database).

Prints one JSON object. Method:

- Scenario: 20 queues (5 per strategy), 2,000 agents (90 % available, 5 % busy with
  chats, 5 % on break; each serves 4 queues; skills at levels 1–9, 30 % also speak
  English), 10,000 waiting contacts on mixed channels (phone 40 %, chat 30 %, e-mail
  20 %, form 5 %, callback 5 %). Priorities, call types and waits are sampled from the
  real Anonymous Bank 1999 call log (``--data``, queued calls only): the call type sets
  the required skill (PS retail, PE retail + English, IN internet, NE stocks,
  NW new customers, TT technical) and the queue group. Without the file, the same
  shape is drawn synthetically (reported as ``"data": "synthetic"``).
- ``core_decisions_per_s``: one full ``route()`` round over that state (every free
  agent can take something, so ~1,800 offers plus any overflow/fallback decisions) —
  decisions divided by the round's wall time; median of ``--repeats`` rounds.
  ``core_decisions_per_cpu_s`` divides by the process's CPU time instead (less
  sensitive to other jobs on a shared machine).
- ``steady_round_ms``: a round where only 20 agents are free and 10,000 wait (the
  steady state of a busy centre: the cost is dominated by the O(C) heap build).
- ``targeted_arrival_us``: :func:`decide_targeted` for one arrival over every routable
  agent with room, grouped by (queues, free channels) and each group longest idle
  first, as the Django side's free-agent table hands them over (what a targeted round
  for an arrival decides on, without its reads). p50/p99 over 2,000 arrivals.
  (Earlier runs reported ``per_event_latency_us``, ``best_agent_for_contact`` over
  every routable member of the queue, and before that ``agent_free`` and ``index``
  figures: those per-event picks were removed in issue 16, the targeted round's
  decision now runs the full round's greedy.)
"""

import argparse
import gzip
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from distans.core.routing import (
    Agent,
    Channel,
    Contact,
    FallbackKind,
    OverflowRule,
    Presence,
    Queue,
    Strategy,
    WideningStep,
    route,
)
from distans.core.routing.strategy import IDLE_ORDER
from distans.core.routing.targeted import (
    Pattern,
    TargetedState,
    decide_targeted,
    free_channels,
)

DEFAULT_DATA = "../shared/data/anonymous_bank_1999/january.txt.gz"
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
AGENTS = 2000
WAITING = 10000
QUEUES = 20
TYPE_SKILL = {
    "PS": ("retail", 3),
    "PE": ("retail", 3),
    "IN": ("internet", 5),
    "NE": ("stocks", 6),
    "NW": ("new_customers", 4),
    "TT": ("technical", 6),
}
SKILLS = sorted({skill for skill, _ in TYPE_SKILL.values()})
CHANNELS = (
    [Channel.PHONE] * 8
    + [Channel.CHAT] * 6
    + [Channel.EMAIL] * 4
    + [Channel.FORM, Channel.CALLBACK]
)


def _seconds(text: str) -> int:
    hours, minutes, seconds = (int(part) for part in text.split(":"))
    return hours * 3600 + minutes * 60 + seconds


def load_bank_calls(path: Path) -> tuple[list[tuple[int, str, int]], int]:
    """Queued calls as (priority, type, waited seconds), and how many malformed rows were skipped."""
    calls: list[tuple[int, str, int]] = []
    skipped = 0
    with gzip.open(path, "rt", encoding="latin-1") as rows:
        next(rows)
        for row in rows:
            fields = row.rstrip("\n").split("\t")
            try:
                priority, call_type, q_start, q_time = (
                    int(fields[3]),
                    fields[4],
                    fields[9],
                    int(fields[11]),
                )
                queued = _seconds(q_start) > 0
            except (IndexError, ValueError):
                skipped += 1
                continue
            if call_type not in TYPE_SKILL:
                skipped += 1
            elif queued:
                calls.append((priority, call_type, q_time))
    return calls, skipped


def synthetic_calls(rng: random.Random) -> list[tuple[int, str, int]]:
    types = ["PS"] * 70 + ["NW"] * 21 + ["NE"] * 5 + ["TT"] * 2 + ["IN", "PE"]
    return [
        (rng.choice([0, 1, 2, 2]), rng.choice(types), int(rng.expovariate(1 / 90)))
        for _ in range(20000)
    ]


def build_queues() -> list[Queue]:
    strategies = list(Strategy)
    queues = []
    for i in range(QUEUES):
        overflow = (
            (OverflowRule(f"q{(i + 1) % QUEUES:02d}", after_seconds=300),) if i % 4 == 0 else ()
        )
        queues.append(
            Queue(
                f"q{i:02d}",
                strategy=strategies[i % 4],
                aging_per_minute=0.5,
                widening=(WideningStep(60, 3), WideningStep(120, None)),
                overflow=overflow,
                max_wait_seconds=900,
                fallback=FallbackKind.CALLBACK_OFFER,
            )
        )
    return queues


def build_agents(rng: random.Random, free: int | None = None) -> list[Agent]:
    queue_ids = [f"q{i:02d}" for i in range(QUEUES)]
    agents = []
    for i in range(AGENTS):
        roll = rng.random()
        presence, load = Presence.AVAILABLE, {}
        if roll > 0.95:
            presence = Presence.BREAK
        elif roll > 0.90:
            presence, load = Presence.BUSY, {Channel.CHAT: rng.randint(1, 2)}
        if free is not None and i >= free:
            presence, load = Presence.BUSY, {Channel.PHONE: 1}
        skills = {"retail": rng.randint(1, 9)}
        for skill in rng.sample([s for s in SKILLS if s != "retail"], rng.randint(1, 3)):
            skills[skill] = rng.randint(1, 9)
        agents.append(
            Agent(
                f"agent{i:04d}",
                presence=presence,
                queue_ids=frozenset(rng.sample(queue_ids, 4)),
                skills=skills,
                languages=frozenset({"sv", "en"}) if rng.random() < 0.3 else frozenset({"sv"}),
                load=load,
                presence_changed_at=NOW - timedelta(seconds=rng.randint(0, 3600)),
                break_reason="lunch" if presence is Presence.BREAK else None,
            )
        )
    return agents


def build_contacts(
    rng: random.Random, calls: list[tuple[int, str, int]], count: int, prefix: str = "c"
) -> list[Contact]:
    type_queues = {
        t: [f"q{(k * 3 + j) % QUEUES:02d}" for j in range(4)]
        for k, t in enumerate(sorted(TYPE_SKILL))
    }
    contacts = []
    for i in range(count):
        priority, call_type, q_time = rng.choice(calls)
        skill, level = TYPE_SKILL[call_type]
        waited = min(q_time, 600) + rng.random()
        contacts.append(
            Contact(
                f"{prefix}{i:05d}",
                channel=rng.choice(CHANNELS),
                queue_id=rng.choice(type_queues[call_type]),
                enqueued_at=NOW - timedelta(seconds=waited),
                priority=priority,
                required_skills={skill: level},
                language="en" if call_type == "PE" else None,
            )
        )
    return contacts


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def targeted_arrivals(
    queues: list[Queue], agents: list[Agent], arrivals: list[Contact]
) -> dict[str, object]:
    """Time :func:`decide_targeted` for each arrival alone over every free agent."""
    queue_map = {q.id: q for q in queues}
    free: dict[str, Agent] = {}
    room: dict[str, frozenset[Channel]] = {}
    groups: dict[Pattern, list[Agent]] = {}
    for agent in agents:
        channels, _load = free_channels(agent, None)
        if channels:
            free[agent.id], room[agent.id] = agent, channels
            groups.setdefault((agent.queue_ids, channels), []).append(agent)
    for group in groups.values():
        group.sort(key=IDLE_ORDER)
    cursors = {q.id: None for q in queues if q.strategy is Strategy.ROUND_ROBIN}
    latencies: list[float] = []
    offered = 0
    cpu_started = time.process_time()
    for contact in arrivals:
        state = TargetedState(
            NOW, queue_map, {contact.id: contact}, free, room, {}, groups,
            round_robin_after=cursors, event_contact_ids=frozenset({contact.id}),
        )  # fmt: skip
        started = time.perf_counter()
        decided = decide_targeted(state)
        latencies.append((time.perf_counter() - started) * 1e6)
        offered += len(getattr(decided, "offers", ()))
    cpu_us = (time.process_time() - cpu_started) * 1e6 / len(arrivals)
    return {
        "p50": round(percentile(latencies, 0.5)),
        "p99": round(percentile(latencies, 0.99)),
        "cpu_mean": round(cpu_us),
        "offered": offered,
        "free_agents": len(free),
        "groups": len(groups),
    }


def run(data: str = DEFAULT_DATA, repeats: int = 15, seed: int = 20261123) -> dict[str, object]:
    rng = random.Random(seed)
    path = Path(data)
    if path.exists():
        calls, skipped = load_bank_calls(path)
        source = f"{path.name} ({len(calls)} queued calls, {skipped} malformed rows skipped)"
    else:
        calls, source = synthetic_calls(rng), "synthetic"
    queues = build_queues()
    queue_map = {q.id: q for q in queues}
    agents = build_agents(rng)
    contacts = build_contacts(rng, calls, WAITING)

    rates, cpu_rates, round_ms, decisions = [], [], [], 0
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = route(NOW, queue_map, contacts, agents)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        decisions = len(result.decisions)
        rates.append(decisions / elapsed)
        cpu_rates.append(decisions / cpu if cpu > 0 else float("nan"))
        round_ms.append(elapsed * 1000)
    offers = len(result.offers)

    busy_agents = build_agents(random.Random(seed + 1), free=20)
    steady_ms = []
    for _ in range(repeats):
        started = time.perf_counter()
        steady = route(NOW, queue_map, contacts, busy_agents)
        steady_ms.append((time.perf_counter() - started) * 1000)

    arrivals = build_contacts(rng, calls, 2000, prefix="new")
    targeted = targeted_arrivals(queues, agents, arrivals)
    return {
        "core_decisions_per_s": round(statistics.median(rates)),
        "core_decisions_per_s_best": round(max(rates)),
        "core_decisions_per_cpu_s": round(statistics.median(cpu_rates)),
        "core_round_ms": {
            "median": round(statistics.median(round_ms), 1),
            "min": round(min(round_ms), 1),
        },
        "decisions_per_round": decisions,
        "offers_per_round": offers,
        "steady_round_ms": {
            "median": round(statistics.median(steady_ms), 1),
            "offers": len(steady.offers),
        },
        "targeted_arrival_us": targeted,
        "agents": AGENTS,
        "waiting": WAITING,
        "queues": QUEUES,
        "repeats": repeats,
        "data": source,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", default=DEFAULT_DATA, help="Anonymous Bank month (gzip'd TSV)")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    json.dump(run(args.data, args.repeats), sys.stdout)
    sys.stdout.write("\n")
