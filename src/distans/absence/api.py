"""Absence over HTTP, for a phone menu (IVR) or an app: report a person away, list
who is away on a day. A person reports for themselves (session, or a key naming
them); a key with the ``absence.report`` scope may report for anyone of its
organisation; reading the list needs ``absence.lead``."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status

from distans.absence import actions, queries
from distans.absence.choices import ReportedVia
from distans.absence.models import Absence
from distans.absence.queries import organisation_of
from distans.accounts.models import Organisation, Person
from distans.api.auth import Caller
from distans.api.errors import ErrorOut, Forbidden
from distans.routing.errors import NotFound

router = Router(tags=["absence"])

KindName = Literal["sick", "child_sick", "other"]


class AbsenceIn(Schema):
    kind: KindName
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    note: str = ""
    person_id: int | None = None
    person_email: str | None = None


class AbsenceOut(Schema):
    id: int
    person_id: int
    person: str
    kind: str
    first_day: dt.date
    last_day: dt.date
    starts_at: dt.datetime
    via: str


def _out(absence: Absence) -> AbsenceOut:
    return AbsenceOut(
        id=absence.pk,
        person_id=absence.person_id,
        person=absence.person.full_name,
        kind=absence.kind,
        first_day=absence.first_day,
        last_day=absence.last_day,
        starts_at=absence.starts_at,
        via=absence.via,
    )


def _caller(request: HttpRequest) -> Caller:
    caller = vars(request).get("auth")  # set by the API's authentication
    if not isinstance(caller, Caller):
        raise Forbidden("Log in or use an API key.")
    return caller


def _person(caller: Caller, payload: AbsenceIn) -> Person:
    people = Person.objects.for_org(caller.organisation_id).filter(is_active=True)
    if payload.person_id is None and not payload.person_email:
        if caller.person is None:
            raise NotFound("Name the person (person_id or person_email).")
        return caller.person
    found = (
        people.filter(pk=payload.person_id).first()
        if payload.person_id is not None
        else people.filter(email__iexact=payload.person_email).first()
    )
    if found is None:
        raise NotFound("No such person.")
    if caller.person is not None and found.pk != caller.person.pk:
        may = (
            caller.may("absence.lead")
            and queries.visible_people(caller.person).filter(pk=found.pk).exists()
        )
        if not may:
            raise Forbidden("You may report absence only for yourself or your teams.")
    return found


@router.post(
    "/absences",
    response={
        201: AbsenceOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    url_name="report_absence",
)
def report_absence(request: HttpRequest, payload: AbsenceIn) -> Status[AbsenceOut]:
    """Report a person away (``sick``, ``child_sick``: care of a sick child, ``other``)
    from ``first_day`` (default today) through ``last_day`` (default that day)."""
    caller = _caller(request)
    caller.require("absence.report")
    person = _person(caller, payload)
    today = queries.local_today(organisation_of(person))
    absence = actions.do_report_absence(
        person,
        payload.kind,
        payload.first_day or today,
        payload.last_day,
        note=payload.note,
        by=caller.person,
        via=ReportedVia.API,
    )
    return Status(201, _out(absence))


@router.get(
    "/absences",
    response={200: list[AbsenceOut], 403: ErrorOut, 422: ErrorOut},
    url_name="list_absences",
)
def list_absences(request: HttpRequest, day: dt.date | None = None) -> list[AbsenceOut]:
    """Who is away on ``day`` (default today): the caller's teams (a key: everyone)."""
    caller = _caller(request)
    caller.require("absence.lead")
    organisation = caller.organisation_id
    day = day or queries.local_today(Organisation.objects.get(pk=organisation))
    rows = queries.absences_on(organisation, day)
    if caller.person is not None:  # a team leader: their teams only
        rows = rows.filter(person__in=queries.visible_people(caller.person))
    return [_out(a) for a in rows[:500]]
