"""Settings → a data subject's data: find by e-mail, phone or identity number, export
(a JSON download, in the read and audit logs) and erase after a typed confirmation
(audited), for organisation admins only."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from tests.factories import make_organisation, make_person, make_queue

from distans.accounts.models import AuditEntry
from distans.contacts.models import Contact, ContactRead, Message

pytestmark = pytest.mark.django_db


def _contact(org: Any, queue: Any, text: str = "Hej", **fields: Any) -> Contact:
    contact = Contact.objects.create(
        organisation=org, queue=queue, channel="email", status="completed", **fields
    )
    Message.objects.create(organisation=org, contact=contact, direction="in", body_text=text,
                           sender=fields.get("customer_email", ""))  # fmt: skip
    return contact


@pytest.fixture
def world() -> dict[str, Any]:
    org, other = make_organisation(), make_organisation()
    queue = make_queue(org)
    admin = make_person(org, is_org_admin=True, is_agent=False)
    client = Client()
    client.force_login(admin)
    return {
        "org": org, "admin": admin, "client": client,
        "by_mail": _contact(org, queue, customer_email="Asa@Example.se", subject="Bygglov Åsa", customer_name="Åsa Ek"),
        "by_phone": _contact(org, queue, customer_phone="070-123 45 67", subject="Parkering"),
        "by_number": _contact(org, queue, text="Mitt personnummer är 811218-9876", subject="Skatt"),
        "unrelated": _contact(org, queue, customer_email="bo@example.se", subject="Skola Bo"),
        "elsewhere": _contact(other, make_queue(other), customer_email="asa@example.se", subject="Annan kommun"),
    }  # fmt: skip


QUERY = {"email": "asa@example.se", "phone": "+46 70 123 45 67", "identity_number": "19811218-9876"}


def test_find_lists_only_the_persons_contacts_of_this_organisation(world: dict[str, Any]) -> None:
    page = world["client"].get("/settings/privacy/", QUERY)
    body = page.content.decode()
    assert page.status_code == 200
    assert "3 kontakter hittades" in body
    assert "Bygglov Åsa" in body and "Parkering" in body and "Skatt" in body
    assert "Skola Bo" not in body and "Annan kommun" not in body
    assert "Skriv RADERA" in body

    one = world["client"].get("/settings/privacy/", {"email": "ASA@example.se"}).content.decode()
    assert "1 kontakt hittades" in one and "Parkering" not in one


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"email": "", "phone": " ", "identity_number": ""}, "Ange en e-postadress"),
        ({"phone": "12"}, "minst sex siffror"),
        ({"identity_number": "a"}, "tio eller tolv siffror"),
        ({"identity_number": "8112189876 OR 1=1"}, "tio eller tolv siffror"),
        ({"email": "inte-en-adress"}, "giltig e-postadress"),
    ],
)
def test_unclear_searches_are_refused_in_words_and_find_nothing(
    world: dict[str, Any], query: dict[str, str], message: str
) -> None:
    body = world["client"].get("/settings/privacy/", query).content.decode()
    assert message in body
    assert "Bygglov Åsa" not in body and "Skola Bo" not in body


def test_export_downloads_everything_and_records_who_read_it(world: dict[str, Any]) -> None:
    response = world["client"].post("/settings/privacy/export/", QUERY)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="distans-data-subject-')
    data = json.loads(response.content)
    cases = {c["case"] for c in data["contacts"]}
    assert cases == {world[k].case_number for k in ("by_mail", "by_phone", "by_number")}
    by_number = next(c for c in data["contacts"] if c["case"] == world["by_number"].case_number)
    assert by_number["messages"][0]["text"] == "Mitt personnummer är 811218-9876"
    reads = ContactRead.objects.filter(person=world["admin"], what="export")
    assert {r.contact_id for r in reads} == {
        world[k].pk for k in ("by_mail", "by_phone", "by_number")
    }
    entry = AuditEntry.objects.get(organisation=world["org"], action="data_subject.exported")
    assert entry.actor == world["admin"] and sorted(entry.changes["cases"]) == sorted(cases)


def test_erase_needs_the_typed_word_then_erases_only_what_was_shown(world: dict[str, Any]) -> None:
    client = world["client"]
    shown = ",".join(
        str(world[k].pk) for k in ("by_mail", "by_phone")
    )  # by_number arrived after the search
    refused = client.post(
        "/settings/privacy/erase/", {**QUERY, "cases": shown, "confirmation": "ja"}
    )
    assert refused.status_code == 400 and "Skriv RADERA för att radera" in refused.content.decode()
    assert Contact.objects.get(pk=world["by_mail"].pk).customer_email == "Asa@Example.se"

    unrelated = str(world["unrelated"].pk)  # a tampered list: not a match, so not erased
    done = client.post(
        "/settings/privacy/erase/",
        {**QUERY, "cases": f"{shown},{unrelated}", "confirmation": "radera"},
    )
    assert done.status_code == 200
    body = done.content.decode()
    assert "Personuppgifterna är raderade" in body
    by_mail = Contact.objects.get(pk=world["by_mail"].pk)
    assert (by_mail.customer_email, by_mail.customer_name, by_mail.subject) == ("", "", "[raderat]")
    assert Contact.objects.get(pk=world["by_phone"].pk).customer_phone == ""
    assert (
        Message.objects.get(contact=world["by_number"]).body_text
        == "Mitt personnummer är 811218-9876"
    )
    assert Contact.objects.get(pk=world["unrelated"].pk).customer_email == "bo@example.se"
    assert Contact.objects.get(pk=world["elsewhere"].pk).customer_email == "asa@example.se"
    entry = AuditEntry.objects.get(organisation=world["org"], action="data_subject_erased")
    assert entry.actor == world["admin"] and entry.changes["contacts"] == 2
    audit = client.get("/settings/audit/").content.decode()
    assert "en registrerads uppgifter raderade" in audit


@pytest.mark.parametrize("role", ["is_agent", "is_team_leader", "is_supervisor", "is_planner"])
def test_only_admins_may(world: dict[str, Any], role: str) -> None:
    person = make_person(world["org"], **{"is_agent": False, role: True})
    client = Client()
    client.force_login(person)
    assert client.get("/settings/privacy/", QUERY).status_code == 403
    assert client.post("/settings/privacy/export/", QUERY).status_code == 403
    shown = str(world["by_mail"].pk)
    assert (
        client.post(
            "/settings/privacy/erase/", {**QUERY, "cases": shown, "confirmation": "radera"}
        ).status_code
        == 403
    )
    assert Contact.objects.get(pk=world["by_mail"].pk).customer_email == "Asa@Example.se"
