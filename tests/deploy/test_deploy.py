"""The production shape, run for real: nginx terminating TLS (a self-signed certificate
made here) in front of `distans serve --workers 2 --no-background` and a separate
`distans worker`, on PostgreSQL and Redis. Everything goes through the proxy: readiness,
contacts through the API, a visitor's chat socket and the agent's live socket.

The proxy's settings are the shipped deploy/nginx/distans-proxy.conf (docs/deploy.md)."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.conftest import port_open, require_service

ROOT = Path(__file__).resolve().parents[2]
PG_HOST = os.environ.get("DISTANS_TEST_PG_HOST", "127.0.0.1")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(240)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(what: str, predicate: Any, processes: list[subprocess.Popen[bytes]], seconds: float = 90) -> None:
    """Poll ``predicate`` until true (a bound on waiting, not a timing assertion)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for process in processes:
            assert process.poll() is None, f"{process.args} exited while waiting for {what}"
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"gave up waiting for {what}")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
daemon off;
{user}
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    upstream distans {{ server 127.0.0.1:{app_port}; }}
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name localhost;
        ssl_certificate {tmp}/cert.pem;
        ssl_certificate_key {tmp}/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        include {proxy_conf};
    }}
}}
"""


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[dict[str, Any]]:
    require_service("postgres", port_open(PG_HOST, 5432), f"PostgreSQL not reachable at {PG_HOST}:5432")
    require_service("redis", port_open("127.0.0.1", 6379), "Redis not reachable at 127.0.0.1:6379")
    require_service("nginx", Path(NGINX).exists(), "nginx not installed (apt-get install nginx-light)")
    import psycopg

    name = f"distans_deploy_{uuid.uuid4().hex[:10]}"
    admin = f"postgresql://postgres@{PG_HOST}:5432/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    app_port, port = _free_port(), _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DISTANS_"))},
        "DATABASE_URL": f"postgresql://postgres@{PG_HOST}:5432/{name}",
        # a database of its own in Redis so other runs' heartbeats and events stay out
        "REDIS_URL": f"redis://127.0.0.1:6379/{random.randint(1, 15)}",
        "SECRET_KEY": uuid.uuid4().hex + uuid.uuid4().hex,
        "DISTANS_VAR_DIR": str(tmp_path / "var"),
        "DISTANS_TRUSTED_PROXIES": "127.0.0.1",
        "SESSION_COOKIE_SECURE": "1",
        "DISTANS_HSTS_SECONDS": "31536000",
        "PYTHONPATH": str(ROOT),
    }
    distans = [sys.executable, "-m", "distans"]
    processes: list[subprocess.Popen[bytes]] = []
    logs = []
    try:
        subprocess.run([*distans, "migrate", "--quiet"], env=env, check=True, timeout=300)
        seeded = subprocess.run([sys.executable, str(ROOT / "tests/deploy/seed.py")], env=env,
                                check=True, capture_output=True, text=True, timeout=120)
        data = json.loads(seeded.stdout.strip().splitlines()[-1])
        check = subprocess.run([*distans, "check", "--workers", "2"], env=env, capture_output=True,
                               text=True, timeout=120)
        assert check.returncode == 0, check.stderr

        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
                       check=True, capture_output=True, timeout=60)  # fmt: skip
        (tmp_path / "nginx.conf").write_text(NGINX_CONF.format(
            tmp=tmp_path, port=port, app_port=app_port,
            proxy_conf=ROOT / "deploy/nginx/distans-proxy.conf",
            user="user root;" if os.geteuid() == 0 else "",
        ))  # fmt: skip

        def start(name: str, command: list[str]) -> subprocess.Popen[bytes]:
            log = open(tmp_path / f"{name}.log", "wb")
            logs.append(log)
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            processes.append(process)
            return process

        server = start("serve", [*distans, "serve", "--workers", "2", "--no-background",
                                 "--port", str(app_port)])  # fmt: skip
        start("worker", [*distans, "worker"])
        start("nginx", [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")])
        _wait("the server and the proxy", lambda: port_open("127.0.0.1", app_port)
              and port_open("127.0.0.1", port), processes)  # fmt: skip
        yield {
            **data, "base": f"https://127.0.0.1:{port}", "cert": str(tmp_path / "cert.pem"),
            "server": server, "processes": processes, "tmp": tmp_path,
        }  # fmt: skip
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        for log in logs:
            log.close()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _receive_until(sock: Any, kind: str) -> dict[str, Any]:
    while True:
        data = json.loads(sock.recv(timeout=30))
        if data.get("kind") == kind:
            return data


def test_the_production_shape_serves_through_the_tls_proxy(deployment: dict[str, Any]) -> None:
    from websockets.sync.client import connect

    base, tls = deployment["base"], ssl.create_default_context(cafile=deployment["cert"])
    ws_base = base.replace("https://", "wss://")
    assert len(_children(deployment["server"].pid)) >= 2  # two server processes

    with httpx.Client(base_url=base, verify=tls, timeout=30) as http:
        # readiness through the proxy: database, Redis, and the separate worker's heartbeat
        def ready() -> bool:
            return http.get("/readyz").status_code == 200

        _wait("/readyz", ready, deployment["processes"])
        readiness = http.get("/readyz").json()
        assert readiness == {**readiness, "ready": True, "database": "ok", "redis": "ok", "worker": "ok"}
        # the app sees https from the proxy (HSTS is sent only on https)
        assert "max-age=31536000" in http.get("/healthz").headers["strict-transport-security"]

        # contacts through the API
        bearer = {"Authorization": f"Bearer {deployment['api_key']}"}
        created = http.post("/api/contacts", headers=bearer, json={
            "channel": "email", "queue": deployment["queue"], "customer_name": "Åsa Öberg",
            "subject": "Bygglov",
        })  # fmt: skip
        assert created.status_code == 201, created.text
        contact = http.get(f"/api/contacts/{created.json()['id']}", headers=bearer)
        assert contact.status_code == 200
        assert (contact.json()["queue"], contact.json()["channel"]) == (deployment["queue"], "email")
        assert http.post("/api/contacts", json={"channel": "email", "queue": "x"}).status_code == 401

        # the agent signs in (CSRF over https, secure cookie) and opens the live socket
        http.get("/account/login/")
        origin = {"Origin": base, "Referer": f"{base}/account/login/"}
        login = http.post("/account/login/", headers=origin, data={
            "username": deployment["agent_email"], "password": deployment["agent_password"],
            "csrfmiddlewaretoken": http.cookies["csrftoken"],
        })  # fmt: skip
        assert login.status_code == 302, login.text[:500]
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        csrf = {**origin, "X-CSRFToken": http.cookies["csrftoken"]}

        with connect(f"{ws_base}/ws/live/", ssl=tls, origin=base,  # type: ignore[arg-type]
                     additional_headers={"Cookie": cookie}) as live:
            # a visitor's chat socket (the widget's own origin)
            with connect(f"{ws_base}/ws/chat/{deployment['widget']}/", ssl=tls,
                         origin=deployment["origin"]) as chat:  # type: ignore[arg-type]
                assert _receive_until(chat, "hello")["availability"] == "open"
                chat.send(json.dumps({"kind": "start", "name": "Vera", "lang": "sv"}))
                _receive_until(chat, "session")
                chat.send(json.dumps({"kind": "message", "id": "m1", "text": "Hur söker jag bygglov?"}))
                _receive_until(chat, "ack")

                # the routing round offers the chat to the agent; the live socket says so
                chat_id = _receive_until(live, "offer")["contact_id"]
                offers = http.get("/api/agent/offers").json()
                assert [offer["contact_id"] for offer in offers] == [chat_id]
                accepted = http.post(f"/api/offers/{offers[0]['id']}/accept", headers=csrf)
                assert accepted.status_code == 200, accepted.text
                assert accepted.json()["id"] == chat_id
                assert _receive_until(chat, "accepted")["agent"]

                answer = http.post(f"/api/chats/{chat_id}/lines", headers=csrf,
                                   json={"text": "Via e-tjänsten på webben."})
                assert answer.status_code == 201, answer.text
                message = _receive_until(chat, "message")
                assert message["text"] == "Via e-tjänsten på webben."

    # nginx saw it all: the websockets were upgraded through the proxy
    access = (deployment["tmp"] / "nginx-access.log").read_text()
    assert re.search(r'"GET /ws/chat/\S+ HTTP/1.1" 101 ', access), access[-2000:]
    assert re.search(r'"GET /ws/live/ HTTP/1.1" 101 ', access), access[-2000:]
