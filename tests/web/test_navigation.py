"""The menu: grouped by NAVIGATION (web/context.py), what each role sees decided by the
permission table, the current page marked; and a refused page is the product's own
translated 403 page (not a bare "403 Forbidden"). That the menu and the views agree for
every role: test_permissions.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from tests.factories import make_organisation, make_person, make_queue

from distans.accounts.choices import Role
from distans.web.context import (
    NAVIGATION,
    NavGroup,
    _entry_visible,
    navigation_entries,
    navigation_for,
)

pytestmark = pytest.mark.django_db


def test_a_refused_page_is_the_translated_403_page() -> None:
    org = make_organisation()
    person = make_person(org, email="tl@example.org", is_agent=True, is_team_leader=True)
    client = Client()
    client.force_login(person)  # speaks Swedish (the default)
    for url in ("/planning/",):
        page = client.get(url)
        assert page.status_code == 403
        html = page.content.decode()
        assert "<nav" in html and 'lang="sv"' in html  # the product's page, with its menu
        assert "Din roll ger inte rätt till detta" in html and "Forbidden" not in html
    agent = make_person(org, email="a@example.org", is_agent=True)
    client.force_login(agent)
    for url in ("/reports/", "/wallboard/", "/topics/"):
        page = client.get(url)
        assert (
            page.status_code == 403 and "Din roll ger inte rätt till detta" in page.content.decode()
        ), url


# --- The grouped menu (web/context.py NAVIGATION) -------------------------------------

ROLE_FLAGS = {
    "agent": "is_agent",
    "team_leader": "is_team_leader",
    "supervisor": "is_supervisor",
    "planner": "is_planner",
    "org_admin": "is_org_admin",
}


def _person(org: Any, role: str, language: str = "sv") -> Any:
    flags = {flag: False for flag in ROLE_FLAGS.values()}
    flags[ROLE_FLAGS[role]] = True
    return make_person(org, language=language, **flags)


def _nav_html(client: Client, path: str = "/") -> str:
    page = client.get(path)
    assert page.status_code == 200, path
    return page.content.decode().split("<nav", 1)[1].split("</nav>", 1)[0]


def test_the_menu_names_each_page_once_and_every_group_has_entries() -> None:
    url_names = [url_name for url_name, _label, _needed in navigation_entries()]
    assert len(url_names) == len(set(url_names))
    groups = [item for item in NAVIGATION if isinstance(item, NavGroup)]
    assert [g.key for g in groups] == ["team", "management"]
    assert all(len(g.entries) >= 2 for g in groups)
    # The daily tools stay one click away, never inside a group.
    top = [item[0] for item in NAVIGATION if not isinstance(item, NavGroup)]
    assert top[:3] == ["home", "desk:index", "wallboard:index"]


def test_the_role_list_here_is_every_role() -> None:
    assert set(ROLE_FLAGS) == {role.value for role in Role}


@pytest.mark.parametrize("role", list(ROLE_FLAGS))
def test_groups_follow_the_permission_table_for_a_role(role: str) -> None:
    """For every group: no visible entry → no group; one → that link at the top level;
    more → a group holding exactly those links, in the table's order."""
    person = _person(make_organisation(), role)
    menu = navigation_for(person, "/")
    top_urls = [item["url"] for item in menu if item["kind"] == "link"]
    shown_groups = {item["key"]: item for item in menu if item["kind"] == "group"}
    for group in (item for item in NAVIGATION if isinstance(item, NavGroup)):
        visible = [
            reverse(entry[0]) for entry in group.entries if _entry_visible(person, entry)
        ]  # the permission table (and the demo mail only while the demo's catcher runs)
        if len(visible) >= 2:
            assert [child["url"] for child in shown_groups[group.key]["children"]] == visible, role
            assert not set(visible) & set(top_urls), role
        else:
            assert group.key not in shown_groups, role
            assert [url for url in top_urls if url in visible] == visible, role


def test_an_agent_gets_the_team_menu_and_no_management() -> None:
    agent = _person(make_organisation(), "agent")
    with translation.override("en"):
        menu = [{**item, "label": str(item["label"])} for item in navigation_for(agent, "/")]
    labels = [str(item["label"]) for item in menu]
    assert labels[:3] == ["Home", "Desktop", "Team"]  # no wallboard for an agent
    team = next(item for item in menu if item["kind"] == "group")
    with translation.override("en"):
        children = [str(child["label"]) for child in team["children"]]
    assert children == [
        "My team",
        "Announcements",
        "Pulse survey",
        "Absence and swaps",
        "My away status",
    ]
    assert "Management" not in labels and "Reports" not in labels


def test_a_team_leader_gets_reports_directly_not_a_menu_of_one() -> None:
    leader = _person(make_organisation(), "team_leader")
    with translation.override("en"):
        menu = [{**item, "label": str(item["label"])} for item in navigation_for(leader, "/")]
    assert {"kind": "link", "url": "/reports/", "label": "Reports", "active": False} in menu
    assert "management" not in {item.get("key") for item in menu}


def test_the_current_page_is_marked_and_its_group_highlighted() -> None:
    org = make_organisation()
    client = Client()
    client.force_login(_person(org, "agent"))
    nav = _nav_html(client, "/absence/")
    group = nav.split('data-nav-group="team"', 1)[1].split("</details>", 1)[0]
    assert '<summary aria-current="true">Personal</summary>' in group
    assert 'href="/absence/" aria-current="page">Frånvaro' in group
    assert nav.count('aria-current="page"') == 1
    assert "<details data-nav-group" in nav and " open" not in nav  # closed until asked
    # On a page outside the group, the group is not marked.
    home = _nav_html(client, "/")
    assert "<summary aria-current" not in home and 'href="/" aria-current="page"' in home


def test_group_labels_are_translated() -> None:
    org = make_organisation()
    make_queue(org)  # an admin of an organisation without queues is sent to the first run
    client = Client()
    client.force_login(_person(org, "org_admin"))
    nav = _nav_html(client)
    # "Personal", not "Team": no English word on a Swedish page
    assert "<summary>Personal</summary>" in nav and "<summary>Styrning</summary>" in nav
    client.force_login(_person(org, "org_admin", language="nb"))
    nav = _nav_html(client)
    assert "<summary>Personal</summary>" in nav and "<summary>Styring</summary>" in nav
