"""``distans telephony run``: start the gateway (rtpengine, then Kamailio) in the
foreground, beside ``distans serve``."""

from __future__ import annotations

import argparse

GROUP = "telephony"
NAME = "run"
HELP = "Run the telephony gateway (rtpengine and Kamailio) in the foreground."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir", help="the directory `distans telephony config` wrote (default: <var>/telephony)"
    )


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from distans.core.errors import InvalidInput

    if args.dir:
        directory = Path(args.dir)
    else:
        from distans.cli import _django

        _django.setup()
        from distans.telephony.gateway.config import default_directory

        directory = default_directory()
    from distans.telephony.gateway.config import load
    from distans.telephony.gateway.runner import GatewayMissing, run_foreground

    config = load(directory)
    if config is None:
        raise InvalidInput(
            f"no gateway configuration in {directory}: run `distans telephony config` first"
        )
    try:
        return run_foreground(config)
    except GatewayMissing as exc:
        raise InvalidInput(str(exc)) from None
