"""Queue settings pages (/settings/queues/): saved, validated, audited, and live —
routing re-evaluates waiting contacts at once and every process drops its cached
queues."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from tests.factories import make_agent, make_organisation, make_person, make_queue

from distans.accounts.models import AuditEntry
from distans.channels_chat.queries import queue_availability
from distans.routing import actions as routing_actions
from distans.routing import rounds
from distans.routing.models import Queue
from distans.setup.forms import queue_initial

pytestmark = pytest.mark.django_db


def form_data(queue: Queue | None = None, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in queue_initial(queue).items():
        if value is None or value is False:
            continue
        data[key] = value
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def admin(db):  # type: ignore[no-untyped-def]
    org = make_organisation(name="Alfa kommun")
    person = make_person(org, is_org_admin=True, language="sv")
    client = Client()
    client.force_login(person)
    return org, person, client


def test_an_agent_may_not_change_queues(admin) -> None:  # type: ignore[no-untyped-def]
    org, _, _ = admin
    agent = make_person(org)
    client = Client()
    client.force_login(agent)
    assert client.get("/settings/queues/").status_code == 403
    assert client.post("/settings/queues/new/", form_data(name="X", code="x")).status_code == 403
    assert not Queue.objects.for_org(org).exists()


def test_a_new_queue_is_saved_with_its_hours_and_audited(admin, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    org, person, client = admin
    other = make_queue(org, name="Växeln", code="vaxel")
    data = form_data(
        name="Bygglov",
        code="bygglov",
        channels=["chat", "phone"],
        hours_0="08:00-12:00, 13:00–16:30",
        hours_5="",
        holiday_country="SE",
        special_days="2026-12-23 08:00-12:00\n2026-12-28",
        required_skills="bygglov 3",
        overflow_0_to="vaxel",
        overflow_0_after="300",
        widening_0_after="60",
        widening_0_level="2",
        text_sv_closed="Vi har stängt.",
        text_en_closed="We are closed.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/settings/queues/new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    queue = Queue.objects.for_org(org).get(code="bygglov")
    assert queue.weekly_hours["0"] == [["08:00", "12:00"], ["13:00", "16:30"]]
    assert "5" not in queue.weekly_hours
    assert queue.special_days == {"2026-12-23": [["08:00", "12:00"]], "2026-12-28": []}
    assert queue.required_skills == {"bygglov": 3}
    assert queue.channels == ["chat", "phone"]
    assert queue.overflow == [{"to": "vaxel", "after_seconds": 300, "when_no_agents": False, "when_longer_than": None}]
    assert queue.widening == [{"after_seconds": 60, "min_level": 2}]
    assert queue.waiting_texts == {"sv": {"closed": "Vi har stängt."}, "en": {"closed": "We are closed."}}
    entry = AuditEntry.objects.for_org(org).get(action="queue_created")
    assert entry.actor == person and entry.object_id == str(queue.pk)
    assert entry.changes["before"] == {} and entry.changes["after"]["code"] == "bygglov"

    # Editing: the page shows the saved values; a renamed code follows into overflow rules.
    page = client.get(f"/settings/queues/{queue.pk}/").content.decode()
    assert "08:00–12:00, 13:00–16:30" in page and "Vi har stängt." in page
    other.overflow = [{"to": "bygglov", "after_seconds": 60}]
    other.save()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/settings/queues/{queue.pk}/", form_data(queue, code="bygg"))
    other.refresh_from_db()
    assert other.overflow[0]["to"] == "bygg"
    changed = AuditEntry.objects.for_org(org).get(action="queue_changed", object_id=str(queue.pk))
    assert (changed.changes["before"]["code"], changed.changes["after"]["code"]) == ("bygglov", "bygg")


def test_bad_hours_are_refused_with_a_message_and_nothing_is_stored(admin) -> None:  # type: ignore[no-untyped-def]
    org, _, client = admin
    response = client.post("/settings/queues/new/", form_data(name="Skola", code="skola", hours_1="17:00-08:00"))
    assert response.status_code == 200
    assert "start" in response.content.decode() or "början" in response.content.decode()
    response = client.post("/settings/queues/new/", form_data(name="Skola", code="skola", special_days="23/12 08-12"))
    assert response.status_code == 200
    assert not Queue.objects.for_org(org).exists()
    assert not AuditEntry.objects.for_org(org).exists()


def test_closing_today_takes_effect_at_once_for_waiting_chats_and_the_widget(admin, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    org, _, client = admin
    org.time_zone = "Europe/Stockholm"
    org.save()
    whole_week = {str(d): [["00:00", "24:00"]] for d in range(7)}
    queue = make_queue(org, code="chatt", always_open=False, weekly_hours=whole_week, holiday_country="", closed_fallback="closed_message")
    make_agent(org, [queue], presence="away")  # nobody available: the chat waits
    with django_capture_on_commit_callbacks(execute=True):
        contact = routing_actions.do_create_contact(queue, "chat", customer_name="Vera")
    contact.refresh_from_db()
    assert contact.status == "waiting"
    assert queue_availability(queue) != "closed"
    assert 'data-field="closed"' not in client.get("/wallboard/queues/").content.decode()

    today = timezone.localtime(timezone.now(), timezone=queue_zone(org)).date()
    tomorrow = today + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/settings/queues/{queue.pk}/",
            form_data(queue, special_days=f"{today.isoformat()}\n{tomorrow.isoformat()}"),
        )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.status == "fallback"  # re-evaluated by the round the change asked for
    queue.refresh_from_db()
    assert queue_availability(queue) == "closed"
    board = client.get("/wallboard/queues/").content.decode()
    assert 'data-field="closed"' in board  # the wallboard shows the change
    assert "Stängt nu" in client.get(f"/settings/queues/{queue.pk}/").content.decode() or "Closed now" in client.get(f"/settings/queues/{queue.pk}/").content.decode()


def queue_zone(org):  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo(org.time_zone)


def test_another_process_drops_its_cached_queues_when_one_changes(admin, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    org, _, _ = admin
    queue = make_queue(org, code="q", offer_timeout_seconds=20)
    monkeypatch.setattr(rounds, "QUEUE_TOKEN_CHECK_SECONDS", 0.0)
    assert rounds.queues_of(org.pk)[str(queue.pk)].offer_timeout_seconds == 20
    # Another process saves the queue: the row changes and the shared token moves,
    # but this process's post_save signal never ran.
    Queue.objects.filter(pk=queue.pk).update(offer_timeout_seconds=45)
    assert rounds.queues_of(org.pk)[str(queue.pk)].offer_timeout_seconds == 20  # token unchanged
    rounds.announce_queue_change(org.pk)
    assert rounds.queues_of(org.pk)[str(queue.pk)].offer_timeout_seconds == 45


def test_planning_reads_the_same_calendar_holidays_their_hours_and_ad_hoc_days(admin) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from distans.planning.demand import open_slots
    from distans.setup.actions import do_save_queue

    org, person, _ = admin
    weekdays = {str(d): [["08:00", "16:00"]] for d in range(5)}
    queue = do_save_queue(org, person, None, {"name": "Bygglov", "code": "bygglov", "weekly_hours": weekdays, "holiday_country": "SE", "holiday_hours": {"se_julafton": [["08:00", "12:00"]]}})

    def open_hours(day: date) -> list[int]:
        slots = open_slots(queue, day, 60)
        return [hour for hour in range(24) if slots[hour]]

    assert open_hours(date(2026, 12, 23)) == list(range(8, 16))  # a Wednesday
    assert open_hours(date(2026, 12, 24)) == [8, 9, 10, 11]  # julafton: its own hours
    assert open_hours(date(2026, 12, 25)) == []  # juldagen: closed
    queue = do_save_queue(org, person, queue, {"special_days": {"2026-12-23": [], "2026-12-25": [["10:00", "12:00"]]}})
    assert open_hours(date(2026, 12, 23)) == []
    assert open_hours(date(2026, 12, 25)) == [10, 11]


def test_the_queue_token_crosses_processes_through_redis(admin, monkeypatch, settings) -> None:  # type: ignore[no-untyped-def]
    """With Redis (several processes), the token one process writes is what another
    reads: two cache clients stand in for two processes."""
    from django.core.cache import caches
    from tests.conftest import port_open, require_service

    require_service("redis", port_open("127.0.0.1", 6379), "Redis not reachable")
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:6379/15", "KEY_PREFIX": f"setup-test-{id(admin)}"}}
    org, _, _ = admin
    queue = make_queue(org, code="q", offer_timeout_seconds=20)
    monkeypatch.setattr(rounds, "QUEUE_TOKEN_CHECK_SECONDS", 0.0)
    assert rounds.queues_of(org.pk)[str(queue.pk)].offer_timeout_seconds == 20
    Queue.objects.filter(pk=queue.pk).update(offer_timeout_seconds=45)
    # "Another process" announces through its own connection to the same Redis.
    from django.core.cache.backends.redis import RedisCache

    other = RedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"]})
    other.set(f"distans:queues:{org.pk}", "from-another-process", None)
    assert rounds.queues_of(org.pk)[str(queue.pk)].offer_timeout_seconds == 45
    caches["default"].delete(f"distans:queues:{org.pk}")


def test_arrivals_take_the_queues_priority_and_required_skills_unless_named(admin, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from distans.setup.actions import do_save_queue

    org, person, _ = admin
    queue = do_save_queue(org, person, None, {"name": "Akut", "code": "akut", "always_open": True, "priority": 5, "required_skills": {"socialjour": 2}})
    with django_capture_on_commit_callbacks(execute=True):
        plain = routing_actions.do_create_contact(queue, "phone")
        named = routing_actions.do_create_contact(queue, "phone", priority=1, required_skills={})
    plain.refresh_from_db()
    named.refresh_from_db()
    assert (plain.priority, plain.required_skills) == (5, {"socialjour": 2})
    assert (named.priority, named.required_skills) == (1, {})


def test_a_saved_queue_tells_the_pages_and_asks_for_a_full_round(admin, monkeypatch, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    from distans.setup import actions

    org, person, _ = admin
    sent: list[tuple[str, str]] = []
    rounds_asked: list[tuple[int, dict[str, Any]]] = []
    monkeypatch.setattr(actions, "publish", lambda group, kind, **data: sent.append((group, kind)))
    monkeypatch.setattr(actions, "request_routing", lambda org_id, **kw: rounds_asked.append((org_id, kw)))
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_save_queue(org, person, None, {"name": "Skola", "code": "skola"})
    assert rounds_asked == [(org.pk, {})]  # naming no contact or agent: a full round
    assert (f"sup.{org.pk}", "queues") in sent and (f"org.{org.pk}", "queue_settings") in sent


def test_the_queue_list_links_channels_only_for_whom_may_open_them() -> None:
    org = make_organisation()
    make_queue(org)
    supervisor = make_person(org, is_supervisor=True, language="sv")
    admin = make_person(org, is_org_admin=True, language="sv")
    for person, shown in ((supervisor, False), (admin, True)):
        client = Client()
        client.force_login(person)
        page = client.get("/settings/queues/").content.decode()
        assert ('href="/settings/channels/"' in page) is shown, person
        if shown:
            assert client.get("/settings/channels/").status_code == 200
    client = Client()
    client.force_login(supervisor)
    assert client.get("/settings/channels/").status_code == 403  # the link would be a dead end
