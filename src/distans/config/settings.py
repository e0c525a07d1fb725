"""Django settings for Distans, read only from the environment (see env.py).

Embedded default: SQLite under ./var/, in-memory channel layer and cache, the task
worker inside the server process. With REDIS_URL and a PostgreSQL DATABASE_URL the
same code runs as many server and worker processes.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from distans.config import env

PACKAGE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = env.var_dir()

DEBUG = env.env_bool("DEBUG", default=False)
SECRET_KEY = env.secret_key(DEBUG)
# Fernet keys for secrets at rest, newest first (accounts/fields.py); empty: from SECRET_KEY.
DISTANS_SECRET_KEYS = env.env_str("DISTANS_SECRET_KEYS", "")
ALLOWED_HOSTS = env.env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.env_list("CSRF_TRUSTED_ORIGINS", [])
TIME_ZONE = env.env_str("TIME_ZONE", "Europe/Stockholm")
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("nb", _("Norwegian Bokmål")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

DATABASE = env.database_config()
DATABASES = {"default": DATABASE.as_django()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
REDIS_URL = env.redis_url()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # /api/docs: Swagger UI from ninja's own static files, not a CDN (CSP)
    "channels",
    "django_tasks",
    "django_tasks_db",
    "distans.accounts",
    "distans.realtime",
    "distans.web",
    "distans.team",
    "distans.contacts",
    "distans.routing",
    "distans.channels_email",
    "distans.channels_chat",
    "distans.telephony",
    "distans.desk",
    "distans.wallboard",
    "distans.topics",
    "distans.reports",
    "distans.planning",
    "distans.administration",
    "distans.setup",
    "distans.announcements",
    "distans.absence",
    "distans.visits",
    "distans.continuity",
    "distans.wellbeing",
    "distans.switchboard",
    "distans.sso",
    "django_otp",  # the second factor (TOTP): distans.sso.models.SecondFactor
]

MIDDLEWARE = [
    "distans.api.main.ApiErrorFormatMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "distans.accounts.middleware.PersonLanguageMiddleware",
    "distans.web.guard.HostileTextMiddleware",
    "distans.web.outage.OutageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "distans.config.urls"
ASGI_APPLICATION = "distans.config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "distans.web.context.navigation",
                "distans.continuity.context.banner",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.Person"
AUTHENTICATION_BACKENDS = [
    "distans.accounts.backends.LockoutModelBackend",
    "distans.sso.backends.OrganisationOIDCBackend",  # does nothing until configured
]

# Single sign-on with the organisation's accounts (OpenID Connect; docs/deploy.md):
# on when a client id is set. People are matched by e-mail, never created.
OIDC_RP_CLIENT_ID = env.env_str("DISTANS_OIDC_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env.env_str("DISTANS_OIDC_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.env_str("DISTANS_OIDC_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env.env_str("DISTANS_OIDC_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env.env_str("DISTANS_OIDC_USERINFO_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env.env_str("DISTANS_OIDC_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = env.env_str("DISTANS_OIDC_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = "openid email profile"
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False
OIDC_TIMEOUT = 15
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"
LOGIN_REDIRECT_URL_FAILURE = "/account/login/?sso=failed"
DISTANS_OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
#: only people of this organisation (its slug) may sign in through the provider
DISTANS_OIDC_ORGANISATION = env.env_str("DISTANS_OIDC_ORGANISATION", "")
#: the provider's name on the login page ("Microsoft", "Google", "Kommunens konto")
DISTANS_OIDC_NAME = env.env_str("DISTANS_OIDC_NAME", "")
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Lockout: this many failed logins for one e-mail within the window locks it.
DISTANS_LOGIN_MAX_FAILURES = env.env_int("DISTANS_LOGIN_MAX_FAILURES", 5)
DISTANS_LOGIN_LOCKOUT_SECONDS = env.env_int("DISTANS_LOGIN_LOCKOUT_SECONDS", 900)
# … and this many failed logins from one client address (any e-mails) lock the address.
DISTANS_LOGIN_MAX_FAILURES_PER_ADDRESS = env.env_int("DISTANS_LOGIN_MAX_FAILURES_PER_ADDRESS", 20)
# Password-reset mails: at most this many per e-mail and per client address an hour.
DISTANS_PASSWORD_RESETS_PER_EMAIL = env.env_int("DISTANS_PASSWORD_RESETS_PER_EMAIL", 3)
DISTANS_PASSWORD_RESETS_PER_ADDRESS = env.env_int("DISTANS_PASSWORD_RESETS_PER_ADDRESS", 10)
# Set by `distans demo` for its server and its traffic process: the demo's simulated
# chat visitors present it and get rate-limit buckets of their own, so they never use
# up the limits of a real visitor on the same address (127.0.0.1). Empty: no such thing.
DISTANS_DEMO_VISITOR_KEY = env.env_str("DISTANS_DEMO_VISITOR_KEY", "")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.env_bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_AGE = 12 * 3600
SECURE_CONTENT_TYPE_NOSNIFF = True
# HSTS (Strict-Transport-Security), sent by SecurityMiddleware on HTTPS answers: off
# until the deployment says how long (31536000 = a year) — a wrong HSTS locks browsers
# out of a site without working HTTPS.
SECURE_HSTS_SECONDS = env.env_int("DISTANS_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.env_bool("DISTANS_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.env_bool("DISTANS_HSTS_PRELOAD", default=False)
# The reverse proxies whose X-Forwarded-For / X-Forwarded-Proto the server believes
# (addresses, comma-separated; "*" trusts anyone): the client address of lockouts and
# rate limits. Empty (the default): no forwarded header is believed, not even from a
# local process.
DISTANS_TRUSTED_PROXIES = env.env_list("DISTANS_TRUSTED_PROXIES", [])
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'", "ws:", "wss:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise serves from finders too
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "media")},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # channels_redis blocks 5 s in BZPOPMIN; redis-py 8's default read timeout
                # is also 5 s, so an idle receive raised TimeoutError (which closed the
                # sockets of every `distans serve --workers N` process). Read longer.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                "capacity": 1500,
                "expiry": 30,
                # Each process's live feed takes every event for its sockets.
                "channel_capacity": {"live-feed.*": 20000},
            },
        }
    }
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    # One process: room for bursts (the default capacity of 100 per channel drops
    # messages to a chat socket that is busy; live sockets share the process's feed).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {
                "capacity": 1000,
                "expiry": 60,
                # Each process's live feed (distans.realtime.fanout) takes every event
                # for its sockets. (This layer uses the patterns as given: compiled.)
                "channel_capacity": [(re.compile(r"live-feed\."), 20000)],
            },
        }
    }
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

EMAIL_BACKEND = env.env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env.env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env.env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env.env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env.env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env.env_str("DEFAULT_FROM_EMAIL", "distans@localhost")
# The demo's mail catcher (distans.demo.mailcatcher): its port when `distans demo` runs
# one, else 0. With a catcher, admins see what it caught at /email/caught/.
DISTANS_MAIL_CATCHER_PORT = env.env_int("DISTANS_MAIL_CATCHER_PORT", 0)
DISTANS_MAIL_CATCHER_DIR = VAR_DIR / "mailcatcher"
# Text messages (visit reminders, switchboard messages): an adapter's dotted path (distans.sms), empty:
# no SMS. The webhook adapter POSTs to the URL, signed with the secret when given.
DISTANS_SMS_ADAPTER = env.env_str("DISTANS_SMS_ADAPTER", "")
DISTANS_SMS_WEBHOOK_URL = env.env_str("DISTANS_SMS_WEBHOOK_URL", "")
DISTANS_SMS_WEBHOOK_SECRET = env.env_str("DISTANS_SMS_WEBHOOK_SECRET", "")
# Public visit bookings per client address and hour (a library's or a kiosk's shared
# address may need more).
DISTANS_VISIT_BOOKINGS_PER_HOUR = env.env_int("DISTANS_VISIT_BOOKINGS_PER_HOUR", 30)

# How the process tree is laid out; `distans serve` sets these for its children and the
# system check in distans.config.checks refuses unsafe combinations.
DISTANS_SERVE_WORKERS = env.env_int("DISTANS_SERVE_WORKERS", 1)
DISTANS_SEPARATE_WORKER = env.env_bool("DISTANS_SEPARATE_WORKER", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.env_str("LOG_LEVEL", "WARNING")},
    "loggers": {"distans": {"level": env.env_str("LOG_LEVEL", "INFO"), "propagate": True}},
}
