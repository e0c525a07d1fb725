"""`distans telephony config`: Kamailio's and rtpengine's files from the organisation's
setup (no gateway needed, except for Kamailio's own syntax check when installed)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from tests.factories import make_organisation, make_queue

from distans.accounts.models import ApiToken
from distans.telephony.gateway.config import load
from distans.telephony.gateway.rtpengine import bdecode, bencode
from distans.telephony.gateway.setup import configure
from distans.telephony.models import Line

pytestmark = pytest.mark.django_db


def test_the_configuration_carries_the_lines_and_keeps_its_key_and_secrets(
    tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(
        "distans.telephony.gateway.prompts.available", lambda: False
    )  # no audio here
    org = make_organisation(country="NO")
    queue = make_queue(org, code="sentralbord")
    Line.objects.create(organisation=org, number="+4722334455", name="Sentralbord", queue=queue)
    Line.objects.create(organisation=org, number="bad line\n$(evil)", name="Feil", queue=queue)

    config, written = configure(org, tmp_path, sip_port=5070, max_wait_seconds=900)
    cfg = (tmp_path / "kamailio.cfg").read_text()
    assert "$sht(lines=>+4722334455) = 1;" in cfg and "$sht(lines=>sentralbord) = 1;" in cfg
    assert "evil" not in cfg  # a number Kamailio's syntax cannot hold is left out
    assert (
        "listen=udp:127.0.0.1:5070" in cfg and 'modparam("tm", "max_inv_lifetime", 900000)' in cfg
    )
    assert f"Bearer {config.api_key}" in cfg and "@@" not in cfg
    assert "listen-ng = 127.0.0.1:22222" in (tmp_path / "rtpengine.conf").read_text()
    assert config.language == "nb"
    token = ApiToken.objects.get(key_hash=hashlib.sha256(config.api_key.encode()).hexdigest())
    assert token.organisation == org and token.scopes == ["telephony.adapter"]
    assert oct((tmp_path / "gateway.json").stat().st_mode & 0o777) == "0o600"  # it holds secrets

    again, _ = configure(org, tmp_path)
    assert (again.api_key, again.register_secret, again.sip_port) == (
        config.api_key,
        config.register_secret,
        5070,
    )
    assert (
        json.loads((tmp_path / "gateway.json").read_text())["control_token"] == config.control_token
    )
    token.is_active = False
    token.save()
    assert configure(org, tmp_path)[0].api_key != config.api_key  # a revoked key is replaced
    assert load(tmp_path) is not None

    if shutil.which("kamailio") or Path("/usr/sbin/kamailio").exists():
        check = subprocess.run(
            ["/usr/sbin/kamailio", "-c", "-f", str(tmp_path / "kamailio.cfg")],
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stderr[-2000:]


def test_rtpengine_messages_round_trip() -> None:
    message = {
        "command": "offer",
        "call-id": "wait-1",
        "flags": ["a", "b"],
        "n": 3,
        "sdp": "v=0\r\n",
    }
    assert bdecode(bencode(message)) == message
