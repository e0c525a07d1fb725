"""Continuity plans (issue 20): a plan is a copy of today's setup, edited; putting it
in force changes everything at once or nothing; ending it gives back exactly the
setup before (export before == export after)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from tests.factories import PASSWORD, make_agent, make_organisation, make_person

from distans.accounts.models import AuditEntry, Organisation, Site
from distans.announcements.models import Announcement, Receipt
from distans.channels_chat.models import ChatWidget
from distans.contacts.models import Contact
from distans.continuity import actions, extensions, plan_data
from distans.continuity.models import Activation, Plan
from distans.planning.models import PlanningSettings, QueuePlan
from distans.routing.actions import do_create_contact, do_set_location, do_set_presence
from distans.routing.models import AgentState, Queue
from distans.setup import actions as setup
from distans.setup.config import export_config
from distans.telephony.actions import do_receive_call
from distans.telephony.models import Line
from distans.topics.models import Topic

pytestmark = pytest.mark.django_db
LONG = {str(d): [["07:00", "19:00"]] for d in range(7)}


def build() -> tuple[Organisation, Any]:
    org = make_organisation(name="Västerby", slug="vasterby-cont")
    admin = make_person(org, is_org_admin=True, is_supervisor=True)
    setup.do_create_site(org, admin, "Rådhuset", "office", "Storgatan 1", 10)
    setup.do_create_site(org, admin, "Hemma", "home")
    vaxel = setup.do_save_queue(
        org, admin, None, {"name": "Växeln", "code": "vaxel", "always_open": True}
    )
    setup.do_save_queue(
        org, admin, None,
        {"name": "Bygglov", "code": "bygglov", "weekly_hours": {"0": [["08:00", "16:00"]]}, "holiday_country": "SE",
         "waiting_texts": {"sv": {"waiting": "Du står i kö."}}},
    )  # fmt: skip
    setup.do_create_chat_widget(
        org, admin, vaxel, "Webbchatt", ["https://www.vasterby.se"], {"sv": "Hej!"}
    )
    setup.do_create_phone_line(org, admin, vaxel, "+4686000000", "Växeln")
    PlanningSettings.objects.create(organisation=org)
    QueuePlan.objects.create(
        organisation=org, queue=vaxel, service_level=0.8, answer_within_seconds=20
    )
    Topic.objects.create(organisation=org, code="corona", name="Corona")
    for _ in range(3):
        make_agent(org, [vaxel])
    return org, admin


def plan_b(org: Organisation, admin: Any) -> Plan:
    plan = actions.do_create_plan(org, admin, "B — alla hemma")
    doc = plan_data.normalise(plan.changes)
    queues = {q["code"]: q for q in doc["queues"]}
    queues["bygglov"]["weekly_hours"] = LONG
    queues["bygglov"]["waiting_texts"] = {"sv": {"waiting": "Vi arbetar hemifrån."}}
    queues["vaxel"]["overflow"] = [
        {"to": "corona", "after_seconds": 60, "when_no_agents": False, "when_longer_than": None}
    ]
    queues["corona"] = {
        **queues["vaxel"],
        "code": "corona",
        "name": "Corona",
        "overflow": [],
        "is_switchboard": False,
    }
    doc["queues"] = list(queues.values())
    doc["chat_widgets"].append(
        {
            "key": "corona-widget",
            "name": "Coronachatt",
            "queue": "corona",
            "allowed_origins": [],
            "greetings": {},
            "topics": [],
            "active": True,
        }
    )
    doc["phone_lines"].append({"number": "+4686000099", "name": "Coronalinjen", "queue": "corona"})
    doc["topics"] = [{"code": "corona-vaccin", "name": "Vaccin", "parent": "corona"}]
    doc["agent_queues"] = [{"queue": "corona", "like": "vaxel"}]
    doc["return_to"] = {"corona": "vaxel"}
    doc["sites"] = [{"name": "Rådhuset", "seat_capacity": 2}]
    doc["planning"] = {"teams_apart_at_office": True, "min_office_days_per_team": 0}
    doc["staffing"] = [
        {
            "queue": "corona",
            "service_level": 0.7,
            "answer_within_seconds": 120,
            "uplift_factor": 1.0,
        }
    ]
    doc["home_only"] = True
    doc["announcement"] = {
        "title_sv": "Plan B gäller",
        "body_sv": "Alla arbetar hemifrån.",
        "blocks_available": False,
    }
    return actions.do_save_plan(org, admin, plan, {"changes": doc})


def everything(org: Organisation) -> dict[str, Any]:
    """What a plan may touch beyond the export: topics, schedule rules, staffing,
    queue memberships."""
    return {
        "export": export_config(org),
        "topics": sorted(Topic.objects.for_org(org).values_list("code", "name", "active")),
        "planning": list(
            PlanningSettings.objects.for_org(org).values(
                "teams_apart_at_office", "min_office_days_per_team"
            )
        ),
        "staffing": sorted(
            QueuePlan.objects.for_org(org).values_list(
                "queue__code", "service_level", "answer_within_seconds"
            )
        ),
        "members": sorted(
            AgentState.queues.through.objects.filter(queue__organisation=org).values_list(
                "agentstate_id", "queue__code"
            )
        ),
    }


def test_a_new_plan_is_a_copy_of_today_so_it_changes_nothing() -> None:
    org, admin = build()
    plan = actions.do_create_plan(org, admin, "C")
    items, error = actions.preview(org, plan)
    assert items == [] and error is None
    assert [q["code"] for q in plan.changes["queues"]] == ["bygglov", "vaxel"]
    assert plan.changes["sites"][0] == {"name": "Hemma", "seat_capacity": None}


def test_the_preview_says_every_change_in_words() -> None:
    org, admin = build()
    plan = plan_b(org, admin)
    with translation.override("sv"):
        items, error = actions.preview(org, plan)
        text = " | ".join(
            f"{i.section} {i.name} {i.kind_label} "
            + "; ".join(f"{a}: {b} → {c}" for a, b, c in i.fields)
            for i in items
        )
    assert error is None
    assert "Bygglov ändras" in text
    assert "Måndag 08:00–16:00 → Måndag 07:00–19:00; Tisdag 07:00–19:00" in text
    assert "Svenska, under väntan: Vi arbetar hemifrån." in text
    assert "Corona ny" in text
    assert "+4686000099 (Coronalinjen) ny" in text
    assert "Vaccin ny" in text
    assert "kontorsplatser: 10 → 2" in text
    assert "handläggare: 0 → 3" in text
    assert "bara handläggare som arbetar hemifrån blir tillgängliga ändras gäller: nej → ja" in text
    # raw keys and English are not what a person reads
    for raw in ("weekly_hours", "seat_capacity", "waiting_texts", "changed", "True", "sv/"):
        assert raw not in text, raw
    # the preview changed nothing
    assert not Queue.objects.filter(code="corona").exists() and not Activation.objects.exists()


def test_activation_changes_routing_widget_phone_schedule_and_announces(
    django_capture_on_commit_callbacks: Any,
) -> None:
    org, admin = build()
    plan = plan_b(org, admin)
    members = [make_person(org) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=True):  # the announcement goes after the commit
        activation = actions.do_activate_plan(org, admin, plan)
    corona = Queue.objects.get(organisation=org, code="corona")
    assert Queue.objects.get(organisation=org, code="bygglov").weekly_hours == LONG
    assert Queue.objects.get(organisation=org, code="vaxel").overflow[0]["to"] == "corona"
    assert ChatWidget.objects.get(key="corona-widget").queue == corona
    call = do_receive_call(org.pk, "+4686000099", "+46701234567", "c-1")
    assert call.contact.queue == corona
    assert corona.agents.count() == 3
    assert Topic.objects.get(organisation=org, code="corona-vaccin").parent.code == "corona"
    assert Site.objects.get(organisation=org, name="Rådhuset").seat_capacity == 2
    assert PlanningSettings.objects.get(organisation=org).teams_apart_at_office is True
    assert QueuePlan.objects.get(queue=corona).answer_within_seconds == 120
    announcement = Announcement.objects.get(organisation=org)
    assert activation.announcement == announcement and announcement.sent_at is not None
    assert announcement.priority == "acknowledge"
    assert Receipt.objects.filter(announcement=announcement, person__in=members).count() == 2
    entry = AuditEntry.objects.get(organisation=org, action="continuity_plan_activated")
    assert entry.actor == admin
    assert any("Corona: " in line for line in entry.changes["after"]["changes"])
    assert AuditEntry.objects.filter(organisation=org, action="queue_changed").exists()


def test_ending_gives_back_exactly_the_setup_before() -> None:
    org, admin = build()
    plan = plan_b(org, admin)
    before = everything(org)
    actions.do_activate_plan(org, admin, plan)
    assert everything(org) != before
    actions.do_deactivate_plan(org, admin)
    assert everything(org) == before
    assert not Queue.objects.filter(organisation=org, code="corona").exists()
    assert not Line.objects.filter(number="+4686000099").exists()
    activation = Activation.objects.get(organisation=org)
    assert not activation.active and activation.deactivated_by == admin
    assert AuditEntry.objects.filter(
        organisation=org, action="continuity_plan_deactivated"
    ).exists()
    # and again: a plan can be put in force a second time
    actions.do_activate_plan(org, admin, plan)
    actions.do_deactivate_plan(org, admin)
    assert everything(org) == before


def test_a_failure_in_the_middle_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    org, admin = build()
    plan = plan_b(org, admin)
    before = everything(org)
    audit_count = AuditEntry.objects.count()

    def broken(*args: Any, **kwargs: Any) -> None:
        # queues, widgets and lines are written by now
        assert Queue.objects.filter(organisation=org, code="corona").exists()
        raise ValidationError("injected failure")

    monkeypatch.setattr(actions, "_apply_planning", broken)
    with pytest.raises(ValidationError):
        actions.do_activate_plan(org, admin, plan)
    assert everything(org) == before
    assert not Activation.objects.exists() and not Announcement.objects.exists()
    assert AuditEntry.objects.count() == audit_count


def test_a_failure_while_ending_keeps_the_plan_in_force(monkeypatch: pytest.MonkeyPatch) -> None:
    org, admin = build()
    plan = plan_b(org, admin)
    actions.do_activate_plan(org, admin, plan)
    during = everything(org)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ValidationError("injected failure")

    monkeypatch.setattr(actions, "_apply_topics", broken)
    with pytest.raises(ValidationError):
        actions.do_deactivate_plan(org, admin)
    assert everything(org) == during and Activation.objects.get().active


def test_an_invalid_plan_is_refused_in_the_preview_and_changes_nothing() -> None:
    org, admin = build()
    plan = plan_b(org, admin)
    doc = plan.changes
    doc["sites"] = [{"name": "Rådhuset", "seat_capacity": -3}]
    plan = actions.do_save_plan(org, admin, plan, {"changes": doc})
    before = everything(org)
    _items, error = actions.preview(org, plan)
    assert error and "Rådhuset" in error
    with pytest.raises(ValidationError):
        actions.do_activate_plan(org, admin, plan)
    assert everything(org) == before


def test_only_one_plan_in_force() -> None:
    org, admin = build()
    actions.do_activate_plan(org, admin, plan_b(org, admin))
    other = actions.do_create_plan(org, admin, "C")
    with pytest.raises(ValidationError):
        actions.do_activate_plan(org, admin, other)
    _items, error = actions.preview(org, other)
    assert error


def test_contacts_waiting_in_a_temporary_queue_move_when_it_ends() -> None:
    org, admin = build()
    actions.do_activate_plan(org, admin, plan_b(org, admin))
    corona = Queue.objects.get(organisation=org, code="corona")
    waiting = do_create_contact(corona, "chat")
    actions.do_deactivate_plan(org, admin)
    waiting.refresh_from_db()
    assert waiting.queue.code == "vaxel" and waiting.status == "waiting"
    assert not Queue.objects.filter(pk=corona.pk).exists()  # archived: not the setup


def _with_history(org: Organisation, admin: Any) -> tuple[Plan, Queue, Contact, Any]:
    """Plan B in force, its corona queue with a completed contact, a chat on its
    widget and a call on its line: history that must outlive the plan."""
    from distans.channels_chat.models import ChatSession

    plan = plan_b(org, admin)
    actions.do_activate_plan(org, admin, plan)
    corona = Queue.objects.get(organisation=org, code="corona")
    done = do_create_contact(corona, "chat")
    Contact.objects.filter(pk=done.pk).update(status="completed")
    widget = ChatWidget.objects.get(key="corona-widget")
    ChatSession.objects.create(organisation=org, widget=widget, contact=done)
    call = do_receive_call(org.pk, "+4686000099", "+46701234567", call_id="c-archived")
    return plan, corona, done, call


def test_a_temporary_queue_with_history_is_archived_and_the_export_is_back() -> None:
    from distans.telephony.models import Call

    org, admin = build()
    before = everything(org)
    _plan, corona, done, _call = _with_history(org, admin)
    actions.do_deactivate_plan(org, admin)
    assert everything(org) == before  # exactly: the archived items are not the setup
    archived = Queue.all_objects.get(pk=corona.pk)
    assert archived.archived_at is not None
    assert not Queue.objects.filter(pk=corona.pk).exists()
    assert Contact.objects.get(pk=done.pk).queue == archived  # the history stays
    assert ChatWidget.all_objects.get(key="corona-widget").archived_at is not None
    assert Line.all_objects.get(number="+4686000099").archived_at is not None
    assert Call.objects.get(call_id="c-archived").line is not None  # the call keeps its line
    actions_done = set(AuditEntry.objects.filter(organisation=org).values_list("action", flat=True))
    assert {"queue_archived", "chat_widget_archived", "phone_line_archived"} <= actions_done


def test_an_archived_queue_is_not_offered_in_settings_routing_or_the_entry_points(
    client: Any,
) -> None:
    from distans.channels_chat.queries import get_active_widget
    from distans.routing.errors import NotFound
    from distans.routing.queries import get_queue_by_code

    org, admin = build()
    _with_history(org, admin)
    actions.do_deactivate_plan(org, admin)
    corona = Queue.all_objects.get(organisation=org, code="corona")
    vaxel = Queue.objects.get(organisation=org, code="vaxel")
    client.login(username=admin.email, password=PASSWORD)
    queues = client.get("/settings/queues/").content.decode()
    assert f"/settings/queues/{corona.pk}/" not in queues and "Bygglov" in queues
    assert client.get(f"/settings/queues/{corona.pk}/").status_code == 404
    overflow_choices = client.get(f"/settings/queues/{vaxel.pk}/").content.decode()
    assert 'value="corona"' not in overflow_choices and 'value="bygglov"' in overflow_choices
    channels = client.get("/settings/channels/").content.decode()
    assert "Coronachatt" not in channels and "+4686000099" not in channels
    assert "Webbchatt" in channels
    assert get_queue_by_code(org, "corona") is None  # the API's arrival by code
    assert get_active_widget("corona-widget") is None  # the public widget
    with pytest.raises(NotFound):  # the line no longer routes anywhere
        do_receive_call(org.pk, "+4686000099", "+46700000000", call_id="c-late")
    assert "corona" not in [q["code"] for q in plan_data.copy_of_today(org)["queues"]]
    member = AgentState.objects.for_org(org).first()
    assert member is not None and "corona" not in [q.code for q in member.queues.all()]
    # a new queue in the settings may not take the archived one's code
    with pytest.raises(ValidationError):
        setup.do_save_queue(org, admin, None, {"name": "Ny", "code": "corona"})


def test_reports_still_show_the_archived_queues_contacts(
    django_capture_on_commit_callbacks: Any, client: Any
) -> None:
    from distans.core.reports.periods import Granularity
    from distans.reports import actions as reports
    from distans.reports.queries import dimension_labels, report_rows
    from distans.routing.actions import do_accept_offer, do_complete_contact, do_end_wrap_up
    from distans.routing.models import Offer

    org, admin = build()
    plan = plan_b(org, admin)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_activate_plan(org, admin, plan)
    agent = AgentState.objects.for_org(org).first()
    assert agent is not None
    home = Site.objects.get(organisation=org, name="Hemma")
    with django_capture_on_commit_callbacks(execute=True):
        do_set_location(agent.person, home)
    with django_capture_on_commit_callbacks(execute=True):
        do_set_presence(agent.person, "available")
    corona = Queue.objects.get(organisation=org, code="corona")
    with django_capture_on_commit_callbacks(execute=True):
        contact = do_create_contact(corona, "phone")
    offer = Offer.objects.get(contact=contact, status="open")
    with django_capture_on_commit_callbacks(execute=True):
        do_accept_offer(agent.person, offer.pk)
    with django_capture_on_commit_callbacks(execute=True):
        do_complete_contact(agent.person, contact.pk, topic="Vaccin")
    with django_capture_on_commit_callbacks(execute=True):
        do_end_wrap_up(agent.person)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_deactivate_plan(org, admin)
    reports.do_update_aggregates(org)
    today = timezone.localdate()
    rows = report_rows(
        org, today - dt.timedelta(days=1), today + dt.timedelta(days=1), Granularity.DAY,
        group_by=["queue"],
    )  # fmt: skip
    by_queue = {r.group.get("queue"): r.metrics.offered for r in rows}
    assert by_queue.get("corona") == 1, by_queue
    assert dimension_labels(org)["queue"]["corona"] == "Corona"  # named, though archived
    client.login(username=admin.email, password=PASSWORD)
    span = f"?start={today - dt.timedelta(days=1)}&end={today + dt.timedelta(days=1)}&by=day"
    page = client.get(f"/reports/{span}&group=queue").content.decode()
    assert "Corona" in page
    csv_text = client.get(f"/reports/export.csv{span}&group=queue").content.decode()
    assert "Corona" in csv_text or "corona" in csv_text


def test_a_later_activation_takes_the_archived_queue_back() -> None:
    org, admin = build()
    before = everything(org)
    plan, corona, done, _call = _with_history(org, admin)
    actions.do_deactivate_plan(org, admin)
    actions.do_activate_plan(org, admin, plan)  # no clash with the archived code
    again = Queue.objects.get(organisation=org, code="corona")
    assert again.pk == corona.pk and again.archived_at is None
    assert Queue.all_objects.filter(organisation=org, code="corona").count() == 1
    wanted = next(q for q in plan_data.normalise(plan.changes)["queues"] if q["code"] == "corona")
    assert again.always_open == wanted["always_open"] and again.name == "Corona"
    assert ChatWidget.objects.get(key="corona-widget").queue_id == corona.pk
    assert Line.objects.get(number="+4686000099").queue_id == corona.pk
    assert Contact.objects.get(pk=done.pk).queue_id == corona.pk
    actions_done = set(AuditEntry.objects.filter(organisation=org).values_list("action", flat=True))
    assert {"queue_unarchived", "chat_widget_unarchived", "phone_line_unarchived"} <= actions_done
    actions.do_deactivate_plan(org, admin)
    assert everything(org) == before


def test_everyone_home_holds_back_agents_at_the_office() -> None:
    org, admin = build()
    office = Site.objects.get(organisation=org, name="Rådhuset")
    home = Site.objects.get(organisation=org, name="Hemma")
    agent = make_agent(org, list(Queue.objects.for_org(org)))
    do_set_location(agent, office)
    actions.do_activate_plan(org, admin, plan_b(org, admin))
    from distans.core.errors import InvalidInput

    with pytest.raises(InvalidInput):
        do_set_presence(agent, "available")
    do_set_location(agent, home)
    do_set_presence(agent, "available")
    do_set_presence(agent, "offline")
    do_set_location(agent, office)
    actions.do_deactivate_plan(org, admin)
    do_set_presence(agent, "available")


def test_scheduled_plans_switch_on_and_off() -> None:
    org, admin = build()
    plan = plan_b(org, admin)
    now = timezone.now()
    actions.do_save_plan(
        org,
        admin,
        plan,
        {
            "activate_at": now - dt.timedelta(minutes=1),
            "deactivate_at": now + dt.timedelta(hours=1),
        },
    )
    assert actions.do_switch_due_plans(now) == 1
    assert (
        Activation.objects.get(organisation=org).active
        and Activation.objects.get().activated_by is None
    )
    assert actions.do_switch_due_plans(now) == 0  # not twice
    assert actions.do_switch_due_plans(now + dt.timedelta(hours=2)) == 1
    assert not Activation.objects.get().active
    plan.refresh_from_db()
    assert plan.activate_at is None and plan.deactivate_at is None


def test_every_process_is_told(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    org, admin = build()
    plan = plan_b(org, admin)
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(actions, "publish", lambda group, kind, **data: sent.append((group, kind)))
    from django.core.cache import cache

    from distans.routing.rounds import _queue_token_key

    token = cache.get(_queue_token_key(org.pk))
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_activate_plan(org, admin, plan)
    assert cache.get(_queue_token_key(org.pk)) != token  # other processes reload queues
    assert (f"org.{org.pk}", "continuity") in sent and ("sup." + str(org.pk), "queues") in sent


def test_an_extension_joins_the_plan_and_is_reversed() -> None:
    org, admin = build()
    # A stand-in for the walk-in desk's booking-only mode: its state lives in the
    # database (the site's address here), as an extension's must (the preview is
    # a rolled-back transaction).
    Site.objects.filter(organisation=org, name="Rådhuset").update(address="open")

    def mode() -> str:
        return Site.objects.get(organisation=org, name="Rådhuset").address

    def apply(organisation: Any, actor: Any, state: Any) -> None:
        if state == "broken":
            raise ValidationError("refused")
        Site.objects.filter(organisation=organisation, name="Rådhuset").update(address=state)

    extensions.register(
        extensions.Extension(
            name="stand_in",
            capture=lambda organisation, data: mode(),
            apply=apply,
            difference=lambda before, after: [
                plan_data.Item(
                    "Besök", "receptionen", "changed", [("läge", str(before), str(after))]
                )
            ],
        )
    )
    try:
        plan = plan_b(org, admin)
        plan = actions.do_save_plan(
            org,
            admin,
            plan,
            {"changes": {**plan.changes, "extensions": {"stand_in": "booking_only"}}},
        )
        items, _ = actions.preview(org, plan)
        assert any(i.section == "Besök" for i in items)
        actions.do_activate_plan(org, admin, plan)
        assert mode() == "booking_only"
        actions.do_deactivate_plan(org, admin)
        assert mode() == "open"
        broken = actions.do_save_plan(
            org, admin, plan, {"changes": {**plan.changes, "extensions": {"stand_in": "broken"}}}
        )
        before = everything(org)
        with pytest.raises(ValidationError):
            actions.do_activate_plan(org, admin, broken)
        assert everything(org) == before
    finally:
        extensions.unregister("stand_in")
    with pytest.raises(ValidationError):  # a plan naming a part not installed is refused
        actions.do_activate_plan(org, admin, plan)


# -- pages ---------------------------------------------------------------------------------


def login(client: Any, person: Any) -> None:
    assert client.login(email=person.email, password=PASSWORD)


def test_the_supervisor_prepares_and_switches_a_plan_in_the_browser(client: Any) -> None:
    org, admin = build()
    login(client, admin)
    response = client.post("/continuity/", {"name": "B — alla hemma", "description": "Alla hemma"})
    plan = Plan.objects.get(organisation=org)
    assert response.status_code == 302 and response["Location"] == f"/continuity/{plan.pk}/"
    page = client.get(f"/continuity/{plan.pk}/").content.decode()
    assert "Nothing changes" in page or "Inget ändras" in page
    # a queue of the plan, on the settings page's own form
    form = client.get(f"/continuity/{plan.pk}/queues/bygglov/")
    assert form.status_code == 200
    data = {
        k: v
        for k, v in form.context["form"].initial.items()
        if v is not None and not isinstance(v, (list, dict, bool))
    }
    data.update({"hours_0": "07:00–19:00", "channels": ["chat"]})
    data.update({k: "on" for k, v in form.context["form"].initial.items() if v is True})
    response = client.post(f"/continuity/{plan.pk}/queues/bygglov/", data)
    assert response.status_code == 302, response.context["form"].errors
    plan.refresh_from_db()
    assert next(q for q in plan.changes["queues"] if q["code"] == "bygglov")["weekly_hours"][
        "0"
    ] == [["07:00", "19:00"]]
    assert Queue.objects.get(organisation=org, code="bygglov").weekly_hours["0"] == [
        ["08:00", "16:00"]
    ]  # not yet
    response = client.post(
        f"/continuity/{plan.pk}/",
        {"name": "B — alla hemma", "home_only": "on", "topics": "corona-vaccin; Vaccin; corona",
         "sites": "Rådhuset; 2", "staffing": "vaxel; 90; 30; 1,2", "min_office_days_per_team": "0",
         "announcement_title_sv": "Plan B gäller", "announcement_body_sv": "Alla hemma."},
    )  # fmt: skip
    assert response.status_code == 302
    preview = client.get(f"/continuity/{plan.pk}/activate/").content.decode()
    assert "07:00–19:00" in preview and "Vaccin" in preview and "Plan B gäller" in preview
    assert client.post(f"/continuity/{plan.pk}/activate/").status_code == 302
    assert Queue.objects.get(organisation=org, code="bygglov").weekly_hours["0"] == [
        ["07:00", "19:00"]
    ]
    assert QueuePlan.objects.get(queue__code="vaxel").service_level == pytest.approx(0.9)
    # the banner on every page, for everyone
    agent = make_person(org, is_agent=True)
    client.logout()
    login(client, agent)
    assert "B — alla hemma" in client.get("/").content.decode()
    assert "B — alla hemma" in client.get("/continuity/banner/").content.decode()
    client.logout()
    login(client, admin)
    board = client.get("/continuity/wallboard/").content.decode()
    assert "B — alla hemma" in board and "07:00–19:00" in board
    ending = client.get("/continuity/end/").content.decode()
    assert "08:00–16:00" in ending
    assert client.post("/continuity/end/").status_code == 302
    assert Queue.objects.get(organisation=org, code="bygglov").weekly_hours["0"] == [
        ["08:00", "16:00"]
    ]
    assert "B — alla hemma" not in client.get("/continuity/banner/").content.decode()


def test_a_bad_line_in_the_plan_form_is_said_and_nothing_is_lost(client: Any) -> None:
    org, admin = build()
    plan = actions.do_create_plan(org, admin, "C")
    login(client, admin)
    response = client.post(
        f"/continuity/{plan.pk}/",
        {"name": "C", "staffing": "vaxel; åttio; 30; 1", "topics": "x; X"},
    )
    assert response.status_code == 200
    assert "åttio" in response.content.decode()  # the message names the bad value
    plan.refresh_from_db()
    assert plan.changes["topics"] == []


def test_agents_may_not_open_the_plans(client: Any) -> None:
    org, _admin = build()
    agent = make_person(org, is_agent=True)
    login(client, agent)
    assert client.get("/continuity/").status_code == 403


def test_an_archived_items_code_key_and_number_stay_taken_in_config_import() -> None:
    from distans.setup.config import do_import_config

    org, admin = build()
    _with_history(org, admin)
    actions.do_deactivate_plan(org, admin)
    data = export_config(org)
    for section, item in (
        ("queues", {**data["queues"][0], "code": "corona"}),
        ("chat_widgets", {**data["chat_widgets"][0], "key": "corona-widget"}),
        ("phone_lines", {**data["phone_lines"][0], "number": "+4686000099"}),
    ):
        with pytest.raises(ValidationError):
            do_import_config(org, {**data, section: [*data[section], item]}, admin)
    assert everything(org)["export"] == data


@pytest.mark.django_db(transaction=True)
def test_an_arrival_that_read_the_queue_before_the_end_still_commits() -> None:
    # The race of an entry point (API, widget, phone) with the end of a plan: it read
    # the temporary queue, the end committed, then it stores its contact. A deleted
    # queue failed that commit with a foreign-key violation; an archived one is still
    # there, and the contact waits in it closed (routing loads archived queues closed).
    from distans.routing.queries import get_queue_by_code

    org, admin = build()
    actions.do_activate_plan(org, admin, plan_b(org, admin))
    read = get_queue_by_code(org, "corona")  # nothing of it has history yet
    assert read is not None
    actions.do_deactivate_plan(org, admin)
    late = do_create_contact(read, "chat")  # commits (autocommit): the row exists
    assert Contact.objects.get(pk=late.pk).queue_id == read.pk
    assert Queue.all_objects.get(pk=read.pk).archived_at is not None
    from distans.routing.rounds import load_queues

    queues, _rr = load_queues(org)
    assert not queues[str(read.pk)].is_open(timezone.now())
