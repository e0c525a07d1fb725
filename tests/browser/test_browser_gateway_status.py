"""The wallboard's phone-gateway line (down / restarted) is axe-clean, on the light
wallboard and in TV mode: the fragment as the view renders it, in Swedish, with the
product's and the wallboard's style sheets, checked by axe-core in Chromium."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.template.loader import render_to_string
from django.utils import translation
from tests.browser.axe import blocking_violations

from distans.telephony.gateway_status import GatewayStatus

SRC = Path(__file__).resolve().parents[2] / "src" / "distans"
STYLES = [
    SRC / "web" / "static" / "distans" / "app.css",
    SRC / "wallboard" / "static" / "wallboard" / "wallboard.css",
]


@pytest.mark.parametrize("tv", [False, True])
def test_the_gateway_line_is_axe_clean(browser: Any, tv: bool) -> None:
    since = datetime(2026, 12, 7, 9, 42, tzinfo=UTC)
    with translation.override("sv"):
        lines = [
            render_to_string("wallboard/_gateway.html", {"gateway": GatewayStatus(up, since, up)})
            for up in (False, True)
        ]
    assert "Telefonservern: nere sedan" in lines[0] and "Telefonservern: omstartad" in lines[1]
    css = "\n".join(path.read_text() for path in STYLES)
    body = "".join(f'<div role="status">{line}</div>' for line in lines)
    page = browser.new_page()
    try:
        page.set_content(
            f'<!DOCTYPE html><html lang="sv"{" class=tv" if tv else ""}><head><title>t</title>'
            f"<style>{css}</style></head><body{' class=tv' if tv else ''}><main>"
            f"<h1>Översiktstavla</h1>{body}</main></body></html>"
        )
        assert blocking_violations(page) == []
    finally:
        page.close()
