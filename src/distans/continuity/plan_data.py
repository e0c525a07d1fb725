"""A continuity plan as data: its document, the state of what it touches, and the
readable difference between two states.

The document (``Plan.changes``) has the shape of ``distans config export`` for what
it shares with it, so a plan is made by copying today's setup and editing it::

    {"continuity_plan": 1,
     "queues": [queue settings …],            # setup/settings_data.QUEUE_FIELDS
     "chat_widgets": [{key, name, allowed_origins, greetings, topics, active, queue}],
     "phone_lines": [{number, name, queue}],
     "sites": [{name, seat_capacity}],         # office seat caps for the schedule
     "planning": {teams_apart_at_office, min_office_days_per_team},   # cohort rules
     "staffing": [{queue, service_level, answer_within_seconds, uplift_factor}],
     "topics": [{code, name, parent}],         # made active while the plan is
     "agent_queues": [{queue, like}],          # agents of ``like`` also serve ``queue``
     "home_only": false,                       # nobody at an office goes available
     "return_to": {temporary queue code: queue code},
     "announcement": {title_sv, body_sv, title_nb, body_nb, title_en, body_en,
                      blocks_available} | null,
     "extensions": {name: data}}               # registered by other apps (extensions.py)

A *state* holds, for every item the document names, its values (``None``: the item
does not exist). ``capture`` reads the current state of a document's items;
``target`` is the state the document asks for. Activation stores the captured state
and applies the target; deactivation applies the stored state again.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from distans.accounts.models import Organisation, Site
from distans.channels_chat.models import ChatWidget
from distans.continuity import extensions
from distans.routing.models import AgentState, Queue
from distans.setup.config import LINE_FIELDS, WIDGET_FIELDS
from distans.setup.settings_data import QUEUE_FIELDS, queue_settings
from distans.telephony.models import Line

FORMAT_VERSION = 1
PLANNING_FIELDS = ("teams_apart_at_office", "min_office_days_per_team")
STAFFING_FIELDS = ("service_level", "answer_within_seconds", "uplift_factor")
ANNOUNCEMENT_FIELDS = (
    "title_sv",
    "body_sv",
    "title_nb",
    "body_nb",
    "title_en",
    "body_en",
    "blocks_available",
)
SECTIONS = (
    "queues",
    "chat_widgets",
    "phone_lines",
    "sites",
    "planning",
    "staffing",
    "topics",
    "agent_queues",
)


def empty_document() -> dict[str, Any]:
    return {
        "continuity_plan": FORMAT_VERSION,
        "queues": [],
        "chat_widgets": [],
        "phone_lines": [],
        "sites": [],
        "planning": {},
        "staffing": [],
        "topics": [],
        "agent_queues": [],
        "home_only": False,
        "return_to": {},
        "announcement": None,
        "extensions": {},
    }


def normalise(document: Any) -> dict[str, Any]:
    """The document with every key present (older or hand-written ones lack some)."""
    base = empty_document()
    if isinstance(document, dict):
        base.update({k: v for k, v in document.items() if k in base})
    base["continuity_plan"] = FORMAT_VERSION
    return base


# -- reading today's setup ---------------------------------------------------------------


def _widget(w: ChatWidget) -> dict[str, Any]:
    return {**{f: getattr(w, f) for f in WIDGET_FIELDS}, "queue": w.queue.code}


def _line(line: Line) -> dict[str, Any]:
    return {**{f: getattr(line, f) for f in LINE_FIELDS}, "queue": line.queue.code}


def _planning(organisation: Organisation) -> dict[str, Any]:
    from distans.planning.models import PlanningSettings

    settings = PlanningSettings.objects.for_org(organisation).first() or PlanningSettings()
    return {f: getattr(settings, f) for f in PLANNING_FIELDS}


def _staffing(
    organisation: Organisation, codes: list[str] | None = None
) -> dict[str, dict[str, Any] | None]:
    from distans.planning.models import QueuePlan

    plans = QueuePlan.objects.for_org(organisation).select_related("queue")
    if codes is not None:
        plans = plans.filter(queue__code__in=codes)
    found: dict[str, dict[str, Any] | None] = {
        p.queue.code: {f: getattr(p, f) for f in STAFFING_FIELDS} for p in plans
    }
    for code in codes or []:
        found.setdefault(code, None)
    return found


def copy_of_today(organisation: Organisation) -> dict[str, Any]:
    """A new plan's document: today's queues, widgets, lines, seat caps, schedule
    rules and staffing targets, to be edited into the plan."""
    document = empty_document()
    document["queues"] = [
        queue_settings(q) for q in Queue.objects.for_org(organisation).order_by("code")
    ]
    document["chat_widgets"] = [
        _widget(w)
        for w in ChatWidget.objects.for_org(organisation).select_related("queue").order_by("key")
    ]
    document["phone_lines"] = [
        _line(line)
        for line in Line.objects.for_org(organisation).select_related("queue").order_by("number")
    ]
    document["sites"] = [
        {"name": s.name, "seat_capacity": s.seat_capacity}
        for s in Site.objects.for_org(organisation).order_by("name")
    ]
    document["planning"] = _planning(organisation)
    document["staffing"] = [
        {"queue": code, **values}
        for code, values in sorted(_staffing(organisation).items())
        if values is not None
    ]
    return document


# -- states --------------------------------------------------------------------------------


def capture(organisation: Organisation, document: dict[str, Any]) -> dict[str, Any]:
    """The current state of every item ``document`` names."""
    document = normalise(document)
    codes = [q["code"] for q in document["queues"]]
    queues = {q.code: q for q in Queue.objects.for_org(organisation).filter(code__in=codes)}
    keys = [w["key"] for w in document["chat_widgets"]]
    widgets = {
        w.key: w
        for w in ChatWidget.objects.for_org(organisation)
        .filter(key__in=keys)
        .select_related("queue")
    }
    numbers = [line["number"] for line in document["phone_lines"]]
    lines = {
        line.number: line
        for line in Line.objects.for_org(organisation)
        .filter(number__in=numbers)
        .select_related("queue")
    }
    site_names = [s["name"] for s in document["sites"]]
    sites = {s.name: s for s in Site.objects.for_org(organisation).filter(name__in=site_names)}
    from distans.topics.models import Topic

    topic_codes = [t["code"] for t in document["topics"]]
    topics = {
        t.code: t
        for t in Topic.objects.for_org(organisation)
        .filter(code__in=topic_codes)
        .select_related("parent")
    }
    return {
        "queues": {c: (queue_settings(queues[c]) if c in queues else None) for c in codes},
        "chat_widgets": {k: (_widget(widgets[k]) if k in widgets else None) for k in keys},
        "phone_lines": {n: (_line(lines[n]) if n in lines else None) for n in numbers},
        "sites": {n: (sites[n].seat_capacity if n in sites else None) for n in site_names},
        "planning": _planning(organisation) if document["planning"] else {},
        "staffing": _staffing(organisation, [s["queue"] for s in document["staffing"]]),
        "topics": {
            c: (
                {
                    "name": topics[c].name,
                    "parent": topics[c].parent.code if topics[c].parent else "",
                    "active": topics[c].active,
                }
                if c in topics
                else None
            )
            for c in topic_codes
        },
        "agent_queues": {
            rule["queue"]: sorted(
                AgentState.objects.for_org(organisation)
                .filter(queues__organisation=organisation, queues__code=rule["queue"])
                .values_list("pk", flat=True)
            )
            for rule in document["agent_queues"]
        },
        "home_only": False,
        "extensions": {
            name: ext.capture(organisation, data)
            for name, data in (document["extensions"] or {}).items()
            if (ext := extensions.get(name)) is not None
        },
    }


def target(
    organisation: Organisation, document: dict[str, Any], before: dict[str, Any]
) -> dict[str, Any]:
    """The state ``document`` asks for (``before``: the captured state, for the
    agents to add to a queue)."""
    document = normalise(document)
    members: dict[str, list[int]] = {}
    for rule in document["agent_queues"]:
        like = set(
            AgentState.objects.for_org(organisation)
            .filter(queues__organisation=organisation, queues__code=rule.get("like", ""))
            .values_list("pk", flat=True)
        )
        members[rule["queue"]] = sorted(set(before["agent_queues"].get(rule["queue"], [])) | like)
    return {
        "queues": {
            q["code"]: {k: q[k] for k in QUEUE_FIELDS if k in q} for q in document["queues"]
        },
        "chat_widgets": {w["key"]: w for w in document["chat_widgets"]},
        "phone_lines": {line["number"]: line for line in document["phone_lines"]},
        "sites": {s["name"]: s.get("seat_capacity") for s in document["sites"]},
        "planning": dict(document["planning"] or {}),
        "staffing": {
            s["queue"]: {k: s[k] for k in STAFFING_FIELDS if k in s} for s in document["staffing"]
        },
        "topics": {
            t["code"]: {
                "name": t.get("name") or t["code"],
                "parent": t.get("parent") or "",
                "active": True,
            }
            for t in document["topics"]
        },
        "agent_queues": members,
        "home_only": bool(document["home_only"]),
        "extensions": dict(document["extensions"] or {}),
    }


# -- the readable difference ---------------------------------------------------------------


@dataclass
class Item:
    """One item's change, in words: "Kön Bygglov: ändras", with its fields."""

    section: str
    name: str
    kind: str  # "new", "changed", "removed"
    fields: list[tuple[str, str, str]] = field(default_factory=list)  # (label, before, after)

    @property
    def kind_label(self) -> str:
        return {
            "new": pgettext("continuity change", "new"),
            "changed": pgettext("continuity change", "changed"),
            "removed": pgettext("continuity change", "removed"),
        }[self.kind]

    def as_data(self) -> dict[str, Any]:
        return {
            "section": self.section,
            "name": self.name,
            "kind": self.kind,
            "fields": self.fields,
        }


SECTION_NAMES = {
    "queues": gettext_lazy("Queue"),
    "chat_widgets": gettext_lazy("Chat widget"),
    "phone_lines": gettext_lazy("Phone line"),
    "sites": gettext_lazy("Site"),
    "planning": gettext_lazy("Schedule rules"),
    "staffing": gettext_lazy("Staffing target"),
    "topics": gettext_lazy("Topic"),
    "agent_queues": gettext_lazy("Agents of the queue"),
    "home_only": gettext_lazy("Routing"),
    "extensions": gettext_lazy("Other"),
}

_FIELD_NAMES = {
    "seat_capacity": gettext_lazy("office seats"),
    "teams_apart_at_office": gettext_lazy("teams apart at the office (cohorts)"),
    "min_office_days_per_team": gettext_lazy("office days per team, at least"),
    "service_level": gettext_lazy("service level target (share)"),
    "answer_within_seconds": gettext_lazy("answered within (s)"),
    "uplift_factor": gettext_lazy("uplift factor"),
    "active": gettext_lazy("active"),
    "parent": gettext_lazy("parent"),
    "name": gettext_lazy("name"),
    "queue": gettext_lazy("queue"),
    "number": gettext_lazy("number"),
    "key": gettext_lazy("key"),
    "allowed_origins": gettext_lazy("allowed addresses"),
    "greetings": gettext_lazy("greetings"),
    "topics": gettext_lazy("web-form topics"),
}


def field_label(name: str) -> str:
    if name in _FIELD_NAMES:
        return str(_FIELD_NAMES[name])
    try:
        field = Queue._meta.get_field(name)
    except Exception:
        return name
    return str(getattr(field, "verbose_name", name))


# Queue names by code while a difference is described (per thread / task).
_QUEUE_NAMES: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar(
    "queue_names", default=None
)


def show(name: str, value: Any) -> str:
    """A value as a person reads it (hours as "08:00–16:30", yes/no, texts as text)."""
    from distans.setup.forms import WEEKDAYS
    from distans.setup.hours import format_days, format_ranges

    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "weekly_hours" and isinstance(value, dict):
        parts = [
            f"{WEEKDAYS[int(day)]} {format_ranges(ranges)}"
            for day, ranges in sorted(value.items(), key=lambda kv: int(kv[0]))
            if str(day).isdigit() and int(day) < 7 and ranges
        ]
        return "; ".join(parts) or _("closed")
    if name in ("special_days", "holiday_hours") and isinstance(value, dict):
        return format_days(value).replace("\n", "; ") or "—"
    if name == "waiting_texts" and isinstance(value, dict):
        from distans.setup.forms import LANGUAGE_NAMES, TEXT_KIND_NAMES

        return "; ".join(
            f"{LANGUAGE_NAMES.get(lang, lang)}, {TEXT_KIND_NAMES.get(kind, kind)}: {text}"
            for lang, texts in sorted(value.items())
            if isinstance(texts, dict)
            for kind, text in sorted(texts.items())
        )
    if name == "required_skills" and isinstance(value, dict):
        return ", ".join(f"{skill} ≥ {level}" for skill, level in sorted(value.items()))
    if name == "overflow" and isinstance(value, list):
        return "; ".join(_describe_overflow(rule) for rule in value if isinstance(rule, dict))
    if name == "widening" and isinstance(value, list):
        return "; ".join(
            _("after %(s)s s: level %(level)s")
            % {"s": step.get("after_seconds"), "level": step.get("min_level") or _("any")}
            for step in value
            if isinstance(step, dict)
        )
    if name == "service_level_target" or name == "service_level":
        try:
            return f"{round(float(value) * 100)} %"
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in sorted(value.items()))
    text = str(value)
    return text if len(text) <= 300 else text[:297] + "…"


def _describe_overflow(rule: dict[str, Any]) -> str:
    conditions = []
    if rule.get("after_seconds") is not None:
        conditions.append(_("after %(s)s s") % {"s": rule["after_seconds"]})
    if rule.get("when_no_agents"):
        conditions.append(_("when nobody is logged in"))
    if rule.get("when_longer_than"):
        conditions.append(_("when more than %(n)s wait") % {"n": rule["when_longer_than"]})
    target = str(rule.get("to") or "")
    return _("to %(queue)s %(when)s") % {
        "queue": (_QUEUE_NAMES.get() or {}).get(target, target),
        "when": ", ".join(conditions),
    }


def _item_name(section: str, key: str, before: Any, after: Any) -> str:
    """A queue, widget or topic by its name (its code only when it has none); a
    phone line by its number and name."""
    for values in (after, before):
        if isinstance(values, dict) and values.get("name"):
            if section == "phone_lines":
                return f"{key} ({values['name']})"
            if section in ("queues", "chat_widgets", "topics"):
                return str(values["name"])
    return key


def difference(before: dict[str, Any], after: dict[str, Any]) -> list[Item]:
    """What going from state ``before`` to state ``after`` changes, item by item."""
    names: dict[str, str] = {}  # overflow rules name queues by code: say their names
    for state in (before, after):
        for code, values in (state.get("queues") or {}).items():
            if isinstance(values, dict) and values.get("name"):
                names[code] = str(values["name"])
    _QUEUE_NAMES.set(names)
    items: list[Item] = []
    for section in ("queues", "chat_widgets", "phone_lines", "topics", "staffing"):
        old_items = before.get(section) or {}
        for key, new in (after.get(section) or {}).items():
            old = old_items.get(key)
            label = str(SECTION_NAMES[section])
            name = _item_name(section, key, old, new)
            if new is None and old is None:
                continue
            if new is None:
                items.append(Item(label, name, "removed"))
            elif old is None:
                items.append(
                    Item(
                        label,
                        name,
                        "new",
                        [
                            (field_label(k), "—", show(k, v))
                            for k, v in new.items()
                            if v not in (None, "", [], {})
                        ],
                    )
                )
            else:
                changed = [
                    (field_label(k), show(k, old.get(k)), show(k, v))
                    for k, v in new.items()
                    if old.get(k) != v
                ]
                if changed:
                    items.append(Item(label, name, "changed", changed))
    for name, new in (after.get("sites") or {}).items():
        old = (before.get("sites") or {}).get(name)
        if old != new and new is not None:
            items.append(
                Item(
                    str(SECTION_NAMES["sites"]),
                    name,
                    "changed",
                    [(field_label("seat_capacity"), show("", old), show("", new))],
                )
            )
    old_planning = before.get("planning") or {}
    changed = [
        (field_label(k), show(k, old_planning.get(k)), show(k, v))
        for k, v in (after.get("planning") or {}).items()
        if old_planning.get(k) != v
    ]
    if changed:
        items.append(Item(str(SECTION_NAMES["planning"]), _("the schedule"), "changed", changed))
    for code, members in (after.get("agent_queues") or {}).items():
        old_members = set((before.get("agent_queues") or {}).get(code) or [])
        added, removed = set(members) - old_members, old_members - set(members)
        if added or removed:
            items.append(
                Item(
                    str(SECTION_NAMES["agent_queues"]),
                    code,
                    "changed",
                    [(_("agents"), str(len(old_members)), str(len(members)))],
                )
            )
    if bool(before.get("home_only")) != bool(after.get("home_only")):
        items.append(
            Item(
                str(SECTION_NAMES["home_only"]),
                _("only agents working from home go available"),
                "changed",
                [
                    (
                        _("in force"),
                        show("", bool(before.get("home_only"))),
                        show("", bool(after.get("home_only"))),
                    )
                ],
            )
        )
    for name, data in (after.get("extensions") or {}).items():
        ext = extensions.get(name)
        if ext is not None:
            items.extend(ext.difference((before.get("extensions") or {}).get(name), data))
    return items
