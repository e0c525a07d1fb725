"""The one table of permissions (accounts/permissions.py): the menu, the views and the
API agree with it for every role, and the 403 page says what the role lacks."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from tests.factories import make_organisation, make_person, make_queue

from distans.accounts.actions import do_create_api_token
from distans.accounts.choices import Role
from distans.accounts.permissions import PERMISSIONS, SCOPES, has_any_permission, has_permission
from distans.web.context import navigation_entries

pytestmark = pytest.mark.django_db

ROLE_FLAGS = {
    Role.AGENT: "is_agent",
    Role.TEAM_LEADER: "is_team_leader",
    Role.SUPERVISOR: "is_supervisor",
    Role.PLANNER: "is_planner",
    Role.ORG_ADMIN: "is_org_admin",
}


def person_with_role(org: Any, role: str) -> Any:
    flags = {flag: False for flag in ROLE_FLAGS.values()}
    flags[ROLE_FLAGS[role]] = True
    return make_person(org, language="sv", **flags)


def menu_paths(client: Client) -> set[str]:
    home = client.get("/").content.decode()
    nav = home.split('aria-label="Huvudmeny"', 1)[-1].split("</nav>", 1)[0]
    return set(re.findall(r'href="([^"]+)"', nav))


def _views(patterns: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in ("admin", "api"):
                continue
            found += _views(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append((prefix + str(pattern.pattern), pattern.callback))
    return found


def concrete(route: str) -> str:
    """A path for a route, with 999999 for every number and "x" for every text."""
    path = re.sub(r"<int:[^>]+>", "999999", route)
    path = re.sub(r"<(str:)?[^>]+>", "x", path)
    return "/" + path


GUARDED = [(route, view) for route, view in _views(get_resolver().url_patterns) if hasattr(view, "required_permissions")]


def test_the_table_names_every_role_and_every_scope_is_a_permission() -> None:
    used = set().union(*(rule.roles for rule in PERMISSIONS.values()))
    assert used == {role.value for role in Role}
    assert SCOPES and all(PERMISSIONS[s].scope for s in SCOPES)


def test_the_menu_asks_the_same_permissions_as_the_pages_it_links() -> None:
    for url_name, _label, needed in navigation_entries():
        try:
            url = reverse(url_name)
        except NoReverseMatch:  # an app not installed
            continue
        if url_name in ("home", "admin:index"):
            continue
        view = resolve(url).func
        assert set(getattr(view, "required_permissions", ())) == set(needed), url_name


def test_most_pages_are_guarded_by_the_table() -> None:
    routes = {route for route, _view in GUARDED}
    for expected in ("desk/", "wallboard/", "reports/", "planning/", "topics/", "team/", "settings/", "settings/people/"):
        assert expected in routes, expected


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_menu_views_and_table_agree_for_a_role(role: str) -> None:
    org = make_organisation()
    make_queue(org)  # set up (an admin of an organisation without queues is sent to the first run)
    person = person_with_role(org, role)
    client = Client()
    client.force_login(person)
    in_menu = menu_paths(client)
    for url_name, _label, needed in navigation_entries():
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        allowed = not needed or has_any_permission(person, needed)
        if url_name == "channels_email:caught":
            allowed = False  # shown only while the demo's mail catcher runs (none here)
        assert (url in in_menu) == allowed, (role, url_name)
        if url_name == "admin:index":
            continue
        status = client.get(url).status_code
        assert (status == 200) == allowed, (role, url, status)
    for route, view in GUARDED:
        allowed = all(has_any_permission(person, group) for group in view.permission_checks)
        path = concrete(route)
        response = client.get(path)
        if response.status_code == 405:
            response = client.post(path, {})
        if allowed:
            assert response.status_code != 403, (role, path)
        else:
            assert response.status_code == 403, (role, path, response.status_code)


def test_the_403_page_says_what_the_role_lacks_in_swedish() -> None:
    org = make_organisation()
    agent = person_with_role(org, Role.AGENT)
    client = Client()
    client.force_login(agent)
    response = client.get("/wallboard/")
    body = response.content.decode()
    assert response.status_code == 403
    assert "Inte tillåtet" in body  # the page's heading
    assert "se väggtavlan" in body  # what is lacking: PERMISSIONS["wallboard.view"]
    assert "Handläggare" in body  # the person's own role
    assert "Arbetsledare" in body  # a role that has it


def test_a_person_without_organisation_holds_nothing_but_a_superuser_may_use_the_admin() -> None:
    from distans.accounts.models import Person

    superuser = Person.objects.create_superuser("root@example.org", "x", full_name="Root")
    assert not has_permission(superuser, "wallboard.view")
    assert has_permission(superuser, "admin.use")
    inactive = make_person(make_organisation(), is_org_admin=True, is_active=False)
    assert not has_permission(inactive, "admin.use")


API_PROBES: dict[str, tuple[str, str, dict[str, Any] | None, int]] = {
    # permission: (method, path, json body, status when allowed)
    "contacts.create": ("post", "/api/contacts", {"channel": "phone", "queue": "no-such-queue"}, 404),
    "live.read": ("get", "/api/queues", None, 200),
    "telephony.adapter": ("get", "/api/telephony/calls/no-such-call/route", None, 404),
}


def _call(client: Client, method: str, path: str, body: dict[str, Any] | None, **headers: str) -> Any:
    import json

    if method == "post":
        return client.post(path, json.dumps(body or {}), content_type="application/json", headers=headers)
    return client.get(path, headers=headers)


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_the_api_agrees_with_the_table_for_a_role(role: str) -> None:
    org = make_organisation()
    person = person_with_role(org, role)
    client = Client()
    client.force_login(person)
    for permission, (method, path, body, ok_status) in API_PROBES.items():
        status = _call(client, method, path, body).status_code
        if permission == "telephony.adapter":
            assert status == 403, (role, permission)  # the PBX's key only
        elif has_permission(person, permission):
            assert status == ok_status, (role, permission, status)
        else:
            assert status == 403, (role, permission, status)


def test_a_key_holds_only_its_scopes() -> None:
    org = make_organisation()
    make_queue(org, code="allmant")
    for scope in API_PROBES:
        key, _token = do_create_api_token(org, scope, scopes=[scope])
        for permission, (method, path, body, ok_status) in API_PROBES.items():
            response = _call(Client(), method, path, body, Authorization=f"Bearer {key}")
            if permission == scope:
                assert response.status_code == ok_status, (scope, permission, response.content)
            else:
                assert response.status_code == 403, (scope, permission, response.status_code)
                assert response.json()["code"] == "forbidden"


def test_a_key_with_no_scope_cannot_act_as_a_supervisor() -> None:
    org = make_organisation()
    make_queue(org, code="allmant")
    key, _token = do_create_api_token(org, "nothing", scopes=[])
    response = _call(Client(), "get", "/api/agents", None, Authorization=f"Bearer {key}")
    assert response.status_code == 403
    with pytest.raises(ValueError):
        do_create_api_token(org, "bad", scopes=["desk.use"])  # not a scope
