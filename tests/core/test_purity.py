"""The pure core never imports Django, Channels or Redis (ARCHITECTURE.md)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import distans.core

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("django", "channels", "channels_redis", "redis", "ninja")


def test_every_core_module_imports_without_the_web_stack() -> None:
    # Given a fresh interpreter in which importing any forbidden package fails,
    # when every module under distans.core is imported, then none of them breaks.
    modules = [
        info.name
        for info in pkgutil.walk_packages(distans.core.__path__, prefix="distans.core.")
    ]
    assert "distans.core.errors" in modules
    program = textwrap.dedent(
        f"""
        import importlib, importlib.abc, sys
        FORBIDDEN = {FORBIDDEN!r}
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in FORBIDDEN:
                    raise ImportError("pure core imported " + name)
                return None
        sys.meta_path.insert(0, Block())
        for name in {modules!r}:
            importlib.import_module(name)
        leaked = [m for m in sys.modules if m.split(".")[0] in FORBIDDEN]
        assert not leaked, leaked
        print("ok", len({modules!r}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("ok")


def test_the_block_really_catches_a_forbidden_import() -> None:
    # The check above is only worth something if it fails on a forbidden import.
    program = textwrap.dedent(
        """
        import importlib.abc, sys
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] == "django":
                    raise ImportError("blocked " + name)
        sys.meta_path.insert(0, Block())
        import django
        """
    )
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert result.returncode != 0
    assert "blocked django" in result.stderr


def test_import_linter_contract_holds() -> None:
    importlib.import_module("importlinter")
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports)], capture_output=True, text=True, timeout=300, cwd=ROOT
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "KEPT" in result.stdout
