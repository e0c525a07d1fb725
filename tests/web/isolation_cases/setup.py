"""Settings pages of distans.setup: B's admin never sees or changes A's queues."""

from __future__ import annotations

from typing import Any

from tests.web.isolation import Probe, World, case, denied, must_not_show, world_builder

from distans.routing.models import Queue


def _queue_a_unchanged(response: Any, world: World) -> None:
    denied(response, world)
    queue = Queue.objects.get(pk=world.extra["queue_a"].pk)
    assert queue.name == world.extra["queue_a"].name and queue.offer_timeout_seconds != 99


def _no_queue_in_a(response: Any, world: World) -> None:
    assert not Queue.objects.for_org(world.org_a).filter(code="kapad").exists()


@case("setup:queues")
def _queues(world: World) -> list[Probe]:
    return [Probe("get", "/settings/queues/", must_not_show(lambda w: w.extra["queue_a"].name))]


@case("setup:queue_edit")
def _queue_edit(world: World) -> list[Probe]:
    pk = world.extra["queue_a"].pk
    return [
        Probe("get", f"/settings/queues/{pk}/", denied),
        Probe("post", f"/settings/queues/{pk}/", _queue_a_unchanged, {"name": "Kapad", "code": "kapad", "offer_timeout_seconds": 99}),
    ]


@case("setup:queue_new")
def _queue_new(world: World) -> list[Probe]:
    # B's new queue lands in B's organisation, whatever is posted.
    return [Probe("post", "/settings/queues/new/", _no_queue_in_a, {"name": "Kapad", "code": "kapad", "organisation": world.org_a.pk})]


def _open_form_closed(response: Any, world: World) -> None:
    # B is logged in (and people exist): no second organisation can be created here.
    assert response.status_code == 302
    assert not Queue.objects.filter(name="Kapad").exists()
    from distans.accounts.models import Organisation

    assert not Organisation.objects.filter(name="Kapad").exists()


@case("setup:first_run")
def _first_run(world: World) -> list[Probe]:
    return [
        Probe("post", "/settings/first-run/", _open_form_closed, {"organisation": "Kapad", "full_name": "X", "email": "x@example.org", "password": "ett-langt-losenord-77", "password_again": "ett-langt-losenord-77"}),
    ]


def _a_unchanged(response: Any, world: World) -> None:
    world.org_a.refresh_from_db()
    assert world.org_a.name == "Alfa kommun"
    assert not Queue.objects.for_org(world.org_a).filter(code="kapad").exists()


@case("setup:first_run_step")
def _first_run_step(world: World) -> list[Probe]:
    names = must_not_show(lambda w: w.extra["queue_a"].name, lambda w: w.extra["team_a"].name, lambda w: w.org_a.name)
    return [
        Probe("get", "/settings/first-run/queue/", names),
        Probe("get", "/settings/first-run/team/", names),
        Probe("get", "/settings/first-run/channel/", names),
        Probe("post", "/settings/first-run/organisation/", _a_unchanged, {"name": "Kapad", "time_zone": "Europe/Oslo", "country": "NO"}),
        Probe("post", "/settings/first-run/queue/", _a_unchanged, {"name": "Kapad", "code": "kapad", "weekdays": "08:00-16:00"}),
    ]


def _a_widget_hidden(response: Any, world: World) -> None:
    from distans.channels_chat.models import ChatWidget

    body = response.content.decode()
    for widget in ChatWidget.objects.for_org(world.org_a):
        assert widget.key not in body


@case("setup:test_chat")
def _test_chat(world: World) -> list[Probe]:
    return [Probe("post", "/settings/first-run/test-chat/", _a_widget_hidden)]


@case("setup:test_page")
def _test_page(world: World) -> list[Probe]:
    return [Probe("get", "/settings/first-run/test-page/", _a_widget_hidden)]


# -- channels ------------------------------------------------------------------------


@world_builder
def _setup_channels_world(world: World) -> None:
    from distans.channels_chat.models import ChatWidget
    from distans.channels_email.models import Mailbox

    queue_a = world.extra["queue_a"]
    world.extra["setup_widget_a"] = ChatWidget.objects.create(organisation=world.org_a, queue=queue_a, name="Alfachatten", allowed_origins=["https://alfa.example"])
    world.extra["setup_mailbox_a"] = Mailbox.objects.create(organisation=world.org_a, queue=queue_a, address="alfa-post@example.se", imap_host="127.0.0.1", imap_port=9, imap_username="alfa", imap_password="alfa-hemligt", use_ssl=False, smtp_host="")


def _a_channels_hidden(response: Any, world: World) -> None:
    body = response.content.decode()
    for text in ("Alfachatten", "alfa-post@example.se", "alfa-hemligt", world.extra["setup_widget_a"].key, "+4611111"):
        assert text not in body, f"{text!r} leaked across organisations"


def _widget_a_unchanged(response: Any, world: World) -> None:
    denied(response, world)
    widget = world.extra["setup_widget_a"]
    widget.refresh_from_db()
    assert widget.name == "Alfachatten"


def _mailbox_a_unchanged(response: Any, world: World) -> None:
    denied(response, world)
    mailbox = world.extra["setup_mailbox_a"]
    mailbox.refresh_from_db()
    assert mailbox.imap_host == "127.0.0.1"


def _nothing_created_in_a(response: Any, world: World) -> None:
    from distans.channels_chat.models import ChatWidget
    from distans.channels_email.models import Mailbox
    from distans.telephony.models import Line

    assert not ChatWidget.objects.for_org(world.org_a).filter(name="Kapad").exists()
    assert not Mailbox.objects.for_org(world.org_a).filter(address="kapad@example.se").exists()
    assert not Line.objects.for_org(world.org_a).filter(name="Kapad").exists()
    # B's form offers only B's queues: A's queue is refused, so nothing is created anywhere.
    assert not ChatWidget.objects.filter(name="Kapad").exists()


@case("setup:channels")
def _channels(world: World) -> list[Probe]:
    return [Probe("get", "/settings/channels/", _a_channels_hidden)]


@case("setup:widget_new")
def _widget_new(world: World) -> list[Probe]:
    return [Probe("post", "/settings/channels/widgets/new/", _nothing_created_in_a, {"name": "Kapad", "queue": world.extra["queue_a"].pk, "active": "on"})]


@case("setup:widget_edit")
def _widget_edit(world: World) -> list[Probe]:
    pk = world.extra["setup_widget_a"].pk
    return [
        Probe("get", f"/settings/channels/widgets/{pk}/", lambda r, w: (denied(r, w), _a_channels_hidden(r, w))[0]),
        Probe("post", f"/settings/channels/widgets/{pk}/", _widget_a_unchanged, {"name": "Kapad", "queue": world.extra["queue_a"].pk}),
    ]


@case("setup:mailbox_new")
def _mailbox_new(world: World) -> list[Probe]:
    return [Probe("post", "/settings/channels/mailboxes/new/", _nothing_created_in_a, {"address": "kapad@example.se", "queue": world.extra["queue_a"].pk, "imap_host": "x", "imap_port": 993, "imap_username": "x", "imap_password": "x", "folder": "INBOX", "smtp_port": 587})]


@case("setup:mailbox_edit")
def _mailbox_edit(world: World) -> list[Probe]:
    pk = world.extra["setup_mailbox_a"].pk
    return [
        Probe("get", f"/settings/channels/mailboxes/{pk}/", lambda r, w: (denied(r, w), _a_channels_hidden(r, w))[0]),
        Probe("post", f"/settings/channels/mailboxes/{pk}/", _mailbox_a_unchanged, {"address": "alfa-post@example.se", "imap_host": "evil.example", "imap_port": 993, "imap_username": "x", "folder": "INBOX", "smtp_port": 587}),
    ]


@case("setup:mailbox_test")
def _mailbox_test(world: World) -> list[Probe]:
    pk = world.extra["setup_mailbox_a"].pk
    return [Probe("post", f"/settings/channels/mailboxes/{pk}/test/", lambda r, w: (denied(r, w), _a_channels_hidden(r, w))[0])]


@case("setup:line_new")
def _line_new(world: World) -> list[Probe]:
    return [Probe("post", "/settings/channels/lines/new/", _nothing_created_in_a, {"number": "+4699999", "name": "Kapad", "queue": world.extra["queue_a"].pk})]


@case("setup:line_edit")
def _line_edit(world: World) -> list[Probe]:
    from distans.telephony.models import Line

    line = Line.objects.for_org(world.org_a).first()
    assert line is not None  # the telephony world's A line

    def unchanged(response: Any, w: World) -> None:
        denied(response, w)
        line.refresh_from_db()
        assert line.name == "A-linjen"

    return [
        Probe("get", f"/settings/channels/lines/{line.pk}/", lambda r, w: (denied(r, w), _a_channels_hidden(r, w))[0]),
        Probe("post", f"/settings/channels/lines/{line.pk}/", unchanged, {"number": "+4611111", "name": "Kapad", "queue": world.extra["queue_a"].pk}),
    ]
