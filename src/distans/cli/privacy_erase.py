"""``distans privacy erase``: a data subject's contacts (GDPR), by e-mail, phone or
personal identity number."""

from __future__ import annotations

import argparse

GROUP = "privacy"
NAME = "erase"
HELP = {
    "find": "list a data subject's contacts",
    "export": "export everything stored of a data subject's contacts (JSON)",
    "erase": "erase a data subject's personal data (contacts stay, anonymous)",
}["erase"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from distans.cli.privacy_find import subject_arguments

    subject_arguments(parser)
    if NAME == "erase":
        parser.add_argument("--yes", action="store_true", help="really erase (else: what would be)")


def run(args: argparse.Namespace) -> int:
    from distans.cli.privacy_find import run_subject_command

    return run_subject_command(args, NAME)
