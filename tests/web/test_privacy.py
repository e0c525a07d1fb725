"""Privacy: identity numbers masked in exports; who read which contact."""

from __future__ import annotations


def test_report_exports_mask_identity_numbers_in_text_cells() -> None:
    from distans.reports.exports import events_to_csv_lines, rows_to_csv, rows_to_xlsx

    csv_text = rows_to_csv([{"topic": "Ärende 19811218-9876", "offered": 198112189876}])
    assert "Ärende ********-****" in csv_text
    assert "198112189876" in csv_text  # a number column is not text
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(rows_to_xlsx([{"topic": "Ärende 19811218-9876"}])))
    assert [c.value for c in next(book.active.iter_cols(min_row=2, max_row=2))] == ["Ärende ********-****"]

    class Event:
        pk, name, contact_id, agent_id, queue_id = 1, "note", 2, 3, 4
        data = {"text": "fnr 15076500565"}

        class at:
            @staticmethod
            def isoformat() -> str:
                return "2026-12-06T10:00:00+00:00"

    lines = "".join(events_to_csv_lines([Event()]))
    assert "15076500565" not in lines and "***********" in lines


def _handled_contact(org, queue, agent):  # type: ignore[no-untyped-def]
    from distans.contacts.models import Contact, Message

    contact = Contact.objects.create(
        organisation=org, queue=queue, channel="email", status="active", agent=agent,
        subject="Bygglov", customer_email="asa@example.se",
    )  # fmt: skip
    Message.objects.create(organisation=org, contact=contact, direction="in", body_text="Hej!")
    return contact


import pytest  # noqa: E402


@pytest.mark.django_db
def test_reading_a_contacts_conversation_is_logged_once_and_admins_can_search_it() -> None:
    from django.core.cache import cache
    from django.test import Client
    from tests.factories import make_agent, make_organisation, make_person, make_queue

    from distans.contacts.models import ContactRead

    cache.clear()
    org, other_org = make_organisation(), make_organisation()
    queue = make_queue(org)
    agent = make_agent(org, [queue], presence="available", full_name="Anna Läsare")
    contact = _handled_contact(org, queue, agent)
    client = Client()
    client.force_login(agent)
    for _ in range(3):  # the desk re-fetches the thread on live events: one row
        assert client.get(f"/desk/contacts/{contact.pk}/thread/").status_code == 200
    reads = list(ContactRead.objects.filter(contact=contact))
    assert [(r.person_id, r.person_name, r.what) for r in reads] == [(agent.pk, "Anna Läsare", "thread")]

    admin = Client()
    admin.force_login(make_person(org, is_org_admin=True))
    found = admin.get(f"/admin/contacts/contactread/?q={contact.pk}")
    assert found.status_code == 200 and "Anna Läsare" in found.content.decode()
    assert admin.get(f"/admin/contacts/contactread/?q={'9' * 30}").status_code == 200
    stranger = Client()
    stranger.force_login(make_person(other_org, is_org_admin=True))
    assert "Anna Läsare" not in stranger.get("/admin/contacts/contactread/").content.decode()
