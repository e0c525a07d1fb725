"""``distans report summary``: report figures per period from the interval aggregate."""

from __future__ import annotations

import argparse

GROUP = "report"
NAME = "summary"
HELP = "Print offered, answered, abandoned, service level, ASA and AHT per period (JSON or CSV)."

FIELDS = ("period", "offered", "answered", "abandoned", "service_level", "service_level_2",
          "asa_seconds", "aht_seconds")  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="first_day", required=True, help="first day (YYYY-MM-DD)")
    parser.add_argument("--to", dest="last_day", required=True, help="last day, inclusive")
    parser.add_argument("--queue", action="append", default=[], help="queue code (repeatable)")
    parser.add_argument("--by", default="day", choices=["interval", "hour", "day", "week", "month"])
    parser.add_argument("--format", default="json", choices=["json", "csv"])
    parser.add_argument("--organisation", help="organisation slug (needed when there are several)")
    parser.add_argument("--all-metrics", action="store_true", help="print every metric")
    parser.add_argument("--update", action="store_true", help="fold new events in first")


def _date(text: str) -> object:
    from datetime import date

    from distans.core.errors import InvalidInput

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"not a date (YYYY-MM-DD): {text}") from None


def organisation_from(slug: str | None) -> object:
    from distans.accounts.models import Organisation
    from distans.core.errors import InvalidInput

    if slug:
        found = Organisation.objects.filter(slug=slug).first()
        if found is None:
            raise InvalidInput(f"no organisation with slug {slug}")
        return found
    organisations = list(Organisation.objects.all()[:2])
    if len(organisations) != 1:
        raise InvalidInput("there are several organisations (or none): give --organisation SLUG")
    return organisations[0]


def run(args: argparse.Namespace) -> int:
    from distans.cli import _django

    _django.setup()
    _django.ensure_database_reachable()
    import csv
    import json
    import sys

    from distans.core.reports.periods import Granularity
    from distans.reports import actions, queries
    from distans.routing.models import Queue

    organisation = organisation_from(args.organisation)
    if args.update:
        actions.do_update_aggregates(organisation)
    filters = {}
    if args.queue:
        codes = set(args.queue)
        codes |= set(
            Queue.all_objects.for_org(organisation)
            .filter(name__in=args.queue)
            .values_list("code", flat=True)
        )
        filters["queue"] = codes
    rows = queries.report_rows(
        organisation, _date(args.first_day), _date(args.last_day), Granularity(args.by),
        filters=filters,
    )  # fmt: skip
    records = [row.as_dict() for row in rows]
    if not args.all_metrics:
        records = [{k: r[k] for k in FIELDS} for r in records]
    if args.format == "json":
        json.dump(records, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(records[0]) if records else list(FIELDS),
                                lineterminator="\n")  # fmt: skip
        writer.writeheader()
        writer.writerows(records)
    return 0
