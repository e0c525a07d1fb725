"""Run the test OpenID Connect provider (tests/oidc/provider_settings.py) as a real
server on 127.0.0.1, and sign in at it the way a browser does."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import httpx

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID, CLIENT_SECRET = "distans", "provider-test-secret-" + "s" * 20
REDIRECT_URI = "http://testserver/account/sso/callback/"


@dataclass
class Provider:
    base: str

    def settings(self) -> dict[str, object]:
        """Distans' settings for this provider (what DISTANS_OIDC_* set)."""
        return {
            "OIDC_RP_CLIENT_ID": CLIENT_ID,
            "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_OP_AUTHORIZATION_ENDPOINT": f"{self.base}/openid/authorize",
            "OIDC_OP_TOKEN_ENDPOINT": f"{self.base}/openid/token",
            "OIDC_OP_USER_ENDPOINT": f"{self.base}/openid/userinfo",
            "OIDC_OP_JWKS_ENDPOINT": f"{self.base}/openid/jwks",
            "OIDC_RP_SIGN_ALGO": "RS256",
            "DISTANS_OIDC_ENABLED": True,
        }

    def sign_in(self, authorize_url: str, username: str, password: str) -> str:
        """Follow the provider's pages as a browser: log in, get redirected back; returns
        the redirect to Distans' callback (with code and state)."""
        with httpx.Client(follow_redirects=False, timeout=20) as browser:
            response = browser.get(authorize_url)
            assert response.status_code == 302, response.text[:500]
            login_url = urljoin(self.base, response.headers["location"])
            page = browser.get(login_url)
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
            assert token, page.text[:500]
            next_url = re.search(r'name="next" value="([^"]*)"', page.text)
            done = browser.post(login_url, data={
                "username": username, "password": password, "csrfmiddlewaretoken": token.group(1),
                "next": next_url.group(1).replace("&amp;", "&") if next_url else "",
            }, headers={"Referer": login_url})  # fmt: skip
            assert done.status_code == 302, done.text[:500]
            back = browser.get(urljoin(self.base, done.headers["location"]))
            assert back.status_code == 302, back.text[:500]
            location = back.headers["location"]
            assert location.startswith(REDIRECT_URI), location
            return location


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_provider(tmp: Path, users: list[str]) -> Iterator[Provider]:
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "DJANGO_SETTINGS_MODULE": "tests.oidc.provider_settings",
        "OIDC_PROVIDER_DB": str(tmp / "provider.sqlite3"),
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run([sys.executable, str(ROOT / "tests/oidc/provider_setup.py"), CLIENT_ID,
                    CLIENT_SECRET, REDIRECT_URI, *users], env=env, check=True, cwd=ROOT,
                   capture_output=True, timeout=120)  # fmt: skip
    port = _free_port()
    log = open(tmp / "provider.log", "wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp / "provider.log").read_text()[-2000:]
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the test provider did not start"
                time.sleep(0.2)
        yield Provider(f"http://127.0.0.1:{port}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
