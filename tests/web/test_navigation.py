"""A refused page is the product's own translated 403 page (not a bare "403
Forbidden"). That the menu and the views agree for every role: test_permissions.py."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.factories import make_organisation, make_person

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
        assert page.status_code == 403 and "Din roll ger inte rätt till detta" in page.content.decode(), url
