"""Forms of the plan pages. A queue of a plan is edited with the settings page's own
queue form (``setup.forms.QueueForm``); the rest of the plan with :class:`PlanForm`,
whose lists are one item per line."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distans.continuity import plan_data


def _lines(text: str) -> list[list[str]]:
    return [
        [part.strip() for part in line.split(";")]
        for line in (text or "").splitlines()
        if line.strip()
    ]


def _number(value: str, kind: type, line: str) -> Any:
    try:
        return kind(value.replace(",", ".")) if kind is float else kind(value)
    except ValueError:
        raise ValidationError(
            _("Not a number: %(value)s (line “%(line)s”).") % {"value": value, "line": line}
        ) from None


class PlanForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    activate_at = forms.DateTimeField(
        label=gettext_lazy("Put in force at (empty: by hand)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    deactivate_at = forms.DateTimeField(
        label=gettext_lazy("End at (empty: by hand)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    home_only = forms.BooleanField(
        label=gettext_lazy("Everyone works from home: nobody at an office goes available"),
        required=False,
    )
    walk_in_booking_only = forms.BooleanField(
        label=gettext_lazy("The walk-in desk is closed: visits by appointment only"),
        required=False,
    )
    agent_queues = forms.CharField(
        label=gettext_lazy("Agents for temporary queues"),
        help_text=gettext_lazy(
            "One per line: queue code; the queue whose agents also serve it. E.g. corona; vaxel"
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    return_to = forms.CharField(
        label=gettext_lazy("When the plan ends, contacts still waiting go to"),
        help_text=gettext_lazy(
            "One per line: temporary queue code; queue code. E.g. corona; vaxel"
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    topics = forms.CharField(
        label=gettext_lazy("Topics in force during the plan"),
        help_text=gettext_lazy(
            "One per line: code; name; parent code (optional). E.g. corona; Corona"
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    chat_widgets = forms.CharField(
        label=gettext_lazy("Chat widgets and web forms"),
        help_text=gettext_lazy("One per line: key; name; queue code; allowed address (optional)."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    phone_lines = forms.CharField(
        label=gettext_lazy("Phone lines"),
        help_text=gettext_lazy("One per line: number; name; queue code."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    sites = forms.CharField(
        label=gettext_lazy("Office seats"),
        help_text=gettext_lazy("One per line: site name; seats (empty: no cap)."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    teams_apart_at_office = forms.BooleanField(
        label=gettext_lazy("Teams apart at the office (cohorts)"), required=False
    )
    min_office_days_per_team = forms.IntegerField(
        label=gettext_lazy("Office days per team and week, at least"),
        min_value=0,
        max_value=7,
        required=False,
    )
    staffing = forms.CharField(
        label=gettext_lazy("Staffing targets"),
        help_text=gettext_lazy(
            "One per line: queue code; service level (%); answered within (s); uplift factor. E.g. corona; 80; 60; 1.5"
        ),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    announcement_title_sv = forms.CharField(
        label=gettext_lazy("Announcement title (Swedish)"), max_length=200, required=False
    )
    announcement_body_sv = forms.CharField(
        label=gettext_lazy("Announcement text (Swedish)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    announcement_title_nb = forms.CharField(
        label=gettext_lazy("Announcement title (Norwegian)"), max_length=200, required=False
    )
    announcement_body_nb = forms.CharField(
        label=gettext_lazy("Announcement text (Norwegian)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    announcement_title_en = forms.CharField(
        label=gettext_lazy("Announcement title (English)"), max_length=200, required=False
    )
    announcement_body_en = forms.CharField(
        label=gettext_lazy("Announcement text (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    announcement_blocks = forms.BooleanField(
        label=gettext_lazy("Nobody goes available before acknowledging it"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("announcement_title_sv")) != bool(data.get("announcement_body_sv")):
            self.add_error(
                "announcement_body_sv", _("The announcement needs both a Swedish title and a text.")
            )
        for name, parse in (
            ("agent_queues", _pairs),
            ("return_to", _pairs),
            ("topics", _topics),
            ("chat_widgets", _widgets),
            ("phone_lines", _phone_lines),
            ("sites", _sites),
            ("staffing", _staffing),
        ):
            if name in data and name not in self.errors:
                try:
                    data[name] = parse(data[name])
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data

    def apply(self, document: dict[str, Any], existing_widgets: dict[str, Any]) -> dict[str, Any]:
        """The plan's document with this form's values."""
        data = self.cleaned_data
        document = plan_data.normalise(document)
        document["home_only"] = bool(data.get("home_only"))
        parts = dict(document["extensions"] or {})  # the visits app's booking-only mode
        if data.get("walk_in_booking_only"):
            parts["visits"] = {"desk": "booking_only"}
        else:
            parts.pop("visits", None)
        document["extensions"] = parts
        document["agent_queues"] = [{"queue": q, "like": like} for q, like in data["agent_queues"]]
        document["return_to"] = dict(data["return_to"])
        document["topics"] = data["topics"]
        document["chat_widgets"] = [
            {**existing_widgets.get(w["key"], {"greetings": {}, "topics": [], "active": True}), **w}
            for w in data["chat_widgets"]
        ]
        document["phone_lines"] = data["phone_lines"]
        document["sites"] = data["sites"]
        document["planning"] = {
            "teams_apart_at_office": bool(data.get("teams_apart_at_office")),
            "min_office_days_per_team": data.get("min_office_days_per_team") or 0,
        }
        document["staffing"] = data["staffing"]
        if data.get("announcement_title_sv"):
            document["announcement"] = {
                "title_sv": data["announcement_title_sv"],
                "body_sv": data["announcement_body_sv"],
                "title_nb": data.get("announcement_title_nb") or "",
                "body_nb": data.get("announcement_body_nb") or "",
                "title_en": data.get("announcement_title_en") or "",
                "body_en": data.get("announcement_body_en") or "",
                "blocks_available": bool(data.get("announcement_blocks")),
            }
        else:
            document["announcement"] = None
        return document


def initial_of(plan: Any) -> dict[str, Any]:
    from django.utils import timezone

    document = plan_data.normalise(plan.changes)
    announcement = document["announcement"] or {}
    planning = document["planning"] or {}
    return {
        "name": plan.name,
        "description": plan.description,
        "activate_at": timezone.localtime(plan.activate_at) if plan.activate_at else None,
        "deactivate_at": timezone.localtime(plan.deactivate_at) if plan.deactivate_at else None,
        "home_only": document["home_only"],
        "walk_in_booking_only": (document["extensions"] or {}).get("visits")
        == {"desk": "booking_only"},
        "agent_queues": "\n".join(
            f"{r['queue']}; {r.get('like', '')}" for r in document["agent_queues"]
        ),
        "return_to": "\n".join(f"{k}; {v}" for k, v in sorted(document["return_to"].items())),
        "topics": "\n".join(
            "; ".join(p for p in (t["code"], t.get("name", ""), t.get("parent", "")) if p)
            for t in document["topics"]
        ),
        "chat_widgets": "\n".join(
            "; ".join(
                [
                    w["key"],
                    w.get("name", ""),
                    w.get("queue", ""),
                    *(w.get("allowed_origins") or [])[:1],
                ]
            )
            for w in document["chat_widgets"]
        ),
        "phone_lines": "\n".join(
            f"{x['number']}; {x.get('name', '')}; {x.get('queue', '')}"
            for x in document["phone_lines"]
        ),
        "sites": "\n".join(
            f"{s['name']}; {'' if s.get('seat_capacity') is None else s['seat_capacity']}"
            for s in document["sites"]
        ),
        "teams_apart_at_office": planning.get("teams_apart_at_office", False),
        "min_office_days_per_team": planning.get("min_office_days_per_team"),
        "staffing": "\n".join(
            f"{s['queue']}; {round(float(s.get('service_level', 0.8)) * 100)}; {s.get('answer_within_seconds', 20)}; {s.get('uplift_factor', 1.0)}"
            for s in document["staffing"]
        ),
        "announcement_title_sv": announcement.get("title_sv", ""),
        "announcement_body_sv": announcement.get("body_sv", ""),
        "announcement_title_nb": announcement.get("title_nb", ""),
        "announcement_body_nb": announcement.get("body_nb", ""),
        "announcement_title_en": announcement.get("title_en", ""),
        "announcement_body_en": announcement.get("body_en", ""),
        "announcement_blocks": announcement.get("blocks_available", False),
    }


def _need(parts: list[str], count: int, line: str) -> None:
    if len(parts) < count or not all(parts[:count]):
        raise ValidationError(_("Line “%(line)s” lacks a part.") % {"line": line})


def _pairs(text: str) -> list[tuple[str, str]]:
    pairs = []
    for parts in _lines(text):
        _need(parts, 2, "; ".join(parts))
        pairs.append((parts[0], parts[1]))
    return pairs


def _topics(text: str) -> list[dict[str, str]]:
    topics = []
    for parts in _lines(text):
        _need(parts, 1, "; ".join(parts))
        topics.append(
            {
                "code": parts[0],
                "name": parts[1] if len(parts) > 1 and parts[1] else parts[0],
                "parent": parts[2] if len(parts) > 2 else "",
            }
        )
    return topics


def _widgets(text: str) -> list[dict[str, Any]]:
    widgets = []
    for parts in _lines(text):
        _need(parts, 3, "; ".join(parts))
        widgets.append(
            {
                "key": parts[0],
                "name": parts[1],
                "queue": parts[2],
                "allowed_origins": [p for p in parts[3:] if p],
            }
        )
    return widgets


def _phone_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for parts in _lines(text):
        _need(parts, 3, "; ".join(parts))
        lines.append({"number": parts[0], "name": parts[1], "queue": parts[2]})
    return lines


def _sites(text: str) -> list[dict[str, Any]]:
    sites = []
    for parts in _lines(text):
        line = "; ".join(parts)
        _need(parts, 1, line)
        seats = parts[1] if len(parts) > 1 else ""
        sites.append(
            {"name": parts[0], "seat_capacity": _number(seats, int, line) if seats else None}
        )
    return sites


def _staffing(text: str) -> list[dict[str, Any]]:
    rows = []
    for parts in _lines(text):
        line = "; ".join(parts)
        _need(parts, 4, line)
        rows.append(
            {
                "queue": parts[0],
                "service_level": _number(parts[1], float, line) / 100.0,
                "answer_within_seconds": _number(parts[2], int, line),
                "uplift_factor": _number(parts[3], float, line),
            }
        )
    return rows
