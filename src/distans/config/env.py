"""Typed helpers that read configuration from the environment.

Configuration comes only from environment variables. Each helper fails loudly with
the variable's name, so a typo in a deployment is one clear line, not a traceback.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


class ConfigError(Exception):
    """An environment variable is missing or malformed."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ConfigError(f"{name} is not set")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not an integer") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def var_dir() -> Path:
    """The directory for the embedded database, the generated secret and uploads."""
    path = Path(env_str("DISTANS_VAR_DIR", str(Path.cwd() / "var"))).resolve()
    return path


@dataclass(frozen=True)
class DatabaseConfig:
    engine: str
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    options: dict[str, str] | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine == "django.db.backends.sqlite3"

    def as_django(self) -> dict[str, object]:
        config: dict[str, object] = {
            "ENGINE": self.engine,
            "NAME": self.name,
            "USER": self.user,
            "PASSWORD": self.password,
            "HOST": self.host,
            "PORT": self.port,
            "ATOMIC_REQUESTS": False,
            "CONN_MAX_AGE": 0,
        }
        if self.is_sqlite:
            # WAL lets readers work while the router writes; IMMEDIATE transactions
            # take the write lock at BEGIN, so two writers queue instead of failing
            # with "database is locked" half-way through.
            config["OPTIONS"] = {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
                ),
            }
            config["TEST"] = {"NAME": None}
        else:
            config["OPTIONS"] = dict(self.options or {})
        return config


def parse_database_url(name: str, url: str) -> DatabaseConfig:
    parsed = urlparse(url)
    scheme = parsed.scheme
    if scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path
        if not url.startswith("sqlite:///"):
            raise ConfigError(f"{name}={url!r}: write sqlite:///relative or sqlite:////absolute")
        path = unquote(url[len("sqlite:///") :].split("?", 1)[0])
        if not path:
            raise ConfigError(f"{name}={url!r}: a SQLite URL needs a file path")
        return DatabaseConfig("django.db.backends.sqlite3", path)
    if scheme in {"postgres", "postgresql", "pgsql"}:
        dbname = unquote(parsed.path.lstrip("/"))
        if not dbname:
            raise ConfigError(f"{name}={url!r}: a PostgreSQL URL needs a database name")
        options = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
        return DatabaseConfig(
            "django.db.backends.postgresql",
            dbname,
            user=unquote(parsed.username or ""),
            password=unquote(parsed.password or ""),
            host=parsed.hostname or "",
            port=str(parsed.port or ""),
            options=options,
        )
    raise ConfigError(
        f"{name}={url!r}: unsupported scheme {scheme!r} (use sqlite:///path or postgresql://…)"
    )


def database_config() -> DatabaseConfig:
    default = f"sqlite:///{var_dir() / 'distans.sqlite3'}"
    url = env_str("DATABASE_URL", default)
    if url == default:
        return DatabaseConfig("django.db.backends.sqlite3", str(var_dir() / "distans.sqlite3"))
    return parse_database_url("DATABASE_URL", url)


def redis_url() -> str | None:
    value = os.environ.get("REDIS_URL", "").strip()
    if not value:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(f"REDIS_URL={value!r} must start with redis://, rediss:// or unix://")
    return value


def secret_key(debug: bool) -> str:
    """SECRET_KEY from the environment; in debug/embedded mode one is generated and
    kept under ./var/ so sessions survive a restart."""
    value = os.environ.get("SECRET_KEY")
    if value:
        if len(value) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters long")
        return value
    if not debug and not env_bool("DISTANS_EMBEDDED", default=True):
        raise ConfigError("SECRET_KEY is not set (required when DEBUG is off)")
    path = var_dir() / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key
