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


def _own_page_only(response: Any, world: World) -> None:
    """B's own second-factor page: nothing of A's (A's e-mail is never in it)."""
    assert response.status_code in (200, 400)
    assert world.person_a.email not in response.content.decode()


case("sso:second_factor")(lambda w: [
    Probe("get", "/account/sso/second-factor/", _own_page_only),
    Probe("post", "/account/sso/second-factor/", _own_page_only, {"action": "start"}),
])  # fmt: skip
# the login's second step belongs to a session that passed the password step: without
# one (B is logged in, nothing pending) it only redirects to the login
case("sso:verify")(lambda w: [Probe("post", "/account/sso/code/", denied, {"code": "123456"})])
# the sign-in page shows the install's settings and a count of B's own people
case("sso:settings")(lambda w: [Probe("get", "/account/sso/settings/", _own_page_only)])
