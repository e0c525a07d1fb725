"""The mailbox admin: an organisation admin sees, edits and creates only their own
organisation's mailboxes (the passwords are not echoed in the list)."""

from __future__ import annotations

import pytest
from django.test import Client
from tests.factories import make_organisation, make_person, make_queue

from distans.channels_email.models import Mailbox

pytestmark = pytest.mark.django_db


def _mailbox(queue, address: str) -> Mailbox:  # type: ignore[no-untyped-def]
    return Mailbox.objects.create(
        organisation_id=queue.organisation_id, queue=queue, address=address,
        imap_host="imap.example.se", imap_username=address, imap_password="hemligt-a",
    )  # fmt: skip


def test_org_admin_sees_only_own_mailboxes() -> None:
    org_a, org_b = make_organisation(), make_organisation()
    queue_a, queue_b = make_queue(org_a), make_queue(org_b)
    box_a = _mailbox(queue_a, "a-kundtjanst@example.se")
    _mailbox(queue_b, "b-kundtjanst@example.se")
    admin_b = make_person(org_b, is_org_admin=True)
    client = Client()
    client.force_login(admin_b)
    listing = client.get("/admin/channels_email/mailbox/")
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "b-kundtjanst@example.se" in body and "a-kundtjanst@example.se" not in body
    assert "hemligt-a" not in body
    change = client.get(f"/admin/channels_email/mailbox/{box_a.pk}/change/")
    assert change.status_code in (302, 403, 404)
    form = client.get("/admin/channels_email/mailbox/add/").content.decode()
    assert f'value="{queue_a.pk}"' not in form and f'value="{queue_b.pk}"' in form
    client.post(
        f"/admin/channels_email/mailbox/{box_a.pk}/change/",
        {"address": "hijack@example.org", "queue": queue_b.pk},
    )
    box_a.refresh_from_db()
    assert box_a.address == "a-kundtjanst@example.se"
