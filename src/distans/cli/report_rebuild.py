"""``distans report rebuild``: recompute the report aggregates from the event log."""

from __future__ import annotations

import argparse

GROUP = "report"
NAME = "rebuild"
HELP = "Recompute an organisation's report aggregates from the event log and imported history."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--organisation", help="organisation slug (needed when there are several)")


def run(args: argparse.Namespace) -> int:
    from distans.cli import _django

    _django.setup()
    _django.ensure_database_reachable()
    from django.db import transaction

    from distans.cli.report_summary import organisation_from
    from distans.reports.actions import do_rebuild_aggregates

    organisation = organisation_from(args.organisation)
    with transaction.atomic():
        rows = do_rebuild_aggregates(organisation)  # type: ignore[arg-type]
    print(f"rebuilt {rows} interval rows for {organisation}")
    return 0
