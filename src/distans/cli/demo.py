from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from distans.accounts.models import Organisation

GROUP = None
NAME = "demo"
HELP = "Run the demo: database, demo organisation, server, worker and live traffic."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--no-traffic", action="store_true", help="do not start demo traffic")
    parser.add_argument(
        "--mail-port",
        type=int,
        default=8025,
        help="port of the demo's local mail catcher (SMTP on the same host)",
    )
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="run the demo traffic's clock this many times faster (customers, calls, breaks)",
    )
    parser.add_argument(
        "--start",
        default="",
        help="start the demo traffic's clock at this local time (09:15, or 2026-12-07T09:15): "
        "its load and the colleagues' shifts are those of that moment",
    )


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("DEBUG", "0")
    if args.speed <= 0:
        print("distans: error: --speed must be positive", file=sys.stderr)
        return 2
    # Every mail the demo sends goes to its own mail catcher (started below): the demo
    # mailbox's SMTP account (demo data) and Django's e-mail settings (password reset).
    os.environ["DISTANS_MAIL_CATCHER_PORT"] = str(args.mail_port)
    os.environ["EMAIL_HOST"] = "127.0.0.1"
    os.environ["EMAIL_PORT"] = str(args.mail_port)
    # Text messages in the demo go nowhere real: kept in memory (distans.sms.recorded()).
    os.environ.setdefault("DISTANS_SMS_ADAPTER", "distans.sms.RecordingSmsAdapter")
    from distans.cli import _django

    _django.setup()
    if args.start:
        from distans.demo.traffic import parse_start

        try:
            parse_start(args.start, "Europe/Stockholm")
        except ValueError:
            print(f"distans: error: --start {args.start!r} is not a time", file=sys.stderr)
            return 2
    _django.ensure_database_reachable()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from distans.demo.data import demo_logins, load_demo

    url = f"http://{args.host}:{args.port}"
    os.environ["DISTANS_DEMO_URL"] = url  # the links in the demo visits' mail
    from django.conf import settings

    from distans.channels_email.demo import demo_mailbox_address

    # The mail catcher first: making the organisation already sends mail (invitations,
    # visit confirmations), which would otherwise wait for a retry.
    catcher = subprocess.Popen(
        [
            sys.executable, "-m", "distans.demo.mailcatcher", "--host", "127.0.0.1",
            "--port", str(args.mail_port), "--dir", str(settings.DISTANS_MAIL_CATCHER_DIR),
            "--deliver", url, "--mailbox", demo_mailbox_address(),
            "--api-key-file", str(settings.VAR_DIR / "demo_api_key"),
        ]
    )  # fmt: skip
    try:
        organisation = load_demo()
    except BaseException:
        catcher.terminate()
        raise

    # The server and the traffic share a key for the simulated chat visitors (own rate
    # limits: they would otherwise use up those of a real visitor on 127.0.0.1).
    env = {**os.environ, "DISTANS_DEMO_VISITOR_KEY": secrets.token_urlsafe(24)}
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distans",
                "serve",
                "--host",
                args.host,
                "--port",
                str(args.port),
            ],
            env=env,
        ),
        catcher,
    ]
    if not args.no_traffic:
        command = [sys.executable, "-m", "distans.demo", url, f"--speed={args.speed}"]
        if args.start:
            command.append(f"--start={args.start}")
        children.append(subprocess.Popen(command, env=env))
    gateway, gateway_note = _start_gateway(organisation, url)
    print(f"\nDistans demo for {organisation.name} is starting at {url}")
    print("Demo logins (password in the last column):")
    for role, email, password in demo_logins():
        print(f"  {role:<12} {email:<34} {password}")
    print(f"Sent e-mail (the mail catcher on port {args.mail_port}): {url}/email/caught/")
    print(f"Book a visit (public, no login): {url}/visits/book/{organisation.slug}/")
    print(gateway_note)
    print("Ctrl-C stops everything.\n", flush=True)

    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        while not stopping and all(child.poll() is None for child in children):
            time.sleep(0.3)
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
        if gateway:
            from distans.telephony.gateway.runner import stop as stop_gateway

            stop_gateway(gateway)
    failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
    if failed and not stopping:
        print("distans: error: a demo process stopped unexpectedly", file=sys.stderr)
        return 1
    print("demo stopped")
    return 0


def _start_gateway(organisation: Organisation, url: str) -> tuple[list[subprocess.Popen[bytes]], str]:
    """The real telephony gateway when Kamailio and rtpengine are installed (real SIP
    calls to the demo's queue lines, the desk's softphone); else the simulator alone."""
    from django.conf import settings

    from distans.telephony.gateway import prompts, runner
    from distans.telephony.gateway.config import default_directory
    from distans.telephony.gateway.setup import configure
    from distans.telephony.models import Line

    if runner.missing():
        return [], ("Phone: Kamailio and rtpengine are not installed (`make telephony-install`): "
                    "phone calls are simulated.")
    if not prompts.available():
        return [], "Phone: espeak-ng or sox is missing (`make telephony-install`): phone calls are simulated."
    if not _ports_free(5060, 8088, 22222):
        return [], ("Phone: SIP ports 5060/8088/22222 are taken (another demo's gateway?): "
                    "phone calls are simulated.")
    config, _ = configure(organisation, default_directory(), distans_url=url)
    log = settings.VAR_DIR / "telephony" / "gateway.log"
    try:
        processes = runner.start(config, log=log)
    except runner.GatewayMissing as exc:
        (config.path / "gateway.json").unlink(missing_ok=True)  # Distans must not push to it
        return [], f"Phone: the gateway did not start ({exc}; {log}): phone calls are simulated."
    line = Line.objects.for_org(organisation).order_by("number").first()
    target = line.number if line else (config.lines[0] if config.lines else "")
    return processes, (
        f"Phone: real calls through Kamailio + rtpengine: call sip:{target}@{config.bind}:{config.sip_port} "
        f"(any SIP phone, e.g. baresip); agents answer in the desk's softphone "
        f"(WebSocket {config.websocket_url}); or call from a browser tab: {url.rstrip('/')}/telephony/call-us/ "
        f"and answer as an agent in another. Simulated calls continue beside them."
    )


def _ports_free(*ports: int) -> bool:
    import socket

    for port in ports:
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            with socket.socket(socket.AF_INET, kind) as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    return False
    return True
