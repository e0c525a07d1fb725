"""Demo visits: three services of Västerby's service centre (an ID check at the
office, a digital building-permit meeting with two case officers on their published
shifts, a group information meeting) and a few bookings — today's (so the staff's day
list has visitors) and the coming days' — all through the same actions as the pages.
Idempotent: nothing is added when the services exist."""

from __future__ import annotations

import datetime as dt
import os

from django.utils import timezone

from distans.accounts.models import Organisation, Person, Site
from distans.demo.data import DEMO_LOADERS, demo_email
from distans.routing.models import Queue
from distans.visits import actions, queries
from distans.visits.actions import SlotTaken
from distans.visits.choices import MeetingMode
from distans.visits.models import VisitService

VISITORS = [
    ("Gunnar Ek", "gunnar.ek@medborgare.example", "+46701230001"),
    ("Leila Haddad", "leila.haddad@medborgare.example", "+46701230002"),
    ("Per Olsson", "per.olsson@medborgare.example", ""),
    ("Britt Sjöberg", "britt.sjoberg@medborgare.example", "+46701230004"),
    ("Ahmed Yusuf", "ahmed.yusuf@medborgare.example", ""),
]


def _services(organisation: Organisation) -> list[VisitService]:
    site = Site.objects.for_org(organisation).filter(name="Kontaktcenter").first()
    general = Queue.objects.for_org(organisation).filter(code="allmant").first()
    permits = Queue.objects.for_org(organisation).filter(code="bygglov").first() or general
    if site is None or general is None or permits is None:
        return []
    officers = list(
        Person.objects.filter(email__in=[demo_email("teamleader"), demo_email("sofia")])
    )
    specs = [
        (
            VisitService(
                name="ID-kontroll", name_nb="ID-kontroll", name_en="ID check",
                description="Ta med giltig legitimation. Besöket tar en kvart.",
                site=site, hours_queue=general, duration_minutes=15, buffer_minutes=0,
                min_notice_hours=1, horizon_days=21, capacity_per_slot=2, capacity_per_day=40,
            ),
            [],
        ),
        (
            VisitService(
                name="Bygglovsmöte", name_nb="Byggesaksmøte", name_en="Building permit meeting",
                description="Ett digitalt möte med en handläggare om ditt bygglov.",
                site=site, hours_queue=permits, duration_minutes=45, buffer_minutes=15,
                min_notice_hours=4, horizon_days=30, meeting_mode=MeetingMode.DIGITAL,
            ),
            officers,
        ),
        (
            VisitService(
                name="Informationsmöte om bygglov", name_nb="Informasjonsmøte om byggesak",
                name_en="Information meeting on building permits",
                site=site, hours_queue=permits, duration_minutes=60, buffer_minutes=0,
                min_notice_hours=2, horizon_days=30, capacity_per_slot=8, capacity_per_day=16,
                meeting_mode=MeetingMode.CHOICE,
            ),
            [],
        ),
    ]  # fmt: skip
    return [actions.do_save_visit_service(organisation, None, s, staff) for s, staff in specs]


def _bookings(services: list[VisitService]) -> None:
    now = timezone.now()
    visitors = iter(VISITORS * 3)
    for service in services:
        zone = queries.zone_of(service.organisation)
        today = now.astimezone(zone).date()
        midnight = dt.datetime.combine(today, dt.time.min, tzinfo=zone)
        # Today's visits are booked "this morning" (the action's own clock), so the
        # staff's day list shows visitors whatever hour the demo starts.
        today_slots = queries.available_slots(service, today, today, now=midnight)[:2]
        later = queries.available_slots(service, today + dt.timedelta(days=1))[:2]
        for slot, booked_at in [(s, midnight) for s in today_slots] + [(s, now) for s in later]:
            name, email, phone = next(visitors)
            try:
                actions.do_book_visit(
                    service, slot.starts_at, name=name, email=email, phone=phone,
                    digital=service.meeting_mode == MeetingMode.DIGITAL,
                    link_base=os.environ.get("DISTANS_DEMO_URL", ""), now=booked_at,
                )  # fmt: skip
            except SlotTaken:
                continue


def load_visits_demo(organisation: Organisation) -> None:
    if VisitService.objects.for_org(organisation).exists():
        return
    _bookings(_services(organisation))


DEMO_LOADERS.append(load_visits_demo)
