from __future__ import annotations

import os

import pytest

os.environ["DISTANS_ROUTING_MODE"] = "inline"  # rounds run right after commit, in the test
from tests.conftest import port_open, require_service


@pytest.fixture(autouse=True, scope="session")
def _database_is_the_one_asked_for() -> None:
    """When the Makefile runs this suite on PostgreSQL, make sure it really does."""
    if os.environ.get("DISTANS_TEST_DB") == "postgres":
        require_service("postgres", port_open("127.0.0.1", 5432), "PostgreSQL not reachable")
        from django.conf import settings

        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():  # type: ignore[no-untyped-def]
    """Argon2 (the product's hasher) costs ~0.4 s a hash on this 2-core machine and
    the suite creates hundreds of people; tests not about hashing use MD5.
    test_accounts_login checks the product's hasher."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _fresh_routing_caches() -> None:
    """Each test's database is rolled back; routing's per-process caches must not
    carry a previous test's agents (whose primary keys SQLite may reuse)."""
    from distans.routing.rounds import clear_caches

    clear_caches()
