"""The PostgreSQL store's statement runner (``routing/store/pg_runner.py``): lists go to
PostgreSQL as array text, and come back as they were, whatever the strings hold; an
arrival's own insert stores what the ORM would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.factories import make_organisation, make_queue

from distans.contacts.choices import Channel
from distans.contacts.models import Contact
from distans.routing import actions
from distans.routing.store import pg_runner

pytestmark = pytest.mark.django_db


def test_lists_reach_postgresql_unchanged() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared-statement runner: runs in the suite's second pass (see Makefile)")
    texts = [
        "plain",
        'a "quoted" word',
        "back\\slash",
        "{braces}, commas",
        "",
        "NULL",
        "åäö ✓",
        '{"k": "v\\"}',
    ]
    ids = [1, None, 2**40]
    at = datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=UTC)
    times = [at, at + timedelta(microseconds=1), None]
    flags = [True, False, None]
    ((back_texts, back_ids, back_times, back_flags),) = pg_runner.execute(
        "SELECT $1::text[], $2::bigint[], $3::timestamptz[], $4::boolean[]",
        [texts, ids, times, flags],
    )
    assert back_texts == texts
    assert back_ids == ids
    assert back_times == times
    assert back_flags == flags
    # An empty list is an empty array, not NULL.
    assert pg_runner.execute("SELECT cardinality($1::bigint[])", [[]]) == [(0,)]


def test_an_arrival_stores_every_field_as_the_orm_does() -> None:
    """``do_create_contact`` builds its row without Django's field preparation (and on
    PostgreSQL inserts it with its own statement): the stored row must equal the one
    ``Contact(...).save()`` stores, and the returned instance must hold what was stored."""
    org = make_organisation()
    queue = make_queue(org)
    at = datetime(2026, 3, 29, 1, 59, 59, 123456, tzinfo=UTC)
    given = {
        "priority": 3,
        "required_skills": {"skola": 4, "språk": 2},
        "language": "fi",
        "customer_name": 'Åsa "Q" Öberg',
        "customer_email": "asa@example.se",
        "customer_phone": "+46 70 123 45 67",
        "subject": "Ämne med \\ och %s",
        "body": "rad 1\nrad 2 ✓",
        "attributes": {"källa": ["webb", None, 1.5], "tom": {}},
        "external_id": "<id@example.se>",
    }
    contact = actions.do_create_contact(queue, Channel.CHAT, arrived_at=at, **given)
    reference = Contact(
        queue=queue,
        organisation_id=org.pk,
        channel="chat",
        enqueued_at=at,
        queue_entered_at=at,
        **given,
    )
    reference.save()

    def fields(c: Contact) -> dict[str, object]:
        return {f.attname: getattr(c, f.attname) for f in Contact._meta.concrete_fields[1:]}

    stored = Contact.objects.get(pk=contact.pk)
    assert fields(stored) == fields(Contact.objects.get(pk=reference.pk))
    assert fields(contact) == fields(stored)
    assert not contact._state.adding
    with CaptureQueriesContext(connection) as queries:
        assert contact.queue == queue  # kept from the call, as ``queue=queue`` keeps it
    assert not queries.captured_queries
    # Empty JSON of either kind is stored as such (not as NULL or a string).
    plain = actions.do_create_contact(queue, Channel.EMAIL)
    assert Contact.objects.filter(
        pk=plain.pk, required_skills={}, attributes={}, excluded_agent_ids=[]
    ).exists()
