"""Demo absence data, through the same actions people's clicks call: the home-work
checklist of every agent (all ready but Mikael, whose headset crackles; Johan's VPN
problem already solved by IT), only ready people scheduled at home, Maja sick and
Omar home with a sick child today (the simulated colleagues give them stand-ins),
some absence earlier this month and last, and one shift swap in Lag Syd waiting for
its leader. Runs once per organisation."""

from __future__ import annotations

import datetime as dt

from distans.absence import actions
from distans.absence.choices import AbsenceKind, ReadinessItem, ReadinessStatus, ReportedVia
from distans.absence.models import Absence, SwapRequest
from distans.absence.queries import local_today, my_future_shifts, org_of, zone_of
from distans.absence.rules import swap_problems
from distans.accounts.models import Organisation, Person
from distans.core.errors import CoreError
from distans.demo.data import DEMO_LOADERS, demo_email
from distans.planning.choices import WorkLocation
from distans.planning.models import Shift


def _person(organisation: Organisation, local: str) -> Person | None:
    return Person.objects.for_org(organisation).filter(email=demo_email(local)).first()


def _readiness(organisation: Organisation, today: dt.date) -> None:
    agents = Person.objects.for_org(organisation).filter(is_agent=True, is_active=True)
    for number, person in enumerate(agents.order_by("pk")):
        checked = today - dt.timedelta(days=3 + number % 5)
        for item in ReadinessItem.values:
            actions.do_save_readiness(person, item, ReadinessStatus.OK, day=checked)
    mikael = _person(organisation, "mikael")
    if mikael is not None:
        actions.do_report_it_problem(
            mikael,
            "Headsetet knastrar och mikrofonen slutar fungera efter en stund.",
            ReadinessItem.HEADSET,
        )
    johan = _person(organisation, "johan")
    admin = _person(organisation, "admin")
    if johan is not None and admin is not None:
        problem = actions.do_report_it_problem(
            johan, "VPN:en kopplar ner varje morgon kl. 8.", ReadinessItem.SOFTPHONE
        )
        actions.do_resolve_it_problem(problem, admin, "Ny VPN-profil skickad, starta om datorn.")
        actions.do_save_readiness(johan, ReadinessItem.SOFTPHONE, ReadinessStatus.OK)
    actions.do_save_absence_settings(organisation, True, admin)


def _absences(organisation: Organisation, today: dt.date) -> None:
    zone = zone_of(organisation)
    earlier = [
        ("lars", AbsenceKind.SICK, 12, 3),
        ("maja", AbsenceKind.CHILD_SICK, 8, 1),
        ("johan", AbsenceKind.SICK, 20, 2),
        ("ingrid", AbsenceKind.OTHER, 27, 1),
        ("omar", AbsenceKind.CHILD_SICK, 33, 2),
    ]
    for local, kind, days_ago, length in earlier:
        person = _person(organisation, local)
        if person is None:
            continue
        first = today - dt.timedelta(days=days_ago)
        reported = dt.datetime.combine(first, dt.time(7, 30), tzinfo=zone)
        actions.do_report_absence(
            person, kind, first, first + dt.timedelta(days=length - 1), now=reported
        )
    # Today's absences, in Lag Syd: people the browser tests do not sign in as (an
    # absent person cannot go available; those tests make Lag Norr's people available).
    sick = _person(organisation, "maja")
    if sick is not None:
        actions.do_report_absence(sick, AbsenceKind.SICK, today, note="Feber")
    child_sick = _person(organisation, "omar")
    if child_sick is not None:
        actions.do_report_absence(
            child_sick, AbsenceKind.CHILD_SICK, today, via=ReportedVia.API, note="Förskolan ringde"
        )


def find_swap(requester: Person) -> SwapRequest | None:
    """A swap of one of the requester's home shifts for a colleague's home shift on a
    day neither works the other's (unsaved) that keeps every rule, or None."""
    from distans.absence.queries import colleagues_shifts

    zone = zone_of(org_of(requester))

    def day(shift: Shift) -> dt.date:
        return shift.starts_at.astimezone(zone).date()

    mine = [s for s in my_future_shifts(requester) if s.location == WorkLocation.HOME]
    theirs = list(colleagues_shifts(requester))
    days_of: dict[int, set[dt.date]] = {}
    for shift in theirs:
        days_of.setdefault(shift.person_id, set()).add(day(shift))
    my_days = {day(s) for s in mine}
    tried = 0
    for shift in reversed(mine):  # the latest first: furthest from today's absences
        for back in theirs:
            if back.location != WorkLocation.HOME or day(back) in my_days:
                continue
            if day(shift) in days_of[back.person_id]:
                continue
            swap = SwapRequest(
                organisation_id=org_of(requester),
                requester=requester,
                colleague=back.person,
                shift=shift,
                return_shift=back,
            )
            tried += 1
            if not swap_problems(swap):
                return swap
            if tried > 20:
                return None
    return None


def _swap(organisation: Organisation) -> None:
    lars, sofia = _person(organisation, "lars"), _person(organisation, "sofia")
    if lars is None or sofia is None:
        return
    swap = find_swap(lars)
    if swap is None:
        return
    try:
        asked = actions.do_request_swap(
            lars, swap.shift, swap.colleague, swap.return_shift, "Tandläkartid"
        )
        actions.do_answer_swap(asked, swap.colleague, True)
    except CoreError:
        return


def load_absence_demo(organisation: Organisation) -> None:
    if Absence.objects.for_org(organisation).exists():
        return
    today = local_today(organisation)
    _readiness(organisation, today)
    _absences(organisation, today)
    _swap(organisation)


DEMO_LOADERS.append(load_absence_demo)
