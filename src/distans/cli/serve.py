from __future__ import annotations

import argparse
import os

GROUP = None
NAME = "serve"
HELP = "Serve the web application (HTTP and websockets) over ASGI."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default=os.environ.get("DISTANS_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("DISTANS_PORT", "8000")))
    parser.add_argument("--workers", type=int, default=1, help="server processes (needs Redis)")
    parser.add_argument(
        "--no-background",
        action="store_true",
        help="do not run the task worker inside the server (a `distans worker` runs it)",
    )


def run(args: argparse.Namespace) -> int:
    if args.workers < 1:
        from distans.core.errors import InvalidInput

        raise InvalidInput("--workers must be at least 1")
    os.environ["DISTANS_SERVE_WORKERS"] = str(args.workers)
    if args.no_background:
        os.environ["DISTANS_SEPARATE_WORKER"] = "1"
    embedded = args.workers == 1 and not args.no_background
    os.environ["DISTANS_EMBEDDED_BACKGROUND"] = "1" if embedded else "0"

    from distans.cli import _django

    _django.setup()
    _django.run_system_checks()
    _django.ensure_database_reachable()

    import uvicorn
    from django.conf import settings

    proxies = settings.DISTANS_TRUSTED_PROXIES
    uvicorn.run(
        "distans.config.asgi:application",
        host=args.host,
        port=args.port,
        workers=args.workers,
        lifespan="on",
        log_level=os.environ.get("DISTANS_LOG_LEVEL", "warning"),
        ws_max_size=64 * 1024,
        # Live events are ~100-byte JSON: compressing each one per socket (each socket
        # has its own deflate state) saves nothing and cost ~0.1 ms per socket and event
        # in bench/fanout.py's profile, i.e. ~0.1 s per event at 1,000 agents.
        ws_per_message_deflate=False,
        timeout_graceful_shutdown=5,
        # uvicorn's default believes X-Forwarded-For from 127.0.0.1, i.e. from any local
        # process: only the configured proxies are believed
        proxy_headers=bool(proxies),
        forwarded_allow_ips=",".join(proxies) if proxies else "",
    )
    return 0
