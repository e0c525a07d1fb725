"""The menu and the views agree: every page in a role's menu opens for that role, and
every menu page left out of it is refused with the product's own translated 403 page
(not a bare "403 Forbidden")."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from tests.factories import make_organisation, make_person

from distans.web.context import NAVIGATION

pytestmark = pytest.mark.django_db

ROLES = {
    "agent": {"is_agent": True},
    "team_leader": {"is_agent": True, "is_team_leader": True},
    "supervisor": {"is_supervisor": True},
    "org_admin": {"is_org_admin": True, "is_supervisor": True, "is_staff": True},
}


@pytest.mark.parametrize("role", ROLES)
def test_each_roles_menu_matches_what_its_views_admit(role: str) -> None:
    org = make_organisation()
    person = make_person(org, email=f"{role}@example.org", **ROLES[role])
    client = Client()
    client.force_login(person)
    home = client.get("/").content.decode()
    for url_name, _label, _roles in NAVIGATION:
        url = reverse(url_name)
        status = client.get(url).status_code
        in_menu = f'href="{url}"' in home
        if url_name == "admin:index":
            continue  # Django's admin answers a non-staff person with its login page
        if url_name == "channels_email:caught" and status == 404:
            assert not in_menu  # the demo's mail catcher is not running: no entry, no page
            continue
        assert (in_menu, status) in ((True, 200), (False, 403)), (role, url, in_menu, status)


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
        assert page.status_code == 403 and "Din roll ger inte rätt till detta" in page.content.decode(), url
