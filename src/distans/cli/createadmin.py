from __future__ import annotations

import argparse
import getpass
import os

GROUP = None
NAME = "createadmin"
HELP = "Create an organisation admin (and the organisation if it is new)."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email", required=True)
    parser.add_argument("--name", required=True, help="the person's full name")
    parser.add_argument("--organisation", required=True, help="organisation name")
    parser.add_argument(
        "--password-env",
        default="DISTANS_ADMIN_PASSWORD",
        help="environment variable holding the password (asked for when unset)",
    )


def run(args: argparse.Namespace) -> int:
    from distans.cli import _django

    _django.setup()
    _django.ensure_database_reachable()
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.core.management.base import CommandError
    from django.utils.text import slugify

    from distans.accounts.models import Organisation, Person

    password = os.environ.get(args.password_env) or getpass.getpass("Password: ")
    try:
        validate_password(password)
    except ValidationError as exc:
        raise CommandError(" ".join(exc.messages)) from None
    if Person.objects.filter(email=args.email.lower()).exists():
        raise CommandError(f"a person with e-mail {args.email} already exists")
    organisation, _ = Organisation.objects.get_or_create(
        slug=slugify(args.organisation)[:50] or "org", defaults={"name": args.organisation}
    )
    Person.objects.create_user(
        args.email,
        password,
        full_name=args.name,
        organisation=organisation,
        is_org_admin=True,
        is_supervisor=True,
        is_agent=False,
        is_staff=True,
    )
    print(f"created admin {args.email} for {organisation.name}")
    return 0
