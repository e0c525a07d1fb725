"""The settings pages speak the reader's language: Swedish and Norwegian pages carry
none of the English words of their templates, forms and choices."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.test import Client
from tests.factories import make_organisation, make_person, make_queue, make_site, make_team

pytestmark = pytest.mark.django_db

# Words that would show an untranslated label, button, choice or audit entry.
ENGLISH = re.compile(
    r"\b(Save|Name|Invite|Import|Preview|Roles?|Teams?|Sites?|People|Settings|Phone|Chat|Web form|Callback|"
    r"Queues|Skills|Languages|Active|Revoke|Events|Deliveries|Status|created|changed|Waiting|Delivered|"
    r"Office|Home|Agent|Supervisor|Planner|never|Filter|Show|When|Who|What|Object|Anyone)\b"
)
ALLOWED = {"nb": {"Team", "Teams", "Status", "Chat"}, "sv": {"Status"}}  # the same word in both


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<nav class=\"settings-nav\".*?</nav>", " ", html, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\S+@\S+", " ", text)  # e-mail addresses are not words


@pytest.mark.parametrize("language", ["sv", "nb"])
def test_no_english_on_the_settings_pages(language: str) -> None:
    from distans.administration import integrations

    org = make_organisation()
    admin = make_person(org, full_name="Ada Admin", is_org_admin=True, language=language)
    team = make_team(org, name="Lag Ett")
    make_site(org, name="Kontoret")
    make_queue(org, name="Kön")
    person = make_person(org, full_name="Per Person", team=team)
    client = Client()
    client.force_login(admin)
    client.post("/settings/teams/new/", {"name": "Lag Två"})
    client.post(f"/settings/people/{person.pk}/", {"full_name": "Per P", "email": person.email, "language": "sv", "roles": ["agent", "planner"], "team": team.pk})
    client.post("/settings/api-keys/", {"name": "Nyckeln", "scopes": ["live.read"]})
    hook = integrations.do_save_webhook(admin, None, {"name": "Kroken", "url": "https://x.example/", "events": ["completed"], "is_active": True})
    pages = [
        "/settings/", "/settings/people/", "/settings/people/invite/", "/settings/people/import/",
        f"/settings/people/{person.pk}/", f"/settings/people/{person.pk}/agent/", "/settings/teams/",
        "/settings/teams/new/", "/settings/sites/", "/settings/sites/new/", "/settings/api-keys/",
        "/settings/webhooks/", f"/settings/webhooks/{hook.pk}/", "/settings/audit/",
    ]  # fmt: skip
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = visible_text(response.content.decode())
        found = {m for m in ENGLISH.findall(text)} - ALLOWED[language]
        assert not found, (language, path, found, [text[max(m.start() - 40, 0):m.end() + 40] for m in ENGLISH.finditer(text)][:3])
