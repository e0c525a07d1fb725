"""``distans telephony config``: Kamailio's and rtpengine's configuration, from the
organisation's queue lines, and the waiting caller's prompts."""

from __future__ import annotations

import argparse

GROUP = "telephony"
NAME = "config"
HELP = "Write the telephony gateway's configuration (Kamailio, rtpengine, prompts) from the organisation's setup."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--organisation", help="organisation slug (needed when there are several)")
    parser.add_argument("--dir", help="where to write (default: <var>/telephony)")
    parser.add_argument(
        "--domain", help="the SIP domain agents register in (default distans.local)"
    )
    parser.add_argument("--bind", help="address Kamailio listens on (default 127.0.0.1)")
    parser.add_argument("--media-ip", help="address rtpengine relays media on (default 127.0.0.1)")
    parser.add_argument("--sip-port", type=int, help="SIP over UDP and TCP (default 5060)")
    parser.add_argument(
        "--ws-port", type=int, help="SIP over WebSocket for browsers (default 8088)"
    )
    parser.add_argument("--ng-port", type=int, help="rtpengine's control port (default 22222)")
    parser.add_argument("--rtp-min", type=int, help="first media port (default 30000)")
    parser.add_argument("--rtp-max", type=int, help="last media port (default 30999)")
    parser.add_argument(
        "--distans-url", help="how Kamailio reaches Distans (default http://127.0.0.1:8000)"
    )
    parser.add_argument("--trunk", help="host[:port] of a SIP trunk for agents' mobiles")
    parser.add_argument(
        "--language", choices=["sv", "nb", "en"], help="language of the prompts played"
    )
    parser.add_argument(
        "--max-wait",
        dest="max_wait_seconds",
        type=int,
        help="longest a caller is held in the queue, seconds (default 3600)",
    )
    parser.add_argument(
        "--ring",
        dest="ring_seconds",
        type=int,
        help="how long an agent is rung, seconds (default 30)",
    )
    parser.add_argument(
        "--remake-prompts",
        action="store_true",
        help="make the spoken prompts and music again (replaces your own recordings)",
    )


def run(args: argparse.Namespace) -> int:
    from distans.cli import _django

    _django.setup()
    from pathlib import Path
    from typing import cast

    from distans.accounts.models import Organisation
    from distans.cli.report_summary import organisation_from
    from distans.telephony.gateway.config import default_directory
    from distans.telephony.gateway.setup import configure

    organisation = organisation_from(args.organisation)
    directory = Path(args.dir) if args.dir else default_directory()
    options = {
        name: getattr(args, name)
        for name in (
            "domain",
            "bind",
            "media_ip",
            "sip_port",
            "ws_port",
            "ng_port",
            "rtp_min",
            "rtp_max",
            "distans_url",
            "trunk",
            "language",
            "max_wait_seconds",
            "ring_seconds",
        )
    }
    config, written = configure(
        cast(Organisation, organisation), directory, remake_prompts=args.remake_prompts, **options
    )
    print(
        f"telephony gateway for {organisation}: {len(config.lines)} lines; "
        f"{len(written)} files written in {config.path}"
    )
    return 0
