"""``distans telephony config``: the gateway's settings from the organisation's setup."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from distans.accounts.actions import do_create_api_token
from distans.accounts.models import ApiToken, Organisation
from distans.routing.models import Queue
from distans.telephony.gateway import prompts
from distans.telephony.gateway.config import GatewayConfig, load, write_files
from distans.telephony.models import Line

KEY_NAME = "Telephony gateway (Kamailio)"


def language_of(organisation: Organisation) -> str:
    return {"SE": "sv", "NO": "nb"}.get(organisation.country, "en")


def _key_is_active(key: str) -> bool:
    digest = hashlib.sha256(key.encode()).hexdigest()
    return ApiToken.objects.filter(key_hash=digest, is_active=True).exists()


def configure(
    organisation: Organisation, directory: Path, *, remake_prompts: bool = False, **options: Any
) -> tuple[GatewayConfig, list[Path]]:
    """Write gateway.json, kamailio.cfg, rtpengine.conf and the prompts. Secrets and the
    API key are kept from an earlier run (a revoked key is replaced)."""
    previous = load(directory)
    config = previous or GatewayConfig(
        directory=str(directory),
        organisation_id=organisation.pk,
        language=language_of(organisation),
    )
    config.directory = str(directory)
    if config.organisation_id != organisation.pk:
        config = GatewayConfig(
            directory=str(directory),
            organisation_id=organisation.pk,
            language=language_of(organisation),
        )
    for name, value in options.items():
        if value is not None:
            setattr(config, name, value)
    if not config.api_key or not _key_is_active(config.api_key):
        config.api_key, _ = do_create_api_token(
            organisation, KEY_NAME, scopes=["telephony.adapter"]
        )
    numbers = list(
        Line.objects.for_org(organisation).order_by("number").values_list("number", flat=True)
    )
    codes = list(
        Queue.objects.for_org(organisation).order_by("code").values_list("code", flat=True)
    )
    config.lines = sorted(set(numbers + codes))
    written = write_files(config)
    if prompts.available():
        written += prompts.make(config.path / "prompts", [config.language], remake=remake_prompts)
    return config, written
