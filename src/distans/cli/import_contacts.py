"""``distans import contacts FILE.csv``: bring an organisation's contact history into reports."""

from __future__ import annotations

import argparse

GROUP = "import"
NAME = "contacts"
HELP = "Import contact history (arrived_at, queue, channel, topic, waited_seconds, handled_seconds, outcome)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="CSV file (UTF-8 unless --encoding, header row)")
    parser.add_argument(
        "--encoding", default="utf-8-sig",
        help="the file's encoding, e.g. cp1252 for an Excel export (default: UTF-8)",
    )  # fmt: skip
    parser.add_argument("--organisation", help="organisation slug (needed when there are several)")
    parser.add_argument(
        "--time-zone", help="zone of times without an offset (default: the organisation's)"
    )


def run(args: argparse.Namespace) -> int:
    from distans.cli import _django

    _django.setup()
    _django.ensure_database_reachable()
    import json
    import sys
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from distans.cli.report_summary import organisation_from
    from distans.core.errors import InvalidInput
    from distans.reports import actions

    organisation = organisation_from(args.organisation)
    try:
        zone = ZoneInfo(args.time_zone or organisation.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone: {args.time_zone}") from None
    import codecs

    try:
        codecs.lookup(args.encoding)
    except LookupError:
        raise InvalidInput(f"unknown encoding: {args.encoding}") from None
    try:
        handle = open(args.file, "rb")  # decoded line by line: a bad line costs its row
    except OSError as exc:
        raise InvalidInput(f"cannot read {args.file}: {exc.strerror}") from None
    with handle:
        result = actions.do_import_contacts(organisation, handle, zone, encoding=args.encoding)
    for error in result.errors:
        where = f" ({error.column}: {error.value!r})" if error.column else ""
        print(f"{args.file}:{error.line}: skipped: {error.message}{where}", file=sys.stderr)
    if result.error_count > len(result.errors):
        print(f"… and {result.error_count - len(result.errors)} more skipped rows", file=sys.stderr)
    print(json.dumps({"imported": result.imported, "rows": result.rows_read,
                      "skipped": result.error_count, "batch": result.batch}))  # fmt: skip
    return 0
