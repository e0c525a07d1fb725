"""Browser tests: a real `distans demo` server in a subprocess (its own SQLite under a
temporary var dir) and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import require_service

CHROMIUM = os.environ.get("DISTANS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def demo_mail_port() -> int:
    """The SMTP port of the demo's mail catcher (its own, so parallel runs don't clash)."""
    return _free_port()


@pytest.fixture(scope="session")
def demo_var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo server's var dir (its SQLite, the demo API key, caught mail)."""
    return tmp_path_factory.mktemp("demo-var")


@pytest.fixture(scope="session")
def demo_server(demo_var_dir: Path, demo_mail_port: int) -> Iterator[str]:
    require_service("browser", Path(CHROMIUM).exists(), f"chromium not found at {CHROMIUM}")
    var_dir = demo_var_dir
    port = _free_port()
    env = {
        **os.environ,
        "DISTANS_VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "distans.config.settings",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    log = open(var_dir / "server.log", "w")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "distans", "demo", "--no-traffic", "--port", str(port),
            "--mail-port", str(demo_mail_port),
        ],  # fmt: skip
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # a loaded machine: the demo data alone took 150 s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((var_dir / "server.log").read_text()[-3000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.3)
    else:
        process.kill()
        raise RuntimeError("demo server did not start in 300 s")
    yield url
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    require_service("browser", Path(CHROMIUM).exists(), f"chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


def login(page: object, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/account/login/")  # type: ignore[attr-defined]
    page.fill("input[name=username]", email)  # type: ignore[attr-defined]
    page.fill("input[name=password]", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_url(f"{base_url}/")  # type: ignore[attr-defined]
