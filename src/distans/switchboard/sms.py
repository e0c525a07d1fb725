"""SMS: a small adapter contract, like telephony's.

Chosen by a dotted path in ``DISTANS_SMS_ADAPTER``. An adapter has
``send(organisation_id, number, text) -> str`` returning the status shown to people
("sent", or why not). :class:`RecordingSmsAdapter` (the default until an SMS gateway
is set up, and the tests' adapter) sends nothing and keeps the messages in memory,
so a test can read what would have gone out."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol


class SmsAdapter(Protocol):
    def send(self, organisation_id: int, number: str, text: str) -> str: ...


@dataclass(frozen=True)
class Sms:
    organisation_id: int
    number: str
    text: str


class RecordingSmsAdapter:
    sent: list[Sms] = []
    _lock = threading.Lock()

    def send(self, organisation_id: int, number: str, text: str) -> str:
        with self._lock:
            RecordingSmsAdapter.sent.append(Sms(organisation_id, number, text[:640]))
        return "recorded"


def load_adapter() -> Any:
    from django.conf import settings
    from django.utils.module_loading import import_string

    path = getattr(settings, "DISTANS_SMS_ADAPTER", "distans.switchboard.sms.RecordingSmsAdapter")
    return import_string(path)()


def send_sms(organisation_id: int, number: str, text: str) -> str:
    return str(load_adapter().send(organisation_id, number, text))[:200]
