"""No double booking under concurrency (PostgreSQL): many visitors race for the same
slots at once, from threads with their own connections; each place is taken once,
every other visitor is told the time is taken, and nothing fails otherwise."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection
from tests.conftest import require_service
from tests.factories import make_organisation, make_person
from tests.factories_visits import make_service, tomorrow_at

from distans.visits import actions
from distans.visits.models import Visit

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 12


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        # Runs in the PostgreSQL pass of the suite (make pytest-postgres); SQLite
        # serialises every writer and has no row locks to test.
        if os.environ.get("DISTANS_TEST_DB") == "postgres":
            require_service("postgres", False, "PostgreSQL pass without PostgreSQL")
        pytest.skip("row-lock test: runs in the suite's second pass (see Makefile)")


def _race(target, count: int) -> tuple[list[object], list[BaseException]]:  # type: ignore[no-untyped-def]
    results: list[object] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def run(n: int) -> None:
        try:
            barrier.wait()
            results.append(target(n))
        except actions.SlotTaken as taken:
            results.append(taken)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_racing_visitors_never_double_book_a_slot() -> None:
    _postgres_only()
    org = make_organisation()
    service = make_service(org, capacity_per_slot=3)
    at = tomorrow_at(org, 10)

    def book(n: int) -> Visit:
        return actions.do_book_visit(service, at, name=f"Besökare {n}", email=f"b{n}@example.org")

    results, errors = _race(book, RACERS)
    assert errors == []
    booked = [r for r in results if isinstance(r, Visit)]
    assert len(booked) == 3 and len(results) == RACERS
    seats = sorted(
        Visit.objects.filter(service=service, starts_at=at).values_list("seat", flat=True)
    )
    assert seats == [1, 2, 3]


def test_racing_across_two_services_never_double_books_their_one_staff_member() -> None:
    _postgres_only()
    org = make_organisation()
    anna = make_person(org)
    first = make_service(org, name="ID-kontroll")
    second = make_service(org, name="Bygglovsmöte", site=first.site, hours_queue=first.hours_queue)
    from tests.factories_planning import make_schedule, make_shift

    at = tomorrow_at(org, 10)
    week = at.date()
    schedule = make_schedule(org, week)
    import datetime as dt

    make_shift(
        schedule, anna, at - dt.timedelta(hours=1), at + dt.timedelta(hours=2), location="office"
    )
    first.staff.set([anna])
    second.staff.set([anna])

    def book(n: int) -> Visit:
        service = first if n % 2 else second
        return actions.do_book_visit(service, at, name=f"Besökare {n}", email=f"b{n}@example.org")

    results, errors = _race(book, RACERS)
    assert errors == []
    assert Visit.objects.filter(staff=anna, starts_at=at).count() == 1
    assert sum(isinstance(r, Visit) for r in results) == 1


def test_the_database_refuses_a_second_visitor_on_a_taken_seat() -> None:
    """Even a writer that skips the lock cannot put two visitors on one seat."""
    _postgres_only()
    from django.db import IntegrityError

    org = make_organisation()
    service = make_service(org)
    at = tomorrow_at(org, 10)
    visit = actions.do_book_visit(service, at, name="Vera", email="v@example.org")
    with pytest.raises(IntegrityError):
        Visit.objects.create(
            organisation=org, service=service, site=service.site, starts_at=at,
            ends_at=visit.ends_at, seat=1, name="Intrång", email="x@example.org",
        )  # fmt: skip
