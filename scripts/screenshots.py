"""Refresh the screenshots in docs/img (``make screenshots``).

Starts the demo with its live traffic in a temporary directory (a fresh database, on a
free port, the traffic's clock replaying next Monday's morning peak five times faster,
so the centre looks lived-in within a minute or two, at any hour), then takes each
picture in Debian's Chromium through Playwright as the
demo's own logins see the pages. The tests never write docs/img.

    .venv/bin/python scripts/screenshots.py [--out docs/img] [--warm-up 90] [--speed 5]
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("DISTANS_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "distans-demo"  # noqa: S105 — the documented demo login
DOMAIN = "vasterby.example"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def next_monday_morning() -> str:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Europe/Stockholm")).date()
    return f"{today + timedelta(days=7 - today.weekday())}T09:00"


def _start_demo(var_dir: Path, port: int, speed: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DISTANS_VAR_DIR": str(var_dir)}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    log = open(var_dir / "demo.log", "wb")  # the child keeps it; closed when it ends
    return subprocess.Popen(
        [sys.executable, "-m", "distans", "demo", "--port", str(port), "--speed", str(speed),
         "--start", next_monday_morning()],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=ROOT,
    )  # fmt: skip


def _wait_until_up(process: subprocess.Popen[bytes], port: int, var_dir: Path) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit((var_dir / "demo.log").read_text()[-3000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.5)
    sys.exit("the demo did not start in 300 s")


def _login(context, base: str, who: str):  # type: ignore[no-untyped-def]
    page = context.new_page()
    page.goto(f"{base}/account/login/")
    page.fill("input[name=username]", f"{who}@{DOMAIN}")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def take(base: str, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written: list[Path] = []

    def shot(page, name: str, full_page: bool = True) -> None:  # type: ignore[no-untyped-def]
        path = out / name
        page.screenshot(path=str(path), full_page=full_page)
        written.append(path)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        supervisor = browser.new_context(viewport={"width": 1280, "height": 800}, locale="sv-SE")
        home = _login(supervisor, base, "supervisor")
        home.wait_for_selector("#team-online ul.people")
        shot(home, "home-sv.png")

        board = supervisor.new_page()
        board.goto(f"{base}/wallboard/")
        board.wait_for_selector("#wb-agents .wb-tiles", timeout=20_000)
        board.wait_for_timeout(2000)
        shot(board, "wallboard-sv.png")
        tv = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="sv-SE")
        _login(tv, base, "supervisor").goto(f"{base}/wallboard/tv/")
        tv_page = tv.pages[-1]
        tv_page.wait_for_selector("#wb-agents .wb-tiles", timeout=20_000)
        tv_page.wait_for_timeout(2000)
        shot(tv_page, "wallboard-tv-sv.png", full_page=False)

        planning = supervisor.new_page()
        planning.set_viewport_size({"width": 1400, "height": 1000})
        planning.goto(f"{base}/planning/")
        planning.get_by_role("link", name="Allmänna frågor").click()
        planning.wait_for_selector("svg.plan-chart")
        shot(planning, "planning-queue-sv.png")
        planning.goto(f"{base}/planning/schedules/")
        link = planning.locator("a[href*='/planning/schedules/']").filter(has_text=re.compile(r"\d"))
        if link.count():
            link.first.click()
            planning.wait_for_load_state("networkidle")
            shot(planning, "planning-schedule-sv.png", full_page=False)

        agent = browser.new_context(viewport={"width": 1280, "height": 900}, locale="sv-SE")
        desk = _login(agent, base, "agent")
        desk.goto(f"{base}/desk/")
        desk.wait_for_selector("#desk-state")
        desk.locator("#desk-state button[hx-vals*='available']").first.click()
        try:  # the demo's customers keep coming: take the next one
            desk.wait_for_selector(".offer button.accept", timeout=90_000)
            desk.click(".offer button.accept")
            desk.wait_for_selector(".workspace", timeout=20_000)
            desk.wait_for_timeout(2000)
        except Exception as exc:
            print(f"no offer for the desk picture ({exc.__class__.__name__}); taking it as it is")
        shot(desk, "desk-sv.png")
        browser.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--warm-up", type=float, default=90, help="real seconds of traffic first")
    parser.add_argument("--speed", type=float, default=5)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit(f"chromium not found at {CHROMIUM} (set DISTANS_CHROMIUM)")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="distans-screenshots-") as tmp:
        var_dir = Path(tmp)
        port = _free_port()
        process = _start_demo(var_dir, port, args.speed)
        try:
            _wait_until_up(process, port, var_dir)
            time.sleep(args.warm_up)
            for path in take(f"http://127.0.0.1:{port}", args.out):
                print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
