"""The demo's queue lines ("slingor") and switchboard number."""

from __future__ import annotations

from distans.accounts.models import Organisation
from distans.demo.data import DEMO_LOADERS
from distans.routing.models import Queue
from distans.telephony.models import Line, TelephonySettings

LINES = [
    ("+4655510000", "Växeln", "vaxel"),
    ("+4655510010", "Allmänna frågor", "allmant"),
    ("+4655510020", "Skola och förskola", "skola"),
    ("+4655510030", "Bygglov", "bygglov"),
    ("+4655510040", "Coronalinjen", "corona"),
]


def load_telephony_demo(organisation: Organisation) -> None:
    TelephonySettings.objects.get_or_create(organisation=organisation)
    for number, name, code in LINES:
        queue = Queue.objects.for_org(organisation).filter(code=code).first()
        if queue is not None and not Line.objects.for_org(organisation).filter(number=number).exists():
            from distans.setup.actions import do_create_phone_line

            do_create_phone_line(organisation, None, queue, number, name)


DEMO_LOADERS.append(load_telephony_demo)
