from __future__ import annotations

import argparse

GROUP = None
NAME = "migrate"
HELP = "Create or update the database tables."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")


def run(args: argparse.Namespace) -> int:
    from distans.cli import _django

    _django.setup()
    _django.ensure_database_reachable()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0 if args.quiet else 1)
    return 0
