"""``distans privacy export``: everything stored of a data subject's contacts
(GDPR), by e-mail, phone or personal identity number (arguments and the work itself:
``privacy_find.subject_arguments`` / ``run_subject_command``)."""

from __future__ import annotations

import argparse

GROUP = "privacy"
NAME = "export"
HELP = "export everything stored of a data subject's contacts (JSON)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from distans.cli.privacy_find import subject_arguments

    subject_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from distans.cli.privacy_find import run_subject_command

    return run_subject_command(args, NAME)
