from __future__ import annotations

import argparse

GROUP = None
NAME = "check"
HELP = "Check the configuration, the database and the process layout."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=1, help="the server process count to check")
    parser.add_argument(
        "--separate-worker", action="store_true", help="check for a separate `distans worker`"
    )


def run(args: argparse.Namespace) -> int:
    import os

    os.environ["DISTANS_SERVE_WORKERS"] = str(args.workers)
    if args.separate_worker:
        os.environ["DISTANS_SEPARATE_WORKER"] = "1"
    from distans.cli import _django

    _django.setup()
    warnings = _django.run_system_checks()
    _django.ensure_database_reachable()
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    pending = MigrationExecutor(connection).migration_plan(
        MigrationExecutor(connection).loader.graph.leaf_nodes()
    )
    if warnings:
        print(f"configuration ok with {warnings} warning(s) (above); database: {connection.vendor}")
    else:
        print(f"configuration ok; database: {connection.vendor}")
    if pending:
        print(f"{len(pending)} migration(s) not applied: run `distans migrate`")
        return 1
    return 0
