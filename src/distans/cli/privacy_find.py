"""``distans privacy find``: a data subject's contacts (GDPR), by e-mail, phone or
personal identity number."""

from __future__ import annotations

import argparse

GROUP = "privacy"
NAME = "find"
HELP = "list a data subject's contacts"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    subject_arguments(parser)


def run(args: argparse.Namespace) -> int:
    return run_subject_command(args, NAME)


def subject_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email", default="", help="the person's e-mail address")
    parser.add_argument("--phone", default="", help="the person's phone number")
    parser.add_argument(
        "--identity-number", default="", help="personnummer or fødselsnummer (any format)"
    )
    parser.add_argument("--organisation", help="organisation slug (needed when there are several)")


def run_subject_command(args: argparse.Namespace, command: str) -> int:
    from distans.cli import _django

    _django.setup()
    _django.ensure_database_reachable()
    import json

    from distans.cli.report_summary import organisation_from
    from distans.contacts import actions, queries
    from distans.core.errors import InvalidInput

    if not (args.email.strip() or args.phone.strip() or args.identity_number.strip()):
        raise InvalidInput("give --email, --phone or --identity-number")
    organisation = organisation_from(args.organisation)
    contacts = queries.find_data_subject_contacts(
        organisation.pk,  # type: ignore[attr-defined]
        email=args.email,
        phone=args.phone,
        identity_number=args.identity_number,
    )
    if command == "find":
        rows = [
            {"case": c.case_number, "channel": c.channel, "arrived_at": c.enqueued_at.isoformat(),
             "subject": c.subject}  # fmt: skip
            for c in contacts
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    elif command == "export":
        print(json.dumps(queries.export_data_subject(contacts), ensure_ascii=False, indent=2))
    elif not args.yes:
        print(json.dumps({"would_erase_cases": [c.case_number for c in contacts],
                          "hint": "run again with --yes to erase"}, indent=2))  # fmt: skip
    else:
        report = actions.do_erase_data_subject(organisation, contacts)  # type: ignore[arg-type]
        print(json.dumps(report, indent=2))
    return 0
