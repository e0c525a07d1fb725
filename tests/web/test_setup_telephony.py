"""Telephony reads the queue's settings: its texts for waiting and closed callers,
and its own callback validity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from tests.web.test_telephony import pbx  # noqa: F401 - the fixture

from distans.setup.actions import do_save_queue
from distans.telephony.models import Call

pytestmark = pytest.mark.django_db


def test_the_pbx_gets_the_queues_texts_and_its_callback_validity(pbx) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    org, queue, _, call, _capture = pbx
    texts = {"sv": {"waiting": "Du står i kö.", "callback": "Vill du bli uppringd?"}, "en": {"waiting": "You are in the queue."}}
    do_save_queue(org, None, queue, {"waiting_texts": texts, "callback_valid_hours": 2})
    waiting = call("post", "/api/telephony/calls", {"call_id": "t-1", "line": "+4655510010"}).json()
    assert waiting["route"] == {"action": "wait", "position": 1, "texts": {"sv": "Du står i kö.", "en": "You are in the queue."}}
    before = timezone.now()
    call("post", "/api/telephony/calls/t-1/events", {"event": "callback_requested", "number": "+46705550000"})
    valid_until = Call.objects.get(call_id="t-1").callback_valid_until
    assert before + timedelta(hours=2) <= valid_until <= timezone.now() + timedelta(hours=2)
