"""Issue 14 point 10: surges are easy to find — live on the wallboard and on the
supervisor's home, labelled with the topic, the queue's name or a new subject's
phrases, and /topics/ in the menu for supervisors and admins."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from tests.factories import make_organisation, make_person, make_queue

from distans.topics import actions
from distans.topics.models import SurgeAlert

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_with_surges():  # type: ignore[no-untyped-def]
    org = make_organisation()
    make_queue(org, code="corona", name="Coronafrågor")
    make_queue(org, code="allmant", name="Allmänt")
    now = timezone.now()
    for dimension, key in [
        ("queue", "corona"),
        ("topic", "Corona › Vaccination"),
        ("cluster", "Sophämtning · töms soptunnorna"),
    ]:
        SurgeAlert.objects.create(
            organisation=org, dimension=dimension, key=key, start=now, detected_at=now,
            score=3.0, observed=36, expected=12.0, method="cusum",
        )  # fmt: skip
    SurgeAlert.objects.create(
        organisation=org, dimension="topic", key="Bygglov", start=now, detected_at=now,
        score=2.0, method="cusum", ongoing=False,
    )  # fmt: skip
    return org


def _client(person) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(person)
    return client


def test_the_surges_fragment_labels_each_surge_for_people(org_with_surges) -> None:  # type: ignore[no-untyped-def]
    leader = make_person(org_with_surges, is_team_leader=True)
    html = _client(leader).get("/topics/surges/now/").content.decode()
    assert "Coronafrågor" in html and "(queue)" not in html  # the queue's name, not its code
    assert "Corona › Vaccination" in html and "Sophämtning · töms soptunnorna" in html
    assert "Kö" in html and "Ämne" in html and "Nytt ämne" in html  # kinds, in Swedish
    assert "Bygglov" not in html  # ended
    assert "36 kontakter, omkring 12 väntade" in html
    agent = make_person(org_with_surges, is_agent=True)
    assert _client(agent).get("/topics/surges/now/").status_code == 403


def test_the_wallboard_and_the_supervisors_home_show_surges_live(org_with_surges) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_person(org_with_surges, is_supervisor=True)
    client = _client(supervisor)
    for page in ("/wallboard/", "/wallboard/tv/", "/"):
        html = client.get(page).content.decode()
        # The fragment re-fetches on the live "surge" event the topics app publishes.
        assert 'hx-get="/topics/surges/now/"' in html, page
        assert "live:surge from:body" in html, page
    queues = client.get("/wallboard/queues/").content.decode()
    corona_row = queues.split('data-queue="corona"')[1].split("</tr>")[0]
    allmant_row = queues.split('data-queue="allmant"')[1].split("</tr>")[0]
    assert "ökar kraftigt" in corona_row and "ökar kraftigt" not in allmant_row

    agent = make_person(org_with_surges, is_agent=True)
    assert "/topics/surges/now/" not in _client(agent).get("/").content.decode()


def test_topics_is_in_the_menu_for_supervisors_and_admins_only(org_with_surges) -> None:  # type: ignore[no-untyped-def]
    for flags, shown in [
        ({"is_supervisor": True}, True),
        ({"is_org_admin": True}, True),
        ({"is_agent": True}, False),
    ]:
        html = _client(make_person(org_with_surges, **flags)).get("/").content.decode()
        assert ('href="/topics/"' in html) is shown, flags


def test_the_topics_page_names_queues_not_codes(org_with_surges) -> None:  # type: ignore[no-untyped-def]
    supervisor = make_person(org_with_surges, is_supervisor=True)
    html = _client(supervisor).get("/topics/").content.decode()
    assert "Coronafrågor" in html and "(queue)" not in html and "(cluster)" not in html


def test_an_ended_surge_is_announced_so_the_marker_goes(monkeypatch, org_with_surges) -> None:  # type: ignore[no-untyped-def]
    """When a surge stops, the pages hear it live (not only at the next poll)."""
    published = []
    monkeypatch.setattr(actions, "publish", lambda group, kind, **data: published.append(kind))
    monkeypatch.setattr(actions, "hourly_counts", lambda *a, **k: (timezone.now(), {"x": [0, 0]}))
    monkeypatch.setattr("distans.core.topics.surges.detect_surges", lambda *a, **k: [])
    actions.do_detect_surges(org_with_surges)
    assert published == ["surge"]
    assert not SurgeAlert.objects.filter(
        organisation=org_with_surges, dimension="queue", ongoing=True
    ).exists()


def test_a_cluster_of_uncategorised_mail_is_labelled_with_its_phrases_once(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The demo's cluster alert read "två tömts veckor"; now it names the subject, and a
    later run over the shifted window does not raise the same cluster again."""
    from datetime import timedelta

    from distans.contacts.models import Contact

    monkeypatch.setattr(actions, "publish", lambda *a, **k: None)
    org = make_organisation()
    queue = make_queue(org, code="allmant", name="Allmänt")
    now = timezone.now()
    texts = [
        ("Bygglov", "Hur ansöker jag om bygglov för ett attefallshus?"),
        ("Vaccination", "Var kan jag vaccinera mig? Jag bor i Norrby."),
    ] * 2 + [
        ("Sophämtning", "När töms soptunnorna i Norrby? Den har inte tömts på två veckor.")
    ] * 5
    for i, (subject, body) in enumerate(texts):
        Contact.objects.create(
            organisation=org, queue=queue, channel="email", subject=subject,
            body=f"{body}\n\nMvh {['Anna', 'Erik', 'Sara', 'Olof', 'Maria'][i % 5]}",
            enqueued_at=now - timedelta(hours=5) + timedelta(minutes=10 * i),
        )  # fmt: skip
    created = actions.do_detect_clusters(org, now=now)
    assert [a.key for a in created] == ["Sophämtning · töms soptunnorna"]
    assert actions.do_detect_clusters(org, now=now + timedelta(minutes=5)) == []
    assert SurgeAlert.objects.filter(organisation=org, dimension="cluster").count() == 1
