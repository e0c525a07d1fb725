"""Load test of a running Distans' chat widget over real websockets; prints one JSON
object. Each simulated visitor connects from its own loopback address (127.0.0.x, so
the per-IP limits see different visitors), starts a chat and sends messages at a pace
under the per-visitor limit; the figure is the time from sending a line to its ack
(the ack comes after the line is committed).

    python -m distans.channels_chat.loadtest --url http://127.0.0.1:8000 \
        --agent-email agent@… --password … --visitors 100 --messages 10

The queue must be open: ``--agent-email`` logs one agent in and makes them available.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import time

import httpx
import websockets


async def _make_available(url: str, email: str, password: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        page = await client.get("/account/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        await client.post(
            "/account/login/",
            data={
                "username": email,
                "password": password,
                "csrfmiddlewaretoken": token.group(1) if token else "",
            },
            headers={"Referer": f"{url}/account/login/"},
        )
        csrf = client.cookies.get("csrftoken", "")
        response = await client.post(
            "/api/agent/presence",
            json={"presence": "available"},
            headers={"X-CSRFToken": csrf, "Referer": f"{url}/"},
        )
        response.raise_for_status()


async def _visitor(
    url: str, key: str, number: int, messages: int, gap: float, latencies: list[float]
) -> str:
    ws_url = url.replace("http", "ws", 1) + f"/ws/chat/{key}/"
    local = f"127.0.{number // 250}.{number % 250 + 2}"
    async with websockets.connect(
        ws_url, additional_headers={"Origin": url}, local_addr=(local, 0)
    ) as socket:
        hello = json.loads(await socket.recv())
        if hello.get("availability") != "open":
            return f"queue {hello.get('availability')}"
        await socket.send(json.dumps({"kind": "start", "lang": "sv"}))
        while json.loads(await socket.recv()).get("kind") != "session":
            pass  # lines are timed from here: the chat exists
        sent: dict[str, float] = {}
        for n in range(messages):
            sent[str(n)] = time.perf_counter()
            await socket.send(
                json.dumps(
                    {"kind": "message", "id": str(n), "text": f"Fråga {n} från besökare {number}"}
                )
            )
            deadline = time.perf_counter() + gap
            while time.perf_counter() < deadline:
                try:
                    data = json.loads(
                        await asyncio.wait_for(
                            socket.recv(), timeout=max(0.01, deadline - time.perf_counter())
                        )
                    )
                except TimeoutError:
                    break
                if data.get("kind") == "ack" and data.get("id") in sent:
                    latencies.append(time.perf_counter() - sent.pop(data["id"]))
                elif data.get("kind") == "error":
                    return f"error {data.get('code')}"
        while sent:
            data = json.loads(await asyncio.wait_for(socket.recv(), timeout=30))
            if data.get("kind") == "ack" and data.get("id") in sent:
                latencies.append(time.perf_counter() - sent.pop(data["id"]))
        await socket.send(json.dumps({"kind": "leave"}))
    return "ok"


async def run(args: argparse.Namespace) -> dict[str, object]:
    if args.agent_email:
        await _make_available(args.url, args.agent_email, args.password)
    async with httpx.AsyncClient(base_url=args.url, timeout=10) as client:
        match = re.search(r'data-key="([^"]+)"', (await client.get("/chat/demo/")).text)
    key = args.key or (match.group(1) if match else "")
    latencies: list[float] = []
    started = time.perf_counter()
    outcomes = await asyncio.gather(
        *(
            _visitor(args.url, key, n, args.messages, args.gap, latencies)
            for n in range(args.visitors)
        ),
        return_exceptions=True,
    )
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(p: float) -> float | None:
        return (
            round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 1)
            if ordered
            else None
        )

    failures: dict[str, int] = {}
    for outcome in outcomes:
        label = outcome if isinstance(outcome, str) else type(outcome).__name__
        if label != "ok":
            failures[label] = failures.get(label, 0) + 1
    return {
        "visitors": args.visitors,
        "messages_per_visitor": args.messages,
        "gap_seconds": args.gap,
        "acked": len(latencies),
        "elapsed_seconds": round(elapsed, 2),
        "acked_per_second": round(len(latencies) / elapsed, 1) if elapsed else None,
        "ack_ms_p50": round(statistics.median(ordered) * 1000, 1) if ordered else None,
        "ack_ms_p95": pct(0.95),
        "ack_ms_p99": pct(0.99),
        "failures": failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--key", default="", help="widget key (default: the one on /chat/demo/)")
    parser.add_argument("--agent-email", default="")
    parser.add_argument("--password", default="")
    parser.add_argument("--visitors", type=int, default=100)
    parser.add_argument("--messages", type=int, default=10)
    parser.add_argument(
        "--gap", type=float, default=1.5, help="seconds between one visitor's lines"
    )
    print(json.dumps(asyncio.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
