"""Tenant isolation: a person of one organisation never reads or writes another's data.

The cases live in tests/web/isolation.py (foundation, routing) and
tests/web/isolation_cases/<app>.py (each app's own).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from pathlib import Path

import pytest
from django.test import Client
from tests.web.isolation import CASES, PUBLIC, all_url_names, make_world

pytestmark = pytest.mark.django_db

for _info in pkgutil.iter_modules([str(Path(__file__).parent / "isolation_cases")]):
    importlib.import_module(f"tests.web.isolation_cases.{_info.name}")


def test_every_url_has_an_isolation_case() -> None:
    names = all_url_names()
    assert "home" in names and "admin" in names
    uncovered = sorted(n for n in names if n not in CASES and n not in PUBLIC)
    assert not uncovered, f"views/endpoints without a tenant-isolation case: {uncovered}"




@pytest.mark.parametrize("name", sorted(CASES))
def test_isolation_case(name: str, client: Client) -> None:
    world = make_world()
    client.force_login(world.person_b)
    probes = CASES[name](world)
    assert probes, "an isolation case must probe something"
    for probe in probes:
        if probe.as_json:
            response = getattr(client, probe.method)(
                probe.path, json.dumps(probe.data or {}), content_type="application/json"
            )
        else:
            response = getattr(client, probe.method)(probe.path, probe.data or {})
        assert response.status_code < 500, (probe.path, response.status_code)
        probe.check(response, world)
