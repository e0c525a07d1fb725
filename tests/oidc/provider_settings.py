"""A tiny OpenID Connect provider for the single sign-on tests: django-oidc-provider in
a Django project of its own (its own SQLite), run as a real server on 127.0.0.1 by
tests/oidc/provider.py. It stands in for Entra ID, Keycloak or Google."""

from __future__ import annotations

import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
SECRET_KEY = "provider-test-only-" + "x" * 40
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.oidc.provider_urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [HERE / "templates"],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
}]  # fmt: skip
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3",
                         "NAME": os.environ["OIDC_PROVIDER_DB"]}}  # fmt: skip
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
LOGIN_URL = "/accounts/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # a test provider
OIDC_USERINFO = "tests.oidc.provider_settings.userinfo"
OIDC_IDTOKEN_INCLUDE_CLAIMS = True


def userinfo(claims: dict, user: object) -> dict:  # type: ignore[type-arg]
    """The claims the provider tells about its user: the e-mail address, and whether it
    was verified (a user whose last name is "unverified" is not)."""
    claims["email"] = user.email  # type: ignore[attr-defined]
    claims["email_verified"] = user.last_name != "unverified"  # type: ignore[attr-defined]
    claims["name"] = user.get_full_name()  # type: ignore[attr-defined]
    return claims
