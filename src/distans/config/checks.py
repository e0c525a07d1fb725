"""System checks that refuse unsafe deployments, saying why."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register("distans")
def check_process_layout(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    errors: list[Error] = []
    multi = settings.DISTANS_SERVE_WORKERS > 1 or settings.DISTANS_SEPARATE_WORKER
    if not multi:
        return errors
    what = (
        f"--workers {settings.DISTANS_SERVE_WORKERS}"
        if settings.DISTANS_SERVE_WORKERS > 1
        else "a separate worker process"
    )
    if not settings.REDIS_URL:
        errors.append(
            Error(
                f"{what} needs REDIS_URL: without Redis each process has its own in-memory "
                "channel layer, so live updates from one process never reach pages served "
                "by another.",
                hint="Set REDIS_URL=redis://127.0.0.1:6379/0, or run one process.",
                id="distans.E001",
            )
        )
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        errors.append(
            Error(
                f"{what} needs PostgreSQL: SQLite serialises every write, and routing "
                "claims across processes need row locks.",
                hint="Set DATABASE_URL=postgresql://user@host/dbname, or run one process.",
                id="distans.E002",
            )
        )
    return errors


@register("distans")
def check_production_safety(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    """Settings that are fine on a developer's machine and wrong on a public server."""
    warnings: list[Warning] = []
    if settings.DEBUG:
        warnings.append(
            Warning(
                "DEBUG is on: error pages show settings and code, and every database "
                "query is kept in memory. Never run a public server with DEBUG=1.",
                hint="Unset DEBUG (or DEBUG=0) outside development.",
                id="distans.W001",
            )
        )
    if settings.SESSION_COOKIE_SECURE and not settings.SECURE_HSTS_SECONDS:
        warnings.append(
            Warning(
                "The site is served over HTTPS (SESSION_COOKIE_SECURE) but HSTS is off: a "
                "browser may still be sent to the http:// address first.",
                hint="Set DISTANS_HSTS_SECONDS=31536000 once HTTPS works for every name.",
                id="distans.W002",
            )
        )
    return warnings


OIDC_VARIABLES = {
    "OIDC_RP_CLIENT_SECRET": "DISTANS_OIDC_CLIENT_SECRET",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "DISTANS_OIDC_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT": "DISTANS_OIDC_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT": "DISTANS_OIDC_USERINFO_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT": "DISTANS_OIDC_JWKS_ENDPOINT",
}


@register("distans")
def check_single_sign_on(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Single sign-on switched on (a client id) needs the rest of the provider's settings."""
    if not settings.DISTANS_OIDC_ENABLED:
        return []
    missing = [env for name, env in OIDC_VARIABLES.items() if not getattr(settings, name, "")]
    if not missing:
        return []
    return [
        Error(
            "Single sign-on is on (DISTANS_OIDC_CLIENT_ID is set) but " + ", ".join(missing)
            + " is not set: nobody could sign in with the organisation's account.",
            hint="Set them from the provider's app registration (docs/dev/sso.md), or unset "
            "DISTANS_OIDC_CLIENT_ID.",
            id="distans.E003",
        )
    ]
