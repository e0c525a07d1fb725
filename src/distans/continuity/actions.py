"""Writes of continuity plans: make and edit a plan, activate and deactivate it.

Activation and deactivation each run in ONE transaction: every item is validated and
written, or (any error, anywhere) nothing is. After the commit every process follows
the way a saved queue makes it follow (setup.md, "Live changes"): the queue token in
the shared cache, a full routing round (every waiting contact re-evaluated), the
supervisors' and organisation's pages, open widgets' availability, and the
``continuity`` live event for the staff banner.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from distans.accounts import audit
from distans.accounts.models import Organisation, Person, Site
from distans.channels_chat.models import ChatWidget
from distans.continuity import extensions, plan_data
from distans.continuity.models import Activation, Plan
from distans.realtime.groups import org_group, supervisors_group
from distans.realtime.publish import publish
from distans.routing.dispatcher import request_routing
from distans.routing.models import AgentState, Queue
from distans.setup.config import LINE_FIELDS, WIDGET_FIELDS
from distans.setup.settings_data import QUEUE_FIELDS, apply_queue_settings, queue_settings
from distans.telephony.models import Line

PLAN_FIELDS = ("name", "description", "activate_at", "deactivate_at")


def _plain_plan(plan: Plan) -> dict[str, Any]:
    return {
        "name": plan.name,
        "description": plan.description,
        "activate_at": plan.activate_at.isoformat() if plan.activate_at else None,
        "deactivate_at": plan.deactivate_at.isoformat() if plan.deactivate_at else None,
        "changes": plan.changes,
    }


# -- making and editing plans --------------------------------------------------------------


@transaction.atomic
def do_create_plan(
    organisation: Organisation, actor: Person | None, name: str, description: str = ""
) -> Plan:
    """A new plan: a copy of today's setup, to be edited."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("The plan needs a name."))
    if Plan.objects.for_org(organisation).filter(name=name).exists():
        raise ValidationError(_("Another plan already has the name “%(name)s”.") % {"name": name})
    plan = Plan.objects.create(
        organisation=organisation,
        name=name[:100],
        description=description,
        changes=plan_data.copy_of_today(organisation),
    )
    audit.record_change(
        organisation, actor, "continuity_plan_created", plan, None, {"name": plan.name}
    )
    return plan


@transaction.atomic
def do_save_plan(
    organisation: Organisation, actor: Person | None, plan: Plan, fields: dict[str, Any]
) -> Plan:
    """Change a plan's name, description, schedule or document (``changes``)."""
    if plan.organisation_id != organisation.pk:
        raise ValidationError(_("No such plan."))
    before = _plain_plan(plan)
    for name in (*PLAN_FIELDS, "changes"):
        if name in fields:
            setattr(plan, name, fields[name])
    plan.name = (plan.name or "").strip()[:100]
    if not plan.name:
        raise ValidationError(_("The plan needs a name."))
    if Plan.objects.for_org(organisation).filter(name=plan.name).exclude(pk=plan.pk).exists():
        raise ValidationError(
            _("Another plan already has the name “%(name)s”.") % {"name": plan.name}
        )
    if plan.activate_at and plan.deactivate_at and plan.deactivate_at <= plan.activate_at:
        raise ValidationError(_("The plan must end after it starts."))
    plan.changes = plan_data.normalise(plan.changes)
    plan.updated_at = timezone.now()
    plan.save()
    audit.record_change(
        organisation, actor, "continuity_plan_changed", plan, before, _plain_plan(plan)
    )
    return plan


def do_set_plan_queue(
    organisation: Organisation,
    actor: Person | None,
    plan: Plan,
    code: str | None,
    settings: dict[str, Any],
) -> Plan:
    """Put one queue's settings (``setup``'s queue form's data) into the plan:
    ``code`` None adds a queue (temporary when today's setup lacks it)."""
    scratch = Queue(organisation=organisation)
    apply_queue_settings(scratch, settings)  # the same checks as the settings page
    document = plan_data.normalise(plan.changes)
    queues = [q for q in document["queues"] if q["code"] != (code or settings["code"])]
    if code is None and any(q["code"] == settings["code"] for q in document["queues"]):
        raise ValidationError(
            _("Another queue already has the code “%(code)s”.") % {"code": settings["code"]}
        )
    if code is not None and code != settings["code"]:
        if any(q["code"] == settings["code"] for q in queues):
            raise ValidationError(
                _("Another queue already has the code “%(code)s”.") % {"code": settings["code"]}
            )
    queues.append(queue_settings(scratch))
    document["queues"] = sorted(queues, key=lambda q: q["code"])
    return do_save_plan(organisation, actor, plan, {"changes": document})


def do_remove_plan_queue(
    organisation: Organisation, actor: Person | None, plan: Plan, code: str
) -> Plan:
    """The plan leaves this queue as it is (and, for a temporary queue, does not make it)."""
    document = plan_data.normalise(plan.changes)
    document["queues"] = [q for q in document["queues"] if q["code"] != code]
    document["chat_widgets"] = [w for w in document["chat_widgets"] if w.get("queue") != code]
    document["phone_lines"] = [
        line for line in document["phone_lines"] if line.get("queue") != code
    ]
    return do_save_plan(organisation, actor, plan, {"changes": document})


# -- applying a state -------------------------------------------------------------------------


def _fail(section: str, key: str, error: ValidationError | str) -> ValidationError:
    text = " ".join(error.messages) if isinstance(error, ValidationError) else error
    return ValidationError(f"{plan_data.SECTION_NAMES.get(section, section)} {key}: {text}")


def _apply_queues(
    organisation: Organisation, actor: Person | None, wanted: dict[str, Any]
) -> dict[str, Queue]:
    # Archived ones too: a plan that made the queue before (and was ended) takes its
    # archived queue back, with its history, instead of clashing with its code.
    existing = {
        q.code: q for q in Queue.all_objects.for_org(organisation).filter(code__in=list(wanted))
    }
    changed: list[tuple[Queue, dict[str, Any] | None]] = []
    to_update: list[tuple[Queue, dict[str, Any]]] = []
    unarchived: list[tuple[str, Queue, dict[str, Any] | None]] = []
    for code, settings in wanted.items():
        queue = existing.get(code)
        if settings is None:
            continue  # archived at the end (_remove_items), once nothing points to it
        before = queue_settings(queue) if queue is not None else None
        if queue is not None and queue.archived_at is not None:
            unarchived.append((queue.archived_at.isoformat(), queue, before))
        elif before is not None and all(before.get(k) == v for k, v in settings.items()):
            continue
        target = queue if queue is not None else Queue(organisation=organisation)
        target.organisation = organisation
        try:
            apply_queue_settings(target, settings)
        except ValidationError as exc:
            raise _fail("queues", code, exc) from None
        if target.code != code:
            raise _fail("queues", code, _("the code cannot change in a plan"))
        if queue is None:
            target.save()
            existing[code] = target
        else:
            to_update.append((target, before or {}))
            if target.archived_at is None:
                changed.append((target, before))
    _write_queues(to_update)
    if unarchived:
        Queue.all_objects.filter(pk__in=[q.pk for _at, q, _b in unarchived]).update(
            archived_at=None
        )
        for _at, queue, _before in unarchived:
            queue.archived_at = None
    audit.record_changes(
        organisation,
        actor,
        [
            (
                "queue_created" if before is None else "queue_changed",
                queue,
                *_changed_fields(before, queue_settings(queue)),
            )
            for queue, before in changed
        ]
        + [
            (
                "queue_unarchived",
                queue,
                {**(before or {}), "archived_at": at},
                {**queue_settings(queue), "archived_at": None},
            )
            for at, queue, before in unarchived
        ],
    )
    if changed or unarchived:
        from distans.routing.rounds import announce_queue_change, forget_queues

        forget_queues(organisation.pk)
        org_id = organisation.pk
        transaction.on_commit(lambda: announce_queue_change(org_id))
    return existing


def _changed_fields(
    before: dict[str, Any] | None, after: dict[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """Only the fields that differ (the audit entry keeps no others): turning every
    queue's 25 fields into JSON-safe values for the audit cost more than the rest."""
    if before is None:
        return None, after
    keys = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def _write_queues(queues: list[tuple[Queue, dict[str, Any]]]) -> None:
    """Save changed queues with one UPDATE statement per set of changed fields,
    executed for all of them at once (``bulk_update``'s CASE expressions over 25
    fields cost seconds for 200 queues). Signals do not run: the caller forgets the
    cached queues and announces the change (as ``Queue``'s post_save would)."""
    from collections import defaultdict

    from django.db import connection

    groups: dict[tuple[str, ...], list[Queue]] = defaultdict(list)
    for queue, before in queues:
        changed = tuple(f for f in QUEUE_FIELDS if getattr(queue, f) != before.get(f))
        if changed:
            groups[changed].append(queue)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for names, members in groups.items():
            fields = [
                f
                for f in (Queue._meta.get_field(name) for name in names)
                if isinstance(f, models.Field)
            ]
            sets = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
            # Only the model's own column names (QUEUE_FIELDS), quoted; values are parameters.
            sql = f"UPDATE {quote(Queue._meta.db_table)} SET {sets} WHERE {quote('id')} = %s"  # noqa: S608
            cursor.executemany(
                sql,
                [
                    [f.get_db_prep_save(getattr(q, f.attname), connection) for f in fields] + [q.pk]
                    for q in members
                ],
            )


def _upsert(
    organisation: Organisation,
    actor: Person | None,
    model: Any,
    lookup: dict[str, Any],
    values: dict[str, Any],
    fields: tuple[str, ...],
    name: str,
) -> None:
    # Archived ones too (widgets, lines): taken back with their history.
    manager = getattr(model, "all_objects", model.objects)
    obj = manager.for_org(organisation).filter(**lookup).select_related("queue").first()
    plain = lambda o, f: getattr(o, f).code if f == "queue" else getattr(o, f)  # noqa: E731
    before = None if obj is None else {f: plain(obj, f) for f in fields}
    archived_at = getattr(obj, "archived_at", None)
    if obj is None:
        obj = model(organisation=organisation, **lookup)
    for f in fields:
        if f in values:
            setattr(obj, f, values[f])
    after = {f: plain(obj, f) for f in fields}
    if archived_at is not None:
        obj.archived_at = None
        before = {**(before or {}), "archived_at": archived_at.isoformat()}
        after = {**after, "archived_at": None}
    if before == after:
        return
    try:
        obj.full_clean(exclude=["organisation", "queue"], validate_unique=False)
    except ValidationError as exc:
        raise _fail(name, str(next(iter(lookup.values()))), exc) from None
    obj.save()
    kind = "created" if before is None else "unarchived" if archived_at else "changed"
    audit.record_change(organisation, actor, f"{name}_{kind}", obj, before, after)


def _apply_channels(
    organisation: Organisation,
    actor: Person | None,
    state: dict[str, Any],
    queues: dict[str, Queue],
) -> None:
    def queue_of(section: str, key: str, code: str) -> Queue:
        queue = queues.get(code) or Queue.objects.for_org(organisation).filter(code=code).first()
        if queue is None:
            raise _fail(section, key, _("no queue with the code %(code)s") % {"code": code})
        return queue

    for key, item in state["chat_widgets"].items():
        if item is None:
            continue
        if ChatWidget.objects.filter(key=key).exclude(organisation=organisation).exists():
            raise _fail("chat_widgets", key, _("the key belongs to another organisation"))
        values = {
            **{k: item[k] for k in WIDGET_FIELDS if k in item},
            "queue": queue_of("chat_widgets", key, item.get("queue", "")),
        }
        _upsert(
            organisation,
            actor,
            ChatWidget,
            {"key": key},
            values,
            (*WIDGET_FIELDS, "queue"),
            "chat_widget",
        )
    for number, item in state["phone_lines"].items():
        if item is None:
            continue
        if Line.objects.filter(number=number).exclude(organisation=organisation).exists():
            raise _fail("phone_lines", number, _("the number belongs to another organisation"))
        values = {
            **{k: item[k] for k in LINE_FIELDS if k in item},
            "queue": queue_of("phone_lines", number, item.get("queue", "")),
        }
        _upsert(
            organisation,
            actor,
            Line,
            {"number": number},
            values,
            (*LINE_FIELDS, "queue"),
            "phone_line",
        )


def _apply_sites(organisation: Organisation, actor: Person | None, wanted: dict[str, Any]) -> None:
    sites = {s.name: s for s in Site.objects.for_org(organisation).filter(name__in=list(wanted))}
    for name, capacity in wanted.items():
        site = sites.get(name)
        if site is None:
            if capacity is None:
                continue
            raise _fail("sites", name, _("no such site"))
        if site.seat_capacity == capacity:
            continue
        before = {"seat_capacity": site.seat_capacity}
        site.seat_capacity = capacity
        try:
            site.full_clean(exclude=["organisation"], validate_unique=False)
        except ValidationError as exc:
            raise _fail("sites", name, exc) from None
        site.save(update_fields=["seat_capacity"])
        audit.record_change(
            organisation, actor, "site_changed", site, before, {"seat_capacity": capacity}
        )


def _apply_planning(
    organisation: Organisation, actor: Person | None, state: dict[str, Any]
) -> None:
    from distans.planning.models import PlanningSettings, QueuePlan

    if state["planning"]:
        settings, _created = PlanningSettings.objects.get_or_create(organisation=organisation)
        before = {f: getattr(settings, f) for f in plan_data.PLANNING_FIELDS}
        for name, value in state["planning"].items():
            if name in plan_data.PLANNING_FIELDS:
                setattr(settings, name, value)
        try:
            settings.full_clean(exclude=["organisation"], validate_unique=False)
        except ValidationError as exc:
            raise _fail("planning", "", exc) from None
        settings.save()
        audit.record_change(
            organisation,
            actor,
            "planning_settings_changed",
            settings,
            before,
            {f: getattr(settings, f) for f in plan_data.PLANNING_FIELDS},
        )
    for code, values in state["staffing"].items():
        queue = Queue.objects.for_org(organisation).filter(code=code).first()
        if queue is None:
            if values is None:
                continue
            raise _fail("staffing", code, _("no queue with the code %(code)s") % {"code": code})
        plan = QueuePlan.objects.for_org(organisation).filter(queue=queue).first()
        if values is None:
            if plan is not None:
                audit.record_change(
                    organisation,
                    actor,
                    "queue_plan_removed",
                    plan,
                    {f: getattr(plan, f) for f in plan_data.STAFFING_FIELDS},
                    None,
                )
                plan.delete()
            continue
        plan = plan or QueuePlan(organisation=organisation, queue=queue)
        staffing_before: dict[str, Any] | None = (
            {f: getattr(plan, f) for f in plan_data.STAFFING_FIELDS} if plan.pk else None
        )
        for name, value in values.items():
            if name in plan_data.STAFFING_FIELDS:
                setattr(plan, name, value)
        try:
            plan.full_clean(exclude=["organisation", "queue"], validate_unique=False)
        except ValidationError as exc:
            raise _fail("staffing", code, exc) from None
        plan.save()
        audit.record_change(
            organisation,
            actor,
            "queue_plan_changed",
            plan,
            staffing_before,
            {f: getattr(plan, f) for f in plan_data.STAFFING_FIELDS},
        )


def _apply_topics(organisation: Organisation, actor: Person | None, wanted: dict[str, Any]) -> None:
    from distans.contacts.models import Contact
    from distans.topics.models import Topic

    for code, values in wanted.items():
        topic = Topic.objects.for_org(organisation).filter(code=code).first()
        if values is None:
            if topic is None:
                continue
            used = (
                Contact.objects.for_org(organisation).filter(topic=code).exists()
                or topic.children.exists()
            )
            if used:  # its contacts keep their topic: kept, inactive
                if topic.active:
                    topic.active = False
                    topic.save(update_fields=["active"])
                    audit.record_change(
                        organisation,
                        actor,
                        "topic_changed",
                        topic,
                        {"active": True},
                        {"active": False},
                    )
            else:
                audit.record_change(
                    organisation, actor, "topic_removed", topic, {"name": topic.name}, None
                )
                topic.delete()
            continue
        parent = None
        if values.get("parent"):
            parent = Topic.objects.for_org(organisation).filter(code=values["parent"]).first()
            if parent is None:
                raise _fail(
                    "topics",
                    code,
                    _("no topic with the code %(code)s") % {"code": values["parent"]},
                )
        before = None
        if topic is None:
            topic = Topic(organisation=organisation, code=code)
        else:
            before = {
                "name": topic.name,
                "parent": topic.parent.code if topic.parent else "",
                "active": topic.active,
            }
        topic.name = values.get("name") or topic.name or code
        topic.parent = parent
        topic.active = bool(values.get("active", True))
        after = {"name": topic.name, "parent": values.get("parent") or "", "active": topic.active}
        if before == after:
            continue
        try:
            topic.full_clean(exclude=["organisation", "parent"], validate_unique=False)
        except ValidationError as exc:
            raise _fail("topics", code, exc) from None
        topic.save()
        audit.record_change(
            organisation,
            actor,
            "topic_created" if before is None else "topic_changed",
            topic,
            before,
            after,
        )


def _id_set(ids: set[int] | list[int]) -> Any:
    """A subquery of these ids as ONE parameter (an array on PostgreSQL, a JSON list on
    SQLite): ``pk__in`` with 2,000 placeholders cost more in the driver's query
    building (psycopg splits the query text at every placeholder) than in the database."""
    import json

    from django.db import connection
    from django.db.models.expressions import RawSQL

    values = sorted(int(i) for i in ids)
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[]) AS id", (values,))
    return RawSQL("SELECT value AS id FROM json_each(%s)", (json.dumps(values),))


def _apply_agent_queues(organisation: Organisation, wanted: dict[str, list[int]]) -> None:
    """Queue memberships: exactly ``wanted`` agents for each named queue that exists."""
    from django.db import connection

    through = AgentState.queues.through
    queues = {
        q.code: q.pk for q in Queue.objects.for_org(organisation).filter(code__in=list(wanted))
    }
    for code, members in wanted.items():
        queue_id = queues.get(code)
        if queue_id is None:
            continue
        current = set(
            through.objects.filter(queue_id=queue_id).values_list("agentstate_id", flat=True)
        )
        valid = set(
            AgentState.objects.for_org(organisation)
            .filter(pk__in=_id_set(members))
            .values_list("pk", flat=True)
        ) if members else set()  # fmt: skip
        add, remove = valid - current, current - valid
        if add:
            # One INSERT … SELECT over the ids as one parameter (bulk_create's SQL
            # building for 2,000 rows cost more than the database's work).
            sql, params = _id_set(add).as_sql(None, connection)
            quote = connection.ops.quote_name
            columns = ("agentstate_id", "queue_id")  # the auto-created through table's own
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {quote(through._meta.db_table)} "  # noqa: S608 (own table and column names)
                    f"({', '.join(quote(str(c)) for c in columns)}) "
                    f"SELECT ids.id, %s FROM {sql} AS ids",
                    [queue_id, *params],
                )
        if remove:
            through.objects.filter(queue_id=queue_id, agentstate_id__in=_id_set(remove)).delete()
        if add or remove:
            # Routing rebuilds an agent's cached view when its version moved.
            AgentState.objects.filter(pk__in=_id_set(add | remove)).mark_changed()


def _move_waiting(organisation: Organisation, queue: Queue, to_code: str | None) -> int:
    """Contacts still waiting (not offered, not in progress) in a queue that goes
    away move to ``to_code`` keeping their place in line; nothing is dropped."""
    from distans.contacts.choices import ContactStatus
    from distans.contacts.models import Contact

    waiting = list(
        Contact.objects.for_org(organisation)
        .select_for_update()
        .filter(queue=queue, status=ContactStatus.WAITING)
    )
    if not waiting:
        return 0
    to = Queue.objects.for_org(organisation).filter(code=to_code or "").first()
    if to is None:
        raise _fail(
            "queues",
            queue.code,
            _("contacts are waiting in it and the plan names no queue for them"),
        )
    now = timezone.now()
    for contact in waiting:
        contact.queue = to
        contact.queue_entered_at = now
        contact.visited_queue_ids = [*(contact.visited_queue_ids or []), to.pk]
    Contact.objects.bulk_update(waiting, ["queue", "queue_entered_at", "visited_queue_ids"])
    return len(waiting)


def _remove_items(
    organisation: Organisation,
    actor: Person | None,
    state: dict[str, Any],
    return_to: dict[str, str],
) -> list[str]:
    """Widgets, lines and queues the state says do not exist are ARCHIVED, never
    deleted: their history (contacts, offers, calls, chats) keeps pointing to them and
    reports still name them, while the setup (settings pages, routing's entry points,
    the widget and line lookups, ``config export``, plan copies) no longer sees them;
    a later plan with the same code or key takes them back (``_apply_queues``,
    ``_upsert``). Always archiving — also an item without history — means an arrival
    that read the queue (or widget, line) just before the end commits against a row
    that still exists (a deleted one failed it with a foreign-key violation); such a
    contact waits in a closed queue and gets its closed fallback, as routing loads
    archived queues closed. Returns the codes of the queues archived."""
    now = timezone.now()
    entries: list[tuple[str, Any, dict[str, Any] | None, dict[str, Any] | None]] = []
    for model, field, items, action in (
        (Line, "number", state["phone_lines"], "phone_line_archived"),
        (ChatWidget, "key", state["chat_widgets"], "chat_widget_archived"),
    ):
        names = [name for name, item in items.items() if item is None]
        if not names:
            continue
        rows = list(model.objects.for_org(organisation).filter(**{f"{field}__in": names}))
        model.all_objects.filter(pk__in=[row.pk for row in rows]).update(archived_at=now)
        entries += [
            (action, row, {field: getattr(row, field), "archived_at": None},
             {field: getattr(row, field), "archived_at": now.isoformat()})
            for row in rows
        ]  # fmt: skip
    codes = [c for c, item in state["queues"].items() if item is None]
    queues = list(Queue.objects.for_org(organisation).filter(code__in=codes)) if codes else []
    if queues:
        gone = {q.code for q in queues}
        for other in Queue.objects.for_org(organisation).exclude(code__in=gone):
            for rule in other.overflow or []:
                if rule.get("to") in gone:
                    raise _fail(
                        "queues",
                        str(rule.get("to")),
                        _("the queue %(other)s still overflows into it") % {"other": other.code},
                    )
        for queue in queues:
            _move_waiting(organisation, queue, return_to.get(queue.code))
        live = ChatWidget.objects.filter(queue__in=queues).values_list("key", flat=True).first()
        if live is None:
            live = Line.objects.filter(queue__in=queues).values_list("number", flat=True).first()
        if live is not None:
            raise _fail(
                "queues", ", ".join(sorted(gone)), _("%(item)s still points to it") % {"item": live}
            )
        from distans.planning.models import QueuePlan

        QueuePlan.objects.filter(queue__in=queues).delete()
        Queue.all_objects.filter(pk__in=[q.pk for q in queues]).update(archived_at=now)
        entries += [
            ("queue_archived", q, {**queue_settings(q), "archived_at": None},
             {**queue_settings(q), "archived_at": now.isoformat()})
            for q in queues
        ]  # fmt: skip
        from distans.routing.rounds import announce_queue_change, forget_queues

        forget_queues(organisation.pk)
        org_id = organisation.pk
        transaction.on_commit(lambda: announce_queue_change(org_id))
    audit.record_changes(organisation, actor, entries)
    return sorted(q.code for q in queues)


def _hold_routing(organisation: Organisation) -> None:
    """Hold the organisation's routing lock (the :class:`RoutingLock` row every routing
    round takes first) until the caller's transaction ends.

    A plan's switch rewrites queues, memberships and agents' versions, moves waiting
    contacts and may remove a temporary queue; a round locks agent states, contacts,
    offers and then queues (its round-robin cursor). Without the lock the two took the
    same rows in opposite orders (deadlocks), and a round that had read the queues
    before a switch could still overflow a contact into a queue the switch was removing
    (a foreign-key violation at its commit). With it, a round runs wholly before or
    wholly after a switch and reads the switched setup. Taken first, as a round does."""
    from distans.routing.models import RoutingLock

    lock = RoutingLock.objects.select_for_update().filter(organisation=organisation).first()
    if lock is None:  # the organisation never routed yet
        RoutingLock.objects.get_or_create(organisation=organisation)
        RoutingLock.objects.select_for_update().get(organisation=organisation)


def _apply_state(
    organisation: Organisation,
    actor: Person | None,
    state: dict[str, Any],
    return_to: dict[str, str],
) -> list[str]:
    """Make the organisation's items match ``state`` (inside the caller's transaction,
    which holds the routing lock: :func:`_hold_routing`)."""
    for name in state.get("extensions") or {}:
        if extensions.get(name) is None:
            raise _fail("extensions", name, _("this part is not installed"))
    _apply_sites(organisation, actor, state["sites"])
    queues = _apply_queues(organisation, actor, state["queues"])
    _apply_channels(organisation, actor, state, queues)
    _apply_topics(organisation, actor, state["topics"])
    _apply_planning(organisation, actor, state)
    _apply_agent_queues(organisation, state["agent_queues"])
    kept = _remove_items(organisation, actor, state, return_to)
    for name, data in (state.get("extensions") or {}).items():
        ext = extensions.get(name)
        assert ext is not None
        ext.apply(organisation, actor, data)
    return kept


def _announce(organisation_id: int) -> None:
    """After commit: every process and page follows (see the module's text)."""
    request_routing(organisation_id)  # a full round: every waiting contact again
    from distans.channels_chat.consumers import widget_group

    # Archived widgets too: a visitor's open page learns that its queue closed.
    widget_ids = list(ChatWidget.all_objects.for_org(organisation_id).values_list("pk", flat=True))

    def send() -> None:
        publish(supervisors_group(organisation_id), "queues")
        publish(org_group(organisation_id), "queue_settings", queue_id=None)
        publish(org_group(organisation_id), "continuity")
        for pk in widget_ids:
            publish(widget_group(pk), "availability")

    transaction.on_commit(send)


# -- activation ----------------------------------------------------------------------------------


def preview(organisation: Organisation, plan: Plan) -> tuple[list[plan_data.Item], str | None]:
    """What activating ``plan`` now would change, and the error that would stop it
    (checked by really applying it inside a transaction that is rolled back)."""
    document = plan_data.normalise(plan.changes)
    before = plan_data.capture(organisation, document)
    items = plan_data.difference(before, plan_data.target(organisation, document, before))
    error = None
    try:
        with transaction.atomic():
            _activate(organisation, None, plan, timezone.now(), send=False)
            transaction.set_rollback(True)
    except ValidationError as exc:
        error = " ".join(exc.messages)
    return items, error


def preview_deactivation(organisation: Organisation) -> list[plan_data.Item]:
    activation = Activation.objects.for_org(organisation).filter(active=True).first()
    if activation is None:
        return []
    now_state = _current_of(organisation, activation.before)
    return plan_data.difference(now_state, activation.before)


def _current_of(organisation: Organisation, state: dict[str, Any]) -> dict[str, Any]:
    """The current state of the items ``state`` names."""
    document = plan_data.empty_document()
    document["queues"] = [{"code": c} for c in state["queues"]]
    document["chat_widgets"] = [{"key": k} for k in state["chat_widgets"]]
    document["phone_lines"] = [{"number": n} for n in state["phone_lines"]]
    document["sites"] = [{"name": n} for n in state["sites"]]
    document["planning"] = state["planning"]
    document["staffing"] = [{"queue": c} for c in state["staffing"]]
    document["topics"] = [{"code": c} for c in state["topics"]]
    document["agent_queues"] = [{"queue": c} for c in state["agent_queues"]]
    document["extensions"] = state.get("extensions") or {}
    current = plan_data.capture(organisation, document)
    active = Activation.objects.for_org(organisation).filter(active=True).first()
    current["home_only"] = bool(active and (active.after or {}).get("home_only"))
    return current


def _activate(
    organisation: Organisation, actor: Person | None, plan: Plan, now: dt.datetime, send: bool
) -> Activation:
    if plan.organisation_id != organisation.pk:
        raise ValidationError(_("No such plan."))
    _hold_routing(organisation)
    if Activation.objects.for_org(organisation).select_for_update().filter(active=True).exists():
        raise ValidationError(_("Another plan is in force: end it first."))
    document = plan_data.normalise(plan.changes)
    before = plan_data.capture(organisation, document)
    after = plan_data.target(organisation, document, before)
    items = plan_data.difference(before, after)
    _apply_state(organisation, actor, after, {})
    announcement = None
    if document["announcement"] and send:
        announcement = _send_announcement(organisation, actor, plan, document["announcement"], now)
    activation = Activation.objects.create(
        organisation=organisation,
        plan=plan,
        activated_at=now,
        activated_by=actor,
        before=before,
        after=after,
        summary=[item.as_data() for item in items],
        announcement=announcement,
    )
    audit.record_change(
        organisation, actor, "continuity_plan_activated", plan, {"active": False},
        {"active": True, "changes": [f"{i.section} {i.name}: {i.kind}" for i in items]},
    )  # fmt: skip
    return activation


def _send_announcement(
    organisation: Organisation,
    actor: Person | None,
    plan: Plan,
    data: dict[str, Any],
    now: dt.datetime,
) -> Any:
    from distans.announcements.actions import do_save_announcement, do_send_announcement

    fields = {
        k: data.get(k) or "" for k in plan_data.ANNOUNCEMENT_FIELDS if k != "blocks_available"
    }
    if not fields["title_sv"] or not fields["body_sv"]:
        raise _fail("announcement", plan.name, _("the announcement needs a Swedish title and text"))
    fields.update(
        priority="acknowledge",
        blocks_available=bool(data.get("blocks_available")),
        audience_kind="everyone",
        audience_values=[],
    )
    # Made in the activation's transaction (no plan, no announcement), sent right
    # after its commit; should that sending fail, the announcements' periodic job
    # sends it (it is due: send_at is now).
    fields["send_at"] = now
    announcement = do_save_announcement(actor, fields, organisation_id=organisation.pk)
    transaction.on_commit(lambda: do_send_announcement(announcement, now))
    return announcement


@transaction.atomic
def do_activate_plan(
    organisation: Organisation, actor: Person | None, plan: Plan, now: dt.datetime | None = None
) -> Activation:
    """Put ``plan`` in force: all of it, or (any error) nothing. Raises ValidationError."""
    now = now or timezone.now()
    activation = _activate(organisation, actor, plan, now, send=True)
    if plan.activate_at is not None and plan.activate_at <= now:
        Plan.objects.filter(pk=plan.pk).update(activate_at=None)
    _announce(organisation.pk)
    return activation


@transaction.atomic
def do_deactivate_plan(
    organisation: Organisation, actor: Person | None, now: dt.datetime | None = None
) -> Activation:
    """End the plan in force: every item it touched goes back to what it was."""
    now = now or timezone.now()
    _hold_routing(organisation)
    activation = (
        Activation.objects.for_org(organisation).select_for_update().filter(active=True).first()
    )
    if activation is None:
        raise ValidationError(_("No plan is in force."))
    document = plan_data.normalise(activation.plan.changes)
    kept = _apply_state(organisation, actor, activation.before, document["return_to"] or {})
    activation.active = False
    activation.deactivated_at = now
    activation.deactivated_by = actor
    activation.save(update_fields=["active", "deactivated_at", "deactivated_by"])
    Plan.objects.filter(pk=activation.plan_id, deactivate_at__lte=now).update(deactivate_at=None)
    audit.record_change(
        organisation, actor, "continuity_plan_deactivated", activation.plan, {"active": True},
        {"active": False, "kept": kept},
    )  # fmt: skip
    _announce(organisation.pk)
    return activation


def do_switch_due_plans(now: dt.datetime | None = None) -> int:
    """The periodic job: end plans whose end is due, then start those whose start is.
    One organisation's failure does not stop the others'."""
    import logging

    now = now or timezone.now()
    switched = 0
    for activation in Activation.objects.filter(
        active=True, plan__deactivate_at__lte=now
    ).select_related("plan__organisation"):
        try:
            do_deactivate_plan(activation.plan.organisation, None, now)
            switched += 1
        except ValidationError:  # ended by another worker meanwhile, or refused
            logging.getLogger(__name__).warning(
                "could not end plan %s", activation.plan_id, exc_info=True
            )
    for plan_id in list(Plan.objects.filter(activate_at__lte=now).values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                # Several workers may run this job: the plan's row decides who switches.
                plan = (
                    Plan.objects.select_for_update(skip_locked=True)
                    .filter(pk=plan_id, activate_at__lte=now)
                    .select_related("organisation")
                    .first()
                )
                if plan is None:
                    continue
                do_activate_plan(plan.organisation, None, plan, now)
                switched += 1
        except ValidationError as exc:
            logging.getLogger(__name__).warning("could not start plan %s: %s", plan_id, exc)
            Plan.objects.filter(pk=plan_id).update(activate_at=None)  # not retried every minute
    return switched
