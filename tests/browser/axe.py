"""axe-core inside the browser tests: ``node_modules/axe-core/axe.min.js`` (fetched by
``make test`` from npm into a git-ignored node_modules). Missing → the check skips with
a one-line reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

AXE_PATH = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def axe_source() -> str:
    if not AXE_PATH.exists():
        pytest.skip(
            f"axe-core not installed ({AXE_PATH} missing; run `make test` or npm install axe-core@4)"
        )
    return AXE_PATH.read_text(encoding="utf-8")


def blocking_violations(page: Any, selector: str | None = None) -> list[dict[str, Any]]:
    """Run axe-core on the page (or on ``selector`` only) and return the serious and
    critical violations, each as {id, impact, help, targets}."""
    # Evaluated through DevTools, not as an inline <script>: the product's strict CSP
    # (rightly) refuses inline scripts, which page.add_script_tag(content=…) would add.
    page.evaluate("src => { (0, eval)(src); }", axe_source())
    result = page.evaluate(
        """async (selector) => {
            const context = selector ? document.querySelector(selector) : document;
            return await axe.run(context, {resultTypes: ["violations"]});
        }""",
        selector,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "targets": [n["target"] for n in v["nodes"]],
        }
        for v in result["violations"]
        if v["impact"] in BLOCKING
    ]
