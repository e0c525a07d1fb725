"""Telephony reads: the desk's softphone settings."""

from __future__ import annotations

from typing import Any

from distans.accounts.models import Person


def softphone_for(person: Person) -> dict[str, Any] | None:
    """What the desk's browser softphone needs to register with the built-in gateway,
    or None when this organisation has no gateway (``distans telephony config``)."""
    from distans.telephony.gateway.config import current

    config = current()
    if config is None or config.organisation_id != person.organisation_id:
        return None
    user = f"agent-{person.pk}"
    return {
        "websocket": config.websocket_url,
        "uri": config.aor(person.pk),
        "user": user,
        "password": config.password(user),
        "name": person.full_name,
    }
