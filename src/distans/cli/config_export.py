"""``distans config export``: the organisation's whole setup as one JSON file."""

from __future__ import annotations

import argparse
import json
import sys

GROUP = "config"
NAME = "export"
HELP = "Write the organisation's setup (queues, calendars, teams, sites, skills, channels; no secrets) as JSON."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--organisation", help="organisation slug (needed when there are several)")
    parser.add_argument("--output", "-o", help="file to write (default: standard output)")


def run(args: argparse.Namespace) -> int:
    from distans.cli import _django

    _django.setup()
    _django.ensure_database_reachable()
    from distans.accounts.models import Organisation
    from distans.core.errors import InvalidInput
    from distans.setup.config import export_config

    if args.organisation:
        organisation = Organisation.objects.filter(slug=args.organisation).first()
        if organisation is None:
            raise InvalidInput(f"no organisation with slug {args.organisation}")
    else:
        organisations = list(Organisation.objects.all()[:2])
        if len(organisations) != 1:
            raise InvalidInput("there are several organisations (or none): give --organisation SLUG")
        organisation = organisations[0]
    text = json.dumps(export_config(organisation), ensure_ascii=False, indent=2, sort_keys=True)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    else:
        sys.stdout.write(text + "\n")
    return 0
