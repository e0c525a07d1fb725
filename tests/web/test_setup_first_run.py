"""The first-run setup: from an empty install to a chat offered on the admin's own
desk, through the pages (Django's test client)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from tests.factories import make_person

from distans.accounts.models import AuditEntry, Organisation, Person, Site, Team
from distans.channels_chat.actions import do_start_chat
from distans.channels_chat.models import ChatWidget
from distans.routing import actions as routing_actions
from distans.routing.models import AgentState, Offer, Queue
from distans.telephony.models import Line

pytestmark = pytest.mark.django_db
PASSWORD = "ett-langt-losenord-77"


def test_an_empty_install_is_set_up_in_the_browser_up_to_a_chat_on_the_admins_desk(
    django_capture_on_commit_callbacks,
) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    # The login page of an empty install leads to the first run.
    response = client.get("/account/login/")
    assert response.status_code == 302 and response["Location"] == "/settings/first-run/"
    response = client.post(
        "/settings/first-run/",
        {"organisation": "Västerby kommun", "full_name": "Ada Admin", "email": "ada@vasterby.se", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.status_code == 302
    admin = Person.objects.get(email="ada@vasterby.se")
    assert admin.is_org_admin and admin.organisation.name == "Västerby kommun"
    # Home sends an admin without queues to the setup.
    assert client.get("/")["Location"] == "/settings/first-run/organisation/"

    def step(name: str, data: dict[str, object]) -> str:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(f"/settings/first-run/{name}/", data)
        assert response.status_code == 302, response.content.decode()[:3000]
        return str(response["Location"])

    assert step("organisation", {"name": "Västerby kommun", "time_zone": "Europe/Oslo", "country": "NO"}).endswith("/sites/")
    step("sites", {"office_name": "Rådhuset", "office_address": "Storgatan 1", "home": "on"})
    step("team", {"name": "Kundtjänst", "join": "on"})
    step("queue", {"name": "Kundtjänst", "code": "kundtjanst", "weekdays": "00:00-24:00", "saturday": "00:00-24:00", "sunday": "00:00-24:00"})
    step("channel", {"widget_name": "Webbchatt", "allowed_origin": "https://www.vasterby.se/", "greeting": "Hej!", "phone_number": "+47 22 00 00 00"})
    page = client.get("/settings/first-run/channel/").content.decode()
    widget = ChatWidget.objects.get(organisation=admin.organisation)
    assert f'data-key="{widget.key}"' in page.replace("&quot;", '"')
    assert widget.allowed_origins == ["https://www.vasterby.se"]
    step("people", {"people": "Bo Agent, bo@vasterby.se\nCecilia Ek, cecilia@vasterby.se"})

    org = Organisation.objects.get(pk=admin.organisation_id)
    assert (org.time_zone, org.country) == ("Europe/Oslo", "NO")
    assert {s.kind for s in Site.objects.for_org(org)} == {"office", "home"}
    admin.refresh_from_db()
    assert admin.team == Team.objects.for_org(org).get(name="Kundtjänst")
    queue = Queue.objects.for_org(org).get(code="kundtjanst")
    assert queue.holiday_country == "NO" and queue.weekly_hours["6"] == [["00:00", "24:00"]]
    assert Line.objects.for_org(org).get().number == "+4722000000"
    bo = Person.objects.get(email="bo@vasterby.se")
    assert not bo.has_usable_password() and bo.team == admin.team
    assert list(AgentState.objects.get(person=bo).queues.all()) == [queue]
    # The invitation: a single-use link that sets the password.
    invite = next(m for m in mail.outbox if "bo@vasterby.se" in m.to)
    link = re.search(r"http://testserver(/account/password-reset/\S+)", invite.body).group(1)  # type: ignore[union-attr]
    agent_client = Client()
    form_url = agent_client.get(link)["Location"]
    agent_client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert Client().login(username="bo@vasterby.se", password=PASSWORD)
    again = Client().get(link)
    assert again.status_code == 200 and 'role="alert"' in again.content.decode()  # used once

    # Last step: the admin becomes an agent; a chat from the test page lands on their desk.
    assert client.post("/settings/first-run/test-chat/")["Location"] == "/settings/first-run/test-page/"
    assert f'data-key="{widget.key}"' in client.get("/settings/first-run/test-page/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        routing_actions.do_set_presence(admin, "available")
    with django_capture_on_commit_callbacks(execute=True):
        session, _token = do_start_chat(widget, name="Testare", first_message="Hej, fungerar det?")
    assert Offer.objects.get(contact=session.contact).agent == admin
    actions_logged = set(AuditEntry.objects.for_org(org).values_list("action", flat=True))
    assert {"organisation_created", "organisation_changed", "site_created", "team_created", "queue_created", "chat_widget_created", "phone_line_created", "person_invited", "agent_queues_changed"} <= actions_logged


def test_the_open_first_run_form_is_closed_once_anyone_exists() -> None:
    make_person(email="someone@example.org")
    client = Client()
    response = client.post(
        "/settings/first-run/",
        {"organisation": "Kapad", "full_name": "X", "email": "x@example.org", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    assert not Organisation.objects.filter(name="Kapad").exists()
    assert client.get("/account/login/").status_code == 200


def test_first_run_steps_are_for_admins_only() -> None:
    agent = make_person()
    client = Client()
    client.force_login(agent)
    assert client.get("/settings/first-run/queue/").status_code == 403
    assert client.post("/settings/first-run/queue/", {"name": "X", "code": "x"}).status_code == 403
    assert not Queue.objects.exists()


def test_bad_input_in_a_step_is_explained_and_nothing_is_stored() -> None:
    admin = make_person(is_org_admin=True)
    client = Client()
    client.force_login(admin)
    response = client.post("/settings/first-run/queue/", {"name": "Kö", "code": "kö med mellanslag", "weekdays": "8-17"})
    assert response.status_code == 200
    assert response.content.decode().count('class="errorlist') >= 2
    response = client.post("/settings/first-run/people/", {"people": "Bo utan adress"})
    assert response.status_code == 200 and 'class="errorlist' in response.content.decode()
    assert not Queue.objects.exists() and Person.objects.count() == 1


def test_a_site_or_team_given_twice_is_explained_not_an_error() -> None:
    admin = make_person(is_org_admin=True, language="sv")
    client = Client()
    client.force_login(admin)
    assert client.post("/settings/first-run/sites/", {"office_name": "Rådhuset", "home": "on"}).status_code == 302
    response = client.post("/settings/first-run/sites/", {"office_name": "Rådhuset", "home": "on"})
    assert response.status_code == 200 and "Rådhuset" in response.content.decode()
    assert Site.objects.for_org(admin.organisation).count() == 2  # the office and home, once
    assert client.post("/settings/first-run/team/", {"name": "Lag 1"}).status_code == 302
    assert client.post("/settings/first-run/team/", {"name": "Lag 1"}).status_code == 200
    assert Team.objects.for_org(admin.organisation).count() == 1


@pytest.mark.parametrize("path", ["/settings/first-run/queue/", "/settings/queues/new/"])
def test_a_queue_code_with_spaces_or_a_with_ring_is_explained_in_plain_swedish(path: str) -> None:
    admin = make_person(is_org_admin=True, language="sv")
    client = Client()
    client.force_login(admin)
    response = client.post(path, {"name": "Växeln", "code": "väx eln", "weekdays": "08:00-16:30"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "slug" not in body.lower()  # Django's default speaks of a “slug”
    assert "utan å, ä, ö" in body
    assert not Queue.objects.exists()


def test_an_invitation_the_mail_server_refuses_is_said_not_claimed_sent(settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nobody listens
    admin = make_person(is_org_admin=True, language="sv")
    client = Client()
    client.force_login(admin)
    response = client.post("/settings/first-run/people/", {"people": "Bo Berg, bo@vasterby.se"}, follow=True)
    page = response.content.decode()
    assert "Inbjudningar skickade" not in page
    assert "bo@vasterby.se" in page and "kunde inte skickas" in page
    assert Person.objects.filter(email="bo@vasterby.se").exists()  # kept: “send a new invitation” retries
