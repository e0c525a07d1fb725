"""``distans privacy erase``: a data subject's personal data erased (contacts stay, anonymous)
(GDPR), by e-mail, phone or personal identity number (arguments and the work itself:
``privacy_find.subject_arguments`` / ``run_subject_command``)."""

from __future__ import annotations

import argparse

GROUP = "privacy"
NAME = "erase"
HELP = "erase a data subject's personal data (contacts stay, anonymous)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from distans.cli.privacy_find import subject_arguments

    subject_arguments(parser)
    parser.add_argument("--yes", action="store_true", help="really erase (else: what would be)")


def run(args: argparse.Namespace) -> int:
    from distans.cli.privacy_find import run_subject_command

    return run_subject_command(args, NAME)
