"""Tenant isolation of the switchboard: B's operator (also admin) never finds, reads,
messages or puts through to A's directory, never sees A's calls, and an import or
an away status of B's never touches A's rows."""

from __future__ import annotations

from typing import Any

from tests.web.isolation import Probe, World, case, denied, must_not_show, world_builder


@world_builder
def _switchboard_world(world: World) -> None:
    from distans.switchboard.actions import do_save_entry, do_set_away, do_take_message
    from distans.telephony.models import Call

    entry = do_save_entry(
        world.org_a.pk,
        None,
        {
            "name": "Agneta Alfadotter",
            "title": "Alfaroll",
            "department": "Alfaförvaltningen",
            "keywords": "alfaord",
            "phone": "+4611112222",
            "email": world.person_a.email,
        },
    )
    do_set_away(entry, "meeting", None, "Alfamötet")
    message = do_take_message(entry, world.person_a, {"text": "Alfameddelandet", "via": "email"})
    call = Call.objects.create(
        organisation=world.org_a,
        contact=world.extra["active_a"],
        call_id="sb-alfa",
        caller_number="+46700000077",
        state="answered",
    )
    world.extra.update(sb_entry_a=entry, sb_message_a=message, sb_call_a=call)


ALFA = must_not_show(
    lambda w: "Agneta Alfadotter",
    lambda w: "Alfaroll",
    lambda w: "Alfamötet",
    lambda w: "Alfameddelandet",
    lambda w: "+46700000077",
)


def _untouched(response: Any, world: World) -> None:
    from distans.switchboard.models import AwayStatus, DirectoryEntry, PhoneMessage
    from distans.telephony.models import Call

    ALFA(response, world)
    entry = DirectoryEntry.objects.get(pk=world.extra["sb_entry_a"].pk)
    assert entry.name == "Agneta Alfadotter" and entry.calendar_url == ""
    assert DirectoryEntry.objects.filter(organisation=world.org_a).count() == 1
    assert PhoneMessage.objects.filter(organisation=world.org_a).count() == 1
    assert PhoneMessage.objects.get(pk=world.extra["sb_message_a"].pk).done_at is None
    assert AwayStatus.objects.get(entry=entry).note == "Alfamötet"
    call = Call.objects.get(pk=world.extra["sb_call_a"].pk)
    assert call.state == "answered" and call.transfer_number == ""


def _denied_untouched(response: Any, world: World) -> None:
    denied(response, world)
    _untouched(response, world)


def _e(world: World) -> int:
    return int(world.extra["sb_entry_a"].pk)


@case("switchboard:index")
def _index(world: World) -> list[Probe]:
    return [
        Probe("get", "/switchboard/", ALFA),
        Probe("get", "/switchboard/?q=alfaord", ALFA),
        Probe("get", "/switchboard/?q=agneta", ALFA),
    ]


@case("switchboard:search")
def _search(world: World) -> list[Probe]:
    return [
        Probe("get", "/switchboard/search/?q=alfaord", ALFA),
        Probe("get", "/switchboard/search/?q=1111", ALFA),
    ]


@case("switchboard:calls")
def _calls(world: World) -> list[Probe]:
    return [Probe("get", "/switchboard/calls/", ALFA)]


@case("switchboard:entry")
def _entry(world: World) -> list[Probe]:
    return [Probe("get", f"/switchboard/entry/{_e(world)}/", _denied_untouched)]


@case("switchboard:message")
def _message(world: World) -> list[Probe]:
    return [
        Probe(
            "post",
            f"/switchboard/entry/{_e(world)}/message/",
            _denied_untouched,
            data={"text": "Betameddelande", "via": "email"},
        )
    ]


@case("switchboard:transfer")
def _transfer(world: World) -> list[Probe]:
    call = world.extra["sb_call_a"].pk
    return [
        Probe(
            "post",
            f"/switchboard/calls/{call}/transfer/",
            _denied_untouched,
            data={"mode": "blind", "entry": _e(world)},
        ),
        Probe(
            "post",
            f"/switchboard/calls/{call}/transfer/",
            _denied_untouched,
            data={"mode": "cancel"},
        ),
    ]


@case("switchboard:away")
def _away(world: World) -> list[Probe]:
    return [
        Probe("get", "/switchboard/away/", ALFA),
        Probe("post", "/switchboard/away/", _untouched, data={"action": "clear"}),
        Probe(
            "post",
            "/switchboard/away/",
            _untouched,
            data={"action": "calendar", "calendar_url": "https://b.example/x.ics"},
        ),
    ]


@case("switchboard:message_done")
def _message_done(world: World) -> list[Probe]:
    return [
        Probe(
            "post",
            f"/switchboard/messages/{world.extra['sb_message_a'].pk}/done/",
            _denied_untouched,
        )
    ]


def _imported_into_b_only(response: Any, world: World) -> None:
    from distans.switchboard.models import DirectoryEntry

    _untouched(response, world)
    copy = DirectoryEntry.objects.get(organisation=world.org_b, name="Agneta Alfadotter")
    assert copy.person_id is None  # A's login is never linked to B's entry


@case("switchboard:directory")
def _directory(world: World) -> list[Probe]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "b.csv",
        b"namn;e-post\nAgneta Alfadotter;" + world.person_a.email.encode() + b"\n",
        "text/csv",
    )
    return [
        Probe("get", "/switchboard/directory/?q=alfaord", ALFA),
        Probe(
            "post",
            "/switchboard/directory/",
            _imported_into_b_only,
            data={"action": "csv", "file": upload},
        ),
    ]
