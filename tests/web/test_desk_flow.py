"""The agent desktop through its views: presence, offer, workspace, wrap-up, ask a
colleague, knowledge articles (inline routing rounds after commit)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import Client
from django.utils import timezone
from tests.factories import make_agent, make_organisation, make_person, make_queue, make_site
from tests.factories_desk import make_article, make_canned_answer, make_topic

from distans.contacts.models import Contact, Message
from distans.desk.models import ConsultationMessage
from distans.realtime.groups import person_group
from distans.routing import actions as routing
from distans.routing.models import AgentState, Offer

pytestmark = pytest.mark.django_db


@pytest.fixture
def commits(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    def run(function, *args, **kwargs):  # type: ignore[no-untyped-def]
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def desk(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    org = make_organisation()
    queue = make_queue(org, name="Bygglovskön", wrap_up_seconds=60)
    agent = make_agent(org, [queue], full_name="Anna Agent")
    client = Client()
    client.force_login(agent)

    def post(path: str, data: dict | None = None):  # type: ignore[no-untyped-def,type-arg]
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, data or {}, HTTP_HX_REQUEST="true")

    return org, queue, agent, client, post


def test_agent_goes_available_accepts_and_wraps_up_with_a_topic(desk, commits) -> None:  # type: ignore[no-untyped-def]
    org, queue, agent, client, post = desk
    make_topic(org, name="Bygglov")
    office = make_site(org, name="Stadshuset")

    response = post("/desk/location/", {"site": office.pk})
    assert response["X-Desk-Ok"] == "1"
    response = post("/desk/presence/", {"presence": "available"})
    assert response["X-Desk-Ok"] == "1" and "desk:state" in response["HX-Trigger"]
    state = AgentState.objects.get(person=agent)
    assert (state.presence, state.site_id) == ("available", office.pk)
    assert "Stadshuset" in client.get("/desk/team/").content.decode()

    earlier = Contact.objects.create(
        organisation=org,
        queue=queue,
        channel="phone",
        customer_phone="+46701234567",
        status="completed",
        topic="Bygglov",
        notes="Ringde om altanen",
        enqueued_at=timezone.now() - timedelta(days=30),
    )
    contact = commits(routing.do_create_contact, queue, "phone", customer_phone="+46701234567")
    offer = Offer.objects.get(contact=contact, status="open")
    html = client.get("/desk/offers/").content.decode()
    assert f'data-offer="{offer.pk}"' in html and "data-until=" in html

    assert post(f"/desk/offers/{offer.pk}/accept/")["X-Desk-Ok"] == "1"
    work = client.get("/desk/work/").content.decode()
    assert "+46701234567" in work and "Ringde om altanen" in work  # earlier contacts shown
    assert earlier.pk != contact.pk

    post(f"/desk/contacts/{contact.pk}/notes/", {"notes": "Vill ha återkoppling"})
    contact.refresh_from_db()
    assert contact.notes == "Vill ha återkoppling"

    refused = post(f"/desk/contacts/{contact.pk}/complete/", {"topic": ""})
    assert "X-Desk-Ok" not in refused and "desk-error" in refused.content.decode()
    contact.refresh_from_db()
    assert contact.status == "active"
    unknown = post(f"/desk/contacts/{contact.pk}/complete/", {"topic": "Påhittat"})
    assert "X-Desk-Ok" not in unknown

    assert post(f"/desk/contacts/{contact.pk}/complete/", {"topic": "Bygglov"})["X-Desk-Ok"] == "1"
    contact.refresh_from_db()
    assert (contact.status, contact.topic) == ("completed", "Bygglov")
    state_html = client.get("/desk/state/").content.decode()
    assert "countdown" in state_html and "/desk/wrap-up/end/" in state_html
    today = client.get("/desk/today/").content.decode()
    assert 'id="my-handled">1<' in today

    post("/desk/wrap-up/end/")
    assert AgentState.objects.get(person=agent).presence == "available"


def test_decline_and_transfer(desk, commits) -> None:  # type: ignore[no-untyped-def]
    org, queue, agent, client, post = desk
    other_queue = make_queue(org, name="Skolkön")
    commits(routing.do_set_presence, agent, "available")
    contact = commits(routing.do_create_contact, queue, "email", customer_email="a@example.org")
    offer = Offer.objects.get(contact=contact, status="open")
    post(f"/desk/offers/{offer.pk}/decline/")
    offer.refresh_from_db()
    assert offer.status == "declined"

    second = commits(routing.do_create_contact, queue, "email", customer_email="b@example.org")
    offer = Offer.objects.get(contact=second, status="open")
    post(f"/desk/offers/{offer.pk}/accept/")
    assert (
        post(f"/desk/contacts/{second.pk}/transfer/", {"target": f"queue:{other_queue.pk}"})[
            "X-Desk-Ok"
        ]
        == "1"
    )
    second.refresh_from_db()
    assert second.queue_id == other_queue.pk and second.agent_id is None


def test_email_workspace_shows_thread_canned_answers_and_internal_notes(desk, commits) -> None:  # type: ignore[no-untyped-def]
    org, queue, agent, client, post = desk
    make_canned_answer(org, title="Öppettider", body="Vi har öppet 8–16.")
    commits(routing.do_set_presence, agent, "available")
    contact = commits(
        routing.do_create_contact, queue, "email", customer_email="c@example.org", subject="Fråga"
    )
    Message.objects.create(
        organisation=org, contact=contact, direction="in", body_text="När har ni öppet?"
    )
    post(f"/desk/offers/{Offer.objects.get(contact=contact).pk}/accept/")
    work = client.get("/desk/work/").content.decode()
    assert "Öppettider" in work and 'data-body="Vi har öppet 8–16."' in work
    post(f"/desk/contacts/{contact.pk}/internal-note/", {"text": "Kolla med bygglov"})
    thread = client.get(f"/desk/contacts/{contact.pk}/thread/").content.decode()
    assert (
        "När har ni öppet?" in thread and "Kolla med bygglov" in thread and "msg-internal" in thread
    )


def test_reply_uses_the_channels_registered_sender(desk, commits) -> None:  # type: ignore[no-untyped-def]
    from distans.contacts import replies

    org, queue, agent, client, post = desk
    commits(routing.do_set_presence, agent, "available")
    contact = commits(routing.do_create_contact, queue, "form", customer_email="d@example.org")
    post(f"/desk/offers/{Offer.objects.get(contact=contact).pk}/accept/")
    sent = []

    def sender(contact, person, text, attachments=()):  # type: ignore[no-untyped-def]
        sent.append(text)
        return Message.objects.create(
            organisation=contact.organisation,
            contact=contact,
            direction="out",
            author=person,
            body_text=text,
        )

    previous = replies._senders.get("form")
    replies.register_reply_sender("form", sender)
    try:
        assert post(f"/desk/contacts/{contact.pk}/reply/", {"text": "Hej!"})["X-Desk-Ok"] == "1"
    finally:
        if previous is None:
            replies._senders.pop("form", None)
        else:
            replies.register_reply_sender("form", previous)
    assert sent == ["Hej!"]
    assert "Hej!" in client.get(f"/desk/contacts/{contact.pk}/thread/").content.decode()


def test_ask_a_colleague_reaches_the_mentioned_colleague_live(desk) -> None:  # type: ignore[no-untyped-def]
    org, queue, agent, client, post = desk
    karin = make_person(org, full_name="Karin Berg", email="karin@example.org")
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(person_group(karin.pk), channel)

    assert (
        post("/desk/consultations/new/", {"text": "@karin vet du om bygglov för altan?"})[
            "X-Desk-Ok"
        ]
        == "1"
    )
    message = ConsultationMessage.objects.get()
    assert list(message.mentions.all()) == [karin]
    event = async_to_sync(layer.receive)(channel)
    assert event["event"]["kind"] == "consultation"
    assert set(event["event"]) <= {"kind", "seq", "sent_at", "consultation_id"}  # ids only

    other = Client()
    other.force_login(karin)
    assert "vet du om bygglov" in other.get("/desk/consultations/").content.decode()
    nobody = post("/desk/consultations/new/", {"text": "utan mottagare"})
    assert "X-Desk-Ok" not in nobody


def test_articles_new_or_changed_since_i_last_looked(desk) -> None:  # type: ignore[no-untyped-def]
    org, queue, agent, client, post = desk
    article = make_article(org, title="Corona: besöksregler")
    assert 'class="badge"' in client.get("/desk/articles/").content.decode()
    client.get(f"/desk/articles/{article.pk}/")
    assert 'class="badge"' not in client.get("/desk/articles/").content.decode()
    assert "Corona" in client.get("/desk/articles/?q=besök").content.decode()
    assert "Corona" not in client.get("/desk/articles/?q=skatt").content.decode()

    # Agents may not edit; a team leader may, and the change marks it for the agent.
    assert (
        client.post(f"/desk/articles/{article.pk}/edit/", {"title": "x", "body": "y"}).status_code
        == 403
    )
    leader = make_person(org, full_name="Lena Ledare", is_team_leader=True)
    leader_client = Client()
    leader_client.force_login(leader)
    leader_client.post(
        f"/desk/articles/{article.pk}/edit/",
        {"title": "Corona: nya besöksregler", "body": "Inga besök.", "topic": "Corona"},
    )
    html = client.get("/desk/articles/").content.decode()
    assert "nya besöksregler" in html and 'class="badge"' in html


def test_only_agents_and_team_leaders_use_the_desk() -> None:
    org = make_organisation()
    supervisor = make_person(org, is_agent=False, is_supervisor=True)
    client = Client()
    client.force_login(supervisor)
    assert client.get("/desk/").status_code == 403
    assert Client().get("/desk/").status_code == 302


@pytest.mark.parametrize(
    ("language", "desk_heading", "board_heading"),
    [
        ("sv", "Erbjudet till mig", "Köer i dag"),
        ("nb", "Tilbudt til meg", "Køer i dag"),
        ("en", "Offered to me", "Queues today"),
    ],
)
def test_desk_and_wallboard_speak_the_persons_language(
    language, desk_heading, board_heading
) -> None:  # type: ignore[no-untyped-def]
    org = make_organisation()
    person = make_person(org, language=language, is_team_leader=True)
    client = Client()
    client.force_login(person)
    assert desk_heading in client.get("/desk/").content.decode()
    assert board_heading in client.get("/wallboard/").content.decode()


def test_wrap_up_offers_the_topic_tree_and_preselects_a_suggestion(desk, commits, settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from distans.topics.actions import do_import_topics, do_train_topic_model

    settings.VAR_DIR = tmp_path
    org, queue, agent, client, post = desk
    do_import_topics(
        org,
        "code,parent_code,name,active,order,keywords\n"
        "corona,,Corona,1,1,\n"
        "vacc,corona,Vaccination,1,1,vaccin;vaccination;spruta\n"
        "bygglov,,Bygglov,1,2,bygglov;altan;tillbyggnad;bygga\n",
    )
    assert do_train_topic_model(org, force=True)  # keywords only: the cold start
    post("/desk/presence/", {"presence": "available"})
    contact = commits(routing.do_create_contact, queue, "email", subject="Spruta", body="När får jag min vaccination?")
    commits(routing.do_accept_offer, agent, Offer.objects.get(contact=contact).pk)
    page = client.get("/desk/work/").content.decode()
    assert "Corona › Vaccination" in page and "Bygglov" in page  # the tree's leaves
    assert "Förslag:" in page
    assert '<option value="Corona › Vaccination" selected>' in page


def test_no_offer_stays_open_during_wrap_up_and_accepting_never_shows_english(  # type: ignore[no-untyped-def]
    desk, commits, settings
) -> None:
    """An agent busy with one chat is offered a second; finishing the first starts
    wrap-up: the open offer is withdrawn (the chat waits again), the desk lists none,
    accepting the old offer gets a translated message, and its deadline passing cannot
    set the agent away."""
    from distans.routing.rounds import run_round

    org, queue, agent, client, post = desk
    make_topic(org, name="Bygglov")
    commits(routing.do_set_presence, agent, "available")
    first = commits(routing.do_create_contact, queue, "chat", customer_name="Första")
    post(f"/desk/offers/{Offer.objects.get(contact=first, status='open').pk}/accept/")
    second = commits(routing.do_create_contact, queue, "chat", customer_name="Andra")
    offer = Offer.objects.get(contact=second, status="open")  # offered while busy

    post(f"/desk/contacts/{first.pk}/complete/", {"topic": "Bygglov"})
    state = AgentState.objects.get(person=agent)
    assert state.presence == "wrap_up"
    offer.refresh_from_db()
    second.refresh_from_db()
    assert offer.status != "open" and second.status == "waiting"
    assert 'data-offer="' not in client.get("/desk/offers/").content.decode()

    client.cookies["django_language"] = "sv"
    html = post(f"/desk/offers/{offer.pk}/accept/", {}).content.decode()
    assert "wrap_up" not in html and "cannot accept" not in html
    assert "X-Desk-Ok" not in post(f"/desk/offers/{offer.pk}/accept/")

    # The old offer's deadline passes while the agent is still in wrap-up.
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    commits(run_round, org.pk)
    assert AgentState.objects.get(person=agent).presence == "wrap_up"
    assert not Offer.objects.filter(agent=agent, status="open").exists()


def test_an_unknown_state_conflict_reaches_the_agent_in_their_language(rf) -> None:  # type: ignore[no-untyped-def]
    from django.utils import translation

    from distans.core.errors import StateConflict
    from distans.desk.views import _failed

    with translation.override("sv"):
        html = _failed(rf.get("/"), StateConflict("Agent 7 is wrap_up and cannot accept.")).content
    text = html.decode()
    assert "wrap_up" not in text and "cannot" not in text
    assert "Det går inte just nu" in text
