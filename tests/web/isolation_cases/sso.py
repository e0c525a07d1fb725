"""Single sign-on's redirect and callback carry no organisation's data; a forged callback
never signs B's person in as A's."""

from __future__ import annotations

from typing import Any

from tests.web.isolation import Probe, World, case, denied


def _not_a(response: Any, world: World) -> None:
    denied(response, world)
    assert str(world.person_a.pk) not in response.get("Location", "")


case("sso:start")(lambda w: [Probe("get", "/account/sso/start/", denied)])
case("sso:callback")(lambda w: [
    Probe("get", f"/account/sso/callback/?code=forged&state=x&user={w.person_a.pk}", _not_a),
])  # fmt: skip
