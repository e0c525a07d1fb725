"""The gateway's settings and the configuration files made from them.

``<var>/telephony/gateway.json`` holds what ``distans telephony config`` decided (ports,
the SIP domain, the secrets shared by Distans and Kamailio, the API key Kamailio uses
for the telephony contract); Kamailio's and rtpengine's files are rendered from
``templates/`` with the organisation's queue lines. Placeholders are ``@@NAME@@``
(Kamailio's own syntax uses ``$``, ``{`` and ``%``)."""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

TEMPLATES = Path(__file__).parent / "templates"
KAMAILIO_MODULES = "/usr/lib/x86_64-linux-gnu/kamailio/modules/"
SAFE_LINE = re.compile(r"^[0-9A-Za-z+*#._-]{1,40}$")


@dataclass
class GatewayConfig:
    directory: str
    organisation_id: int
    language: str = "sv"
    domain: str = "distans.local"
    bind: str = "127.0.0.1"
    media_ip: str = "127.0.0.1"
    sip_port: int = 5060
    ws_port: int = 8088
    ng_port: int = 22222
    rtp_min: int = 30000
    rtp_max: int = 30999
    distans_url: str = "http://127.0.0.1:8000"
    api_key: str = ""
    control_token: str = field(default_factory=lambda: secrets.token_hex(16))
    register_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    ring_seconds: int = 30
    max_wait_seconds: int = 3600
    trunk: str = ""  # host[:port] of a SIP trunk for agents' mobiles, e.g. sip.operator.example
    lines: list[str] = field(default_factory=list)
    children: int = 4
    debug: int = 1

    @property
    def path(self) -> Path:
        return Path(self.directory)

    @property
    def control_url(self) -> str:
        return f"http://127.0.0.1:{self.ws_port}/distans/connect"

    @property
    def health_url(self) -> str:
        return f"http://127.0.0.1:{self.ws_port}/distans/health"

    @property
    def transfer_url(self) -> str:
        return f"http://127.0.0.1:{self.ws_port}/distans/transfer"

    @property
    def consult_url(self) -> str:
        return f"http://127.0.0.1:{self.ws_port}/distans/consult"

    @property
    def dtmf_port(self) -> int:
        """rtpengine's DTMF events (UDP, loopback), read by ``gateway.dtmf``."""
        return self.ng_port + 1

    @property
    def hangup_url(self) -> str:
        return f"http://127.0.0.1:{self.ws_port}/distans/hangup"

    @property
    def websocket_url(self) -> str:
        return f"ws://{self.bind}:{self.ws_port}/ws"

    def aor(self, person_id: int) -> str:
        return f"sip:agent-{person_id}@{self.domain}"

    def password(self, user: str) -> str:
        """The softphone's SIP password: Kamailio computes the same HMAC-SHA256 (base64url,
        unpadded: its crypto module's form), so it needs no user table."""
        import base64
        import hashlib
        import hmac

        digest = hmac.new(self.register_secret.encode(), user.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def save(self) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        target = self.path / "gateway.json"
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(asdict(self), handle, indent=2)
        return target


def load(directory: str | Path) -> GatewayConfig | None:
    target = Path(directory) / "gateway.json"
    if not target.exists():
        return None
    data = json.loads(target.read_text())
    known = GatewayConfig.__dataclass_fields__
    return GatewayConfig(**{k: v for k, v in data.items() if k in known})


def default_directory() -> Path:
    from django.conf import settings

    configured = getattr(settings, "DISTANS_TELEPHONY_GATEWAY_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / "telephony"


def current() -> GatewayConfig | None:
    """The gateway this Distans controls, if ``distans telephony config`` made one."""
    return load(default_directory())


def _fill(template: str, values: dict[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        return values[match.group(1)]

    return re.sub(r"@@([A-Z_]+)@@", replace, template)


def render_kamailio(config: GatewayConfig) -> str:
    lines = [line for line in config.lines if SAFE_LINE.match(line)]
    init = "\n".join(f"\t$sht(lines=>{line}) = 1;" for line in lines) or "\t# no queue lines yet"
    trunk = ""
    if config.trunk:
        trunk = (
            "\t# an agent's mobile (or any number) through the SIP trunk\n"
            '\tif ($rd != "'
            + config.domain
            + '" && $rU =~ "^\\+?[0-9]+$") { $rd = "'
            + config.trunk.split(":")[0]
            + '"; '
            + (f"$rp = {config.trunk.split(':')[1]}; " if ":" in config.trunk else "")
            + "}"
        )
    values = {
        "DEBUG": str(config.debug),
        "CHILDREN": str(config.children),
        "DOMAIN": config.domain,
        "BIND": config.bind,
        "SIP_PORT": str(config.sip_port),
        "WS_PORT": str(config.ws_port),
        "NG_PORT": str(config.ng_port),
        "MODULES": KAMAILIO_MODULES,
        "RING_S": str(config.ring_seconds),
        "RING_MS": str(config.ring_seconds * 1000),
        "MAX_WAIT_S": str(config.max_wait_seconds),
        "MAX_WAIT_MS": str(config.max_wait_seconds * 1000),
        "PARK_EXPIRE_S": str(config.max_wait_seconds + 60),
        "ARRIVAL_RETRY_S": "120",
        "DISTANS_URL": config.distans_url.rstrip("/"),
        "API_KEY": config.api_key,
        "CONTROL_TOKEN": config.control_token,
        "REGISTER_SECRET": config.register_secret,
        "LINES_INIT": init,
        "LINES_COMMENT": ", ".join(lines) or "none yet",
        "TRUNK_ROUTE": trunk,
    }
    return _fill((TEMPLATES / "kamailio.cfg").read_text(), values)


def render_rtpengine(config: GatewayConfig) -> str:
    values = {
        "MEDIA_IP": config.media_ip,
        "DTMF_PORT": str(config.dtmf_port),
        "NG_PORT": str(config.ng_port),
        "RTP_MIN": str(config.rtp_min),
        "RTP_MAX": str(config.rtp_max),
        "RTP_LOG_LEVEL": "6" if config.debug > 1 else "5",
    }
    return _fill((TEMPLATES / "rtpengine.conf").read_text(), values)


def write_files(config: GatewayConfig) -> list[Path]:
    config.path.mkdir(parents=True, exist_ok=True)
    written = [config.save()]
    for name, text in (
        ("kamailio.cfg", render_kamailio(config)),
        ("rtpengine.conf", render_rtpengine(config)),
    ):
        target = config.path / name
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        written.append(target)
    return written
