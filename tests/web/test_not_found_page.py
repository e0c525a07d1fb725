"""An address that leads nowhere answers with Distans' own page in the reader's
language (not Django's English "Not Found"), with a way back."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.factories import make_organisation, make_person

pytestmark = pytest.mark.django_db


def test_an_unknown_address_says_so_in_swedish_with_a_way_home() -> None:
    response = Client().get("/no-such-page/", headers={"accept-language": "sv"})
    body = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="sv">' in body
    assert "Sidan finns inte" in body
    assert "Not Found" not in body
    assert 'href="/"' in body


def test_a_logged_in_person_gets_the_page_in_their_language_with_the_menu() -> None:
    org = make_organisation()
    person = make_person(org, is_agent=True)
    person.language = "nb"
    person.save(update_fields=["language"])
    client = Client()
    client.force_login(person)
    response = client.get("/settings/people/invitations/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Siden finnes ikke" in body
    assert "/account/logout/" in body or "Logg ut" in body
