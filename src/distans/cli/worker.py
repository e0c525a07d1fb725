from __future__ import annotations

import argparse
import os
import signal

GROUP = None
NAME = "worker"
HELP = "Run background tasks and periodic jobs (needs PostgreSQL and Redis)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--id", default=None, help="worker id shown in task results")


def run(args: argparse.Namespace) -> int:
    os.environ["DISTANS_SEPARATE_WORKER"] = "1"
    from distans.cli import _django

    _django.setup()
    _django.run_system_checks()
    _django.ensure_database_reachable()
    from distans.background import start_background_threads

    stop = start_background_threads(args.id or f"worker-{os.getpid()}")

    def handle(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, handle)
    signal.signal(signal.SIGTERM, handle)
    print("distans worker running; Ctrl-C stops it", flush=True)
    while not stop.wait(1.0):
        pass
    return 0
