"""``distans config import FILE [--dry-run]``: make the install's setup match a file
written by ``distans config export``. Prints what changes first; all or nothing."""

from __future__ import annotations

import argparse
import json

GROUP = "config"
NAME = "import"
HELP = "Import a setup file (JSON from `distans config export`): shows the changes, then applies them all or none."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="the JSON file")
    parser.add_argument("--dry-run", action="store_true", help="only show what would change")
    parser.add_argument(
        "--organisation",
        help="organisation slug to import into (default: the only one; with none, the file's is created)",
    )


def run(args: argparse.Namespace) -> int:
    from distans.cli import _django

    _django.setup()
    _django.ensure_database_reachable()
    from django.core.exceptions import ValidationError

    from distans.accounts.models import Organisation
    from distans.core.errors import InvalidInput
    from distans.setup.config import do_import_config, dry_run_import

    with open(args.file, encoding="utf-8") as handle:
        try:
            data = json.load(handle)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"{args.file} is not JSON: {exc}") from None
    if args.organisation:
        organisation = Organisation.objects.filter(slug=args.organisation).first()
        if organisation is None:
            raise InvalidInput(f"no organisation with slug {args.organisation}")
    else:
        organisations = list(Organisation.objects.all()[:2])
        if len(organisations) > 1:
            raise InvalidInput("there are several organisations: give --organisation SLUG")
        organisation = organisations[0] if organisations else None
    try:
        changes = dry_run_import(organisation, data) if args.dry_run else do_import_config(organisation, data)[1]
    except ValidationError as exc:
        raise InvalidInput("nothing imported: " + " ".join(exc.messages)) from None
    real = [c for c in changes if c.kind != "kept"]
    for change in changes:
        print("\n".join(change.lines()))
    verb = "would change" if args.dry_run else "changed"
    print(f"{len(real)} item(s) {verb}; {len(changes) - len(real)} kept as they are.")
    return 0
