"""Routing's store (issue 16, point 2): one interface, two implementations, and no
vendor check anywhere else in routing."""

from __future__ import annotations

import inspect
from pathlib import Path

from distans.routing.store import RoutingStore
from distans.routing.store.portable import PortableStore
from distans.routing.store.postgres import PostgresStore

SRC = Path(__file__).resolve().parents[2] / "src" / "distans"


def _parameters(function: object) -> list[str]:
    names = list(inspect.signature(function).parameters)  # type: ignore[arg-type]
    return names[1:] if names[:1] == ["self"] else names


def test_both_stores_do_everything_the_interface_names() -> None:
    methods = [n for n, v in vars(RoutingStore).items() if inspect.isfunction(v) and n[0] != "_"]
    capabilities = [n for n in RoutingStore.__annotations__ if n != "name"]
    assert "lock_rows" in methods and "change_feed" in capabilities
    for store in (PortableStore, PostgresStore):
        for name in methods:
            implementation = getattr(store, name)
            expected = _parameters(getattr(RoutingStore, name))
            assert _parameters(implementation) == expected, (store.__name__, name)
        for name in capabilities:
            assert isinstance(getattr(store, name), bool), (store.__name__, name)


def test_only_the_store_chooser_asks_for_the_database_vendor() -> None:
    chooser = SRC / "routing" / "store" / "__init__.py"
    offenders = []
    for path in sorted((SRC / "routing").rglob("*.py")) + sorted((SRC / "contacts").rglob("*.py")):
        if path == chooser:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "connection.vendor" in line or "on_postgresql" in line:
                offenders.append(f"{path.relative_to(SRC)}:{number}")
    assert offenders == []
