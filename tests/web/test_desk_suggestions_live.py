"""Issue 14 point 14: a phone call's topic suggestion follows the agent's notes without
a reload, and a topic's new keywords ("skolskjuts") are suggested at once."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings
from tests.factories import make_agent, make_organisation, make_queue
from tests.factories_reports import handle_contact

from distans.routing import actions as routing
from distans.routing.models import Offer
from distans.topics import actions, queries
from distans.topics.models import Topic

pytestmark = pytest.mark.django_db

TREE = """code,parent_code,name,active,order,keywords
skola,,Skola,1,1,
skolplikt,skola,Skolplikt,1,1,skolplikt|frånvaro
bygglov,,Bygglov,1,2,bygglov|altan
"""


@pytest.fixture
def phone_call(django_capture_on_commit_callbacks, tmp_path):  # type: ignore[no-untyped-def]
    """An agent on a phone call; the organisation's model was trained before the
    topic "Skolskjuts" existed."""
    org = make_organisation()
    actions.do_import_topics(org, TREE)
    queue = make_queue(org)
    agent = make_agent(org, [queue])
    client = Client()
    client.force_login(agent)

    def run(function, *args, **kwargs):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    with override_settings(VAR_DIR=tmp_path):
        run(routing.do_set_presence, agent, "available")
        for topic, body in [
            ("Skolplikt", "Mitt barn har hög frånvaro från skolan"),
            ("Skolplikt", "Vad gäller för skolplikten vid flytt?"),
            ("Bygglov", "Behöver jag bygglov för en altan?"),
            ("Bygglov", "Hur söker jag bygglov för tillbyggnad?"),
        ]:
            handle_contact(run, queue, agent, topic, body=body)
        assert actions.do_train_topic_model(org, force=True) is True
        Topic.objects.create(
            organisation=org,
            code="skolskjuts",
            name="Skolskjuts",
            parent=Topic.objects.get(organisation=org, code="skola"),
            keywords=["skolskjuts"],
        )
        call = run(routing.do_create_contact, queue, "phone", customer_phone="+46701234567")
        offer = Offer.objects.get(contact=call, status="open")
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"/desk/offers/{offer.pk}/accept/", HTTP_HX_REQUEST="true")
        yield client, call


def test_notes_refresh_the_suggestion_of_a_phone_call(phone_call) -> None:  # type: ignore[no-untyped-def]
    client, call = phone_call
    work = client.get("/desk/work/").content.decode()
    # The hint re-fetches itself on the notes' save (and on new messages).
    assert f'hx-get="/desk/contacts/{call.pk}/suggestions/"' in work
    assert "desk:suggestions from:body" in work and "input delay:800ms" in work
    assert "Skolskjuts" not in client.get(f"/desk/contacts/{call.pk}/suggestions/").content.decode()

    saved = client.post(
        f"/desk/contacts/{call.pk}/notes/",
        {"notes": "Ringer om skolskjutsen, bussen kom inte"},
        HTTP_HX_REQUEST="true",
    )
    assert json.loads(saved["HX-Trigger"]) == {"desk:suggestions": True}
    hint = client.get(f"/desk/contacts/{call.pk}/suggestions/").content.decode()
    assert "Skola › Skolskjuts" in hint and 'data-top-topic="Skola › Skolskjuts"' in hint


def test_new_keywords_are_suggested_before_the_next_training(phone_call) -> None:  # type: ignore[no-untyped-def]
    client, call = phone_call
    call.notes = "Frågor om skolskjuts"
    call.save(update_fields=["notes"])
    assert queries.suggest_topics(call)[0][0] == "Skola › Skolskjuts"
    # A keyword added to an existing topic counts at once too.
    Topic.objects.filter(code="bygglov").update(keywords=["bygglov", "altan", "attefall"])
    call.notes = "Ska bygga ett attefallshus"
    call.save(update_fields=["notes"])
    assert queries.suggest_topics(call)[0][0] == "Bygglov"


def test_keywords_alone_suggest_before_any_training(tmp_path) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    actions.do_import_topics(org, TREE)
    queue = make_queue(org)

    class Text:  # what suggest_topics reads of a contact
        organisation_id = org.pk
        subject = "Skolplikt"
        body = "Mitt barn har frånvaro"
        notes = ""

        class messages:
            @staticmethod
            def filter(**kwargs):  # type: ignore[no-untyped-def]
                return []

    with override_settings(VAR_DIR=tmp_path):
        assert queue and queries.suggest_topics(Text())[0][0] == "Skola › Skolplikt"
