"""Suite-wide test setup.

Services: tests that need PostgreSQL, Redis, Chromium or a real IMAP server call
``require_service``. Without the service they skip with a one-line reason; when the
service is listed in ``DISTANS_TEST_REQUIRE`` (CI sets it) a missing service fails.
"""

from __future__ import annotations

import os
import socket
import tempfile

import pytest

pytest_plugins = ["mailserver.fixtures"]  # real Dovecot IMAP + aiosmtpd SMTP (tests/mailserver/)

os.environ.setdefault("DISTANS_VAR_DIR", tempfile.mkdtemp(prefix="distans-test-var-"))

SERVICE_WORDS = {
    "postgres": ("postgres",),
    "redis": ("redis",),
    "browser": ("chromium", "browser", "playwright"),
    "imap": ("dovecot", "imap"),
    "nginx": ("nginx",),
    "sip": ("kamailio", "rtpengine", "baresip", "sip gateway"),
    "ldap": ("slapd", "ldap"),
}


def required_services() -> set[str]:
    return {s.strip() for s in os.environ.get("DISTANS_TEST_REQUIRE", "").split(",") if s.strip()}


def require_service(service: str, available: bool, reason: str) -> None:
    if available:
        return
    if service in required_services():
        pytest.fail(f"{reason} (required by DISTANS_TEST_REQUIRE)", pytrace=False)
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """A skip that names a required service (e.g. a fixture's own pytest.skip) fails."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or not required_services():
        return
    reason = str(report.longrepr[-1]).lower() if isinstance(report.longrepr, tuple) else ""
    for service in required_services():
        if any(word in reason for word in SERVICE_WORDS.get(service, (service,))):
            report.outcome = "failed"
            report.longrepr = f"required service missing: {reason}"
            return
