"""Setting Django up for the commands that need it."""

from __future__ import annotations

import os
import sys


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "distans.config.settings")
    import django

    django.setup()


def run_system_checks() -> int:
    """Run Django's system checks; raise one readable error if any fails; print the
    warnings and return how many there were."""
    from django.core import checks
    from django.core.management.base import CommandError

    messages = checks.run_checks(include_deployment_checks=False)
    serious = [m for m in messages if m.is_serious()]
    warnings = [m for m in messages if not m.is_serious() and not m.is_silenced()]
    for message in warnings:
        hint = f" ({message.hint})" if message.hint else ""
        print(f"distans: warning: {message.msg}{hint}", file=sys.stderr)
    if serious:
        text = "; ".join(f"{m.msg} ({m.hint})" if m.hint else m.msg for m in serious)
        raise CommandError(text)
    return len(warnings)


def ensure_database_reachable() -> None:
    from django.core.management.base import CommandError
    from django.db import DatabaseError, connection

    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandError(f"cannot reach the database: {first_line}") from None
