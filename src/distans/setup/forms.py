"""Forms of the settings pages and the first-run steps. Each turns what people type
into the plain data the actions take (see settings_data.py)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distans.accounts.choices import SiteKind
from distans.contacts.choices import Channel
from distans.core.calendar import holidays_for
from distans.routing.choices import FallbackKind, Strategy
from distans.routing.models import DEFAULT_WEEKLY_HOURS, Queue
from distans.setup.hours import format_days, format_ranges, parse_days, parse_ranges
from distans.setup.settings_data import TEXT_KINDS, TEXT_LANGUAGES, queue_settings

WEEKDAYS = (
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
)
HOLIDAY_COUNTRIES = (
    ("", gettext_lazy("No public holidays")),
    ("SE", gettext_lazy("Sweden")),
    ("NO", gettext_lazy("Norway")),
)
LANGUAGE_NAMES = {
    "sv": gettext_lazy("Swedish"),
    "nb": gettext_lazy("Norwegian"),
    "en": gettext_lazy("English"),
}
TEXT_KIND_NAMES = {
    "waiting": gettext_lazy("while waiting"),
    "closed": gettext_lazy("when closed"),
    "callback": gettext_lazy("callback offer"),
}
OVERFLOW_ROWS = 3
WIDENING_ROWS = 3
_SKILL = re.compile(r"^\s*([\w\-åäöæøÅÄÖÆØ ]+?)\s+(\d{1,2})\s*$")


def parse_skills(text: str) -> dict[str, int]:
    """``"bygglov 3, ekonomi 2"`` → ``{"bygglov": 3, "ekonomi": 2}`` (levels 1–10)."""
    skills: dict[str, int] = {}
    for part in re.split(r"[,;\n]", text or ""):
        if not part.strip():
            continue
        match = _SKILL.match(part)
        if match is None or not 1 <= int(match.group(2)) <= 10:
            raise ValidationError(
                _("“%(text)s” is not a skill with a level 1–10, such as “bygglov 3”.")
                % {"text": part.strip()}
            )
        skills[match.group(1).strip().lower()] = int(match.group(2))
    return skills


def format_skills(skills: dict[str, int] | None) -> str:
    return ", ".join(f"{name} {level}" for name, level in sorted((skills or {}).items()))


TIME_ZONES = (
    ("Europe/Stockholm", gettext_lazy("Sweden (Stockholm)")),
    ("Europe/Oslo", gettext_lazy("Norway (Oslo)")),
    ("Europe/Copenhagen", gettext_lazy("Denmark (Copenhagen)")),
    ("Europe/Helsinki", gettext_lazy("Finland (Helsinki)")),
    ("Atlantic/Reykjavik", gettext_lazy("Iceland (Reykjavik)")),
    ("Europe/London", gettext_lazy("United Kingdom (London)")),
    ("Europe/Berlin", gettext_lazy("Germany (Berlin)")),
)


def time_zone_choices() -> list[tuple[str, Any]]:
    return list(TIME_ZONES)


# Django's own message speaks of a “slug”; say what is allowed instead.
CODE_ERRORS = {
    "invalid": gettext_lazy(
        "Use only the letters a–z (without å, ä, ö), digits, - and _, with no spaces; e.g. vaxeln."
    )
}


class QueueForm(forms.Form):
    """Everything about one queue. Fields added in ``__init__``: the hours of each
    weekday, of each public holiday of the queue's country, the overflow rules and
    widening steps (a few rows each) and the waiting texts per language."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    code = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=50,
        help_text=gettext_lazy("Short, without spaces; used by the API and in exports."),
        error_messages=CODE_ERRORS,
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    always_open = forms.BooleanField(label=gettext_lazy("Always open"), required=False)
    holiday_country = forms.ChoiceField(
        label=gettext_lazy("Public holidays"), choices=HOLIDAY_COUNTRIES, required=False
    )
    special_days = forms.CharField(
        label=gettext_lazy("Ad-hoc days"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "One day a line. A date alone closes that day (2026-12-28); a date with hours "
            "opens it with those hours (2026-12-23 08:00–12:00). Beats holidays and weekly hours."
        ),
    )
    strategy = forms.ChoiceField(label=gettext_lazy("Strategy"), choices=Strategy.choices)
    offer_timeout_seconds = forms.IntegerField(
        label=gettext_lazy("Offer timeout (seconds)"), min_value=5, max_value=600
    )
    wrap_up_seconds = forms.IntegerField(
        label=gettext_lazy("Wrap-up (seconds)"), min_value=0, max_value=3600
    )
    max_consecutive_timeouts = forms.IntegerField(
        label=gettext_lazy("Missed offers in a row before an agent is set away"),
        min_value=1,
        max_value=20,
    )
    priority = forms.IntegerField(
        label=gettext_lazy("Priority (higher first)"), min_value=-100, max_value=100
    )
    aging_per_minute = forms.FloatField(
        label=gettext_lazy("Priority aging per minute waited"), min_value=0, max_value=100
    )
    required_skills = forms.CharField(
        label=gettext_lazy("Required skills"),
        required=False,
        help_text=gettext_lazy("Skill and lowest level, e.g. “bygglov 3, ekonomi 2”."),
    )
    max_wait_seconds = forms.IntegerField(
        label=gettext_lazy("Maximum wait (seconds)"), min_value=1, required=False
    )
    fallback = forms.ChoiceField(
        label=gettext_lazy("After the maximum wait"), choices=FallbackKind.choices
    )
    closed_fallback = forms.ChoiceField(
        label=gettext_lazy("When closed"),
        choices=[("", gettext_lazy("Wait until the queue opens")), *FallbackKind.choices],
        required=False,
    )
    callback_valid_hours = forms.IntegerField(
        label=gettext_lazy("Callback valid for (hours)"),
        min_value=1,
        max_value=24 * 14,
        required=False,
        help_text=gettext_lazy("Empty: the organisation's telephony setting."),
    )
    service_level_seconds = forms.IntegerField(
        label=gettext_lazy("Service level threshold (seconds)"), min_value=1, max_value=86400 * 7
    )
    service_level_target = forms.IntegerField(
        label=gettext_lazy("Service level target (%)"), min_value=1, max_value=100
    )
    is_switchboard = forms.BooleanField(label=gettext_lazy("Switchboard"), required=False)

    def __init__(self, *args: Any, queue: Queue | None, other_queues: list[Queue], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.queue = queue
        for day, name in enumerate(WEEKDAYS):
            self.fields[f"hours_{day}"] = forms.CharField(
                label=name, required=False, help_text=gettext_lazy("Empty: closed.")
            )
        country = (queue.holiday_country if queue else "") or (
            self.initial.get("holiday_country") or ""
        )
        self.holiday_fields: list[str] = []
        if country:
            for holiday in holidays_for(country, timezone.now().year):
                name = f"holiday_{holiday.key}"
                self.fields[name] = forms.CharField(label=holiday.name, required=False)
                self.holiday_fields.append(name)
        targets = [("", "—")] + [(q.code, q.name) for q in other_queues]
        for row in range(OVERFLOW_ROWS):
            self.fields[f"overflow_{row}_to"] = forms.ChoiceField(
                label=gettext_lazy("Overflow to"), choices=targets, required=False
            )
            self.fields[f"overflow_{row}_after"] = forms.IntegerField(
                label=gettext_lazy("after (seconds)"), min_value=0, required=False
            )
            self.fields[f"overflow_{row}_no_agents"] = forms.BooleanField(
                label=gettext_lazy("when nobody is logged in"), required=False
            )
            self.fields[f"overflow_{row}_longer"] = forms.IntegerField(
                label=gettext_lazy("when more than this many wait"), min_value=1, required=False
            )
        for row in range(WIDENING_ROWS):
            self.fields[f"widening_{row}_after"] = forms.IntegerField(
                label=gettext_lazy("After (seconds)"), min_value=0, required=False
            )
            self.fields[f"widening_{row}_level"] = forms.IntegerField(
                label=gettext_lazy("accept skill level from (empty: any)"),
                min_value=1,
                max_value=10,
                required=False,
            )
        for language in TEXT_LANGUAGES:
            for kind in TEXT_KINDS:
                self.fields[f"text_{language}_{kind}"] = forms.CharField(
                    label=f"{LANGUAGE_NAMES[language]}, {TEXT_KIND_NAMES[kind]}",
                    required=False,
                    max_length=500,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )

    # -- layout helpers for the template -------------------------------------------
    def weekday_fields(self) -> list[forms.BoundField]:
        return [self[f"hours_{day}"] for day in range(7)]

    def holiday_bound_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.holiday_fields]

    def overflow_rows(self) -> list[list[forms.BoundField]]:
        return [
            [self[f"overflow_{row}_{part}"] for part in ("to", "after", "no_agents", "longer")]
            for row in range(OVERFLOW_ROWS)
        ]

    def widening_rows(self) -> list[list[forms.BoundField]]:
        return [[self[f"widening_{row}_{part}"] for part in ("after", "level")] for row in range(WIDENING_ROWS)]

    def text_fields(self) -> list[forms.BoundField]:
        return [self[f"text_{lang}_{kind}"] for lang in TEXT_LANGUAGES for kind in TEXT_KINDS]

    # -- cleaning ------------------------------------------------------------------
    def clean_required_skills(self) -> dict[str, int]:
        return parse_skills(self.cleaned_data.get("required_skills", ""))

    def clean_special_days(self) -> dict[str, list[list[str]]]:
        return parse_days(self.cleaned_data.get("special_days", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in [f"hours_{day}" for day in range(7)] + self.holiday_fields:
            if name in data:
                try:
                    data[name] = parse_ranges(data[name])
                except ValidationError as exc:
                    self.add_error(name, exc)
        return data

    def to_settings(self) -> dict[str, Any]:
        """The cleaned form as queue settings (settings_data.QUEUE_FIELDS)."""
        data = self.cleaned_data
        overflow = []
        for row in range(OVERFLOW_ROWS):
            to = data.get(f"overflow_{row}_to")
            if to:
                overflow.append(
                    {
                        "to": to,
                        "after_seconds": data.get(f"overflow_{row}_after"),
                        "when_no_agents": bool(data.get(f"overflow_{row}_no_agents")),
                        "when_longer_than": data.get(f"overflow_{row}_longer"),
                    }
                )
        widening = [
            {"after_seconds": data[f"widening_{row}_after"], "min_level": data.get(f"widening_{row}_level")}
            for row in range(WIDENING_ROWS)
            if data.get(f"widening_{row}_after") is not None
        ]
        texts: dict[str, dict[str, str]] = {}
        for language in TEXT_LANGUAGES:
            for kind in TEXT_KINDS:
                value = (data.get(f"text_{language}_{kind}") or "").strip()
                if value:
                    texts.setdefault(language, {})[kind] = value
        weekly = {str(day): data[f"hours_{day}"] for day in range(7) if data.get(f"hours_{day}")}
        holiday_hours = {
            name.removeprefix("holiday_"): data[name]
            for name in self.holiday_fields
            if data.get(name)
        }
        if data.get("holiday_country") != (self.queue.holiday_country if self.queue else None):
            holiday_hours = {
                key: hours
                for key, hours in holiday_hours.items()
                if key.startswith((data.get("holiday_country") or "-").lower() + "_")
            }
        return {
            "name": data["name"],
            "code": data["code"],
            "channels": list(data.get("channels") or []),
            "strategy": data["strategy"],
            "offer_timeout_seconds": data["offer_timeout_seconds"],
            "wrap_up_seconds": data["wrap_up_seconds"],
            "max_consecutive_timeouts": data["max_consecutive_timeouts"],
            "priority": data["priority"],
            "aging_per_minute": data["aging_per_minute"],
            "required_skills": data["required_skills"],
            "widening": widening,
            "overflow": overflow,
            "max_wait_seconds": data.get("max_wait_seconds"),
            "fallback": data["fallback"],
            "closed_fallback": data.get("closed_fallback") or "",
            "callback_valid_hours": data.get("callback_valid_hours"),
            "service_level_seconds": data["service_level_seconds"],
            "service_level_target": data["service_level_target"] / 100.0,
            "is_switchboard": bool(data.get("is_switchboard")),
            "always_open": bool(data.get("always_open")),
            "weekly_hours": weekly,
            "holiday_country": data.get("holiday_country") or "",
            "holiday_hours": holiday_hours,
            "special_days": data["special_days"],
            "waiting_texts": texts,
        }


def queue_initial(queue: Queue | None, country: str = "SE") -> dict[str, Any]:
    """The form's initial values from a saved queue (or a new queue's defaults)."""
    if queue is None:
        queue = Queue(weekly_hours=DEFAULT_WEEKLY_HOURS, holiday_country=country)
        settings = queue_settings(queue)
        settings["channels"] = [Channel.CHAT, Channel.EMAIL, Channel.PHONE]
    else:
        settings = queue_settings(queue)
    initial: dict[str, Any] = {
        k: v
        for k, v in settings.items()
        if k not in ("weekly_hours", "holiday_hours", "special_days", "overflow", "widening", "waiting_texts")
    }
    initial["required_skills"] = format_skills(settings["required_skills"])
    initial["special_days"] = format_days(settings["special_days"])
    initial["service_level_target"] = round(settings["service_level_target"] * 100)
    for day in range(7):
        initial[f"hours_{day}"] = format_ranges((settings["weekly_hours"] or {}).get(str(day)))
    for key, ranges in (settings["holiday_hours"] or {}).items():
        initial[f"holiday_{key}"] = format_ranges(ranges)
    for row, rule in enumerate((settings["overflow"] or [])[:OVERFLOW_ROWS]):
        initial[f"overflow_{row}_to"] = rule.get("to")
        initial[f"overflow_{row}_after"] = rule.get("after_seconds")
        initial[f"overflow_{row}_no_agents"] = rule.get("when_no_agents")
        initial[f"overflow_{row}_longer"] = rule.get("when_longer_than")
    for row, step in enumerate((settings["widening"] or [])[:WIDENING_ROWS]):
        initial[f"widening_{row}_after"] = step.get("after_seconds")
        initial[f"widening_{row}_level"] = step.get("min_level")
    for language, texts in (settings["waiting_texts"] or {}).items():
        for kind, value in texts.items():
            initial[f"text_{language}_{kind}"] = value
    return initial


class SiteForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=SiteKind.choices)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=300, required=False)


# -- first run ---------------------------------------------------------------------


class FirstAdminForm(forms.Form):
    organisation = forms.CharField(label=gettext_lazy("Organisation"), max_length=200)
    full_name = forms.CharField(label=gettext_lazy("Your name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("Your e-mail"))
    password = forms.CharField(
        label=gettext_lazy("Password"), widget=forms.PasswordInput(render_value=False), strip=False
    )
    password_again = forms.CharField(
        label=gettext_lazy("Password again"), widget=forms.PasswordInput, strip=False
    )

    def clean(self) -> dict[str, Any]:
        from django.contrib.auth.password_validation import validate_password

        data = super().clean() or {}
        password = data.get("password")
        if password and password != data.get("password_again"):
            self.add_error("password_again", _("The passwords differ."))
        elif password:
            try:
                validate_password(password)
            except ValidationError as exc:
                self.add_error("password", exc)
        return data


class OrganisationForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the organisation"), max_length=200)
    time_zone = forms.ChoiceField(label=gettext_lazy("Time zone"), choices=time_zone_choices)
    country = forms.ChoiceField(
        label=gettext_lazy("Public holidays"),
        choices=HOLIDAY_COUNTRIES[1:],
        help_text=gettext_lazy("The holiday calendar every queue starts with."),
    )


class SitesForm(forms.Form):
    office_name = forms.CharField(label=gettext_lazy("Office"), max_length=200)
    office_address = forms.CharField(label=gettext_lazy("Address"), max_length=300, required=False)
    home = forms.BooleanField(
        label=gettext_lazy("Agents also work from home"), required=False, initial=True
    )


class TeamForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the team"), max_length=200)
    join = forms.BooleanField(label=gettext_lazy("I belong to this team"), required=False, initial=True)


class FirstQueueForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the queue"), max_length=200)
    code = forms.SlugField(
        label=gettext_lazy("Code"),
        max_length=50,
        help_text=gettext_lazy("Short, without spaces; used by the API and in exports."),
        error_messages=CODE_ERRORS,
    )
    weekdays = forms.CharField(
        label=gettext_lazy("Monday to Friday"), required=False, initial="08:00–16:30",
        help_text=gettext_lazy("e.g. 08:00–12:00, 13:00–16:30. Empty: closed."),
    )
    saturday = forms.CharField(label=gettext_lazy("Saturday"), required=False)
    sunday = forms.CharField(label=gettext_lazy("Sunday"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("weekdays", "saturday", "sunday"):
            try:
                data[name] = parse_ranges(data.get(name, ""))
            except ValidationError as exc:
                self.add_error(name, exc)
        return data


class ChannelForm(forms.Form):
    widget_name = forms.CharField(
        label=gettext_lazy("Name of the chat widget"), max_length=200, initial=gettext_lazy("Chat on our website")
    )
    allowed_origin = forms.URLField(
        assume_scheme="https",
        label=gettext_lazy("Your website's address"),
        required=False,
        help_text=gettext_lazy("The widget works only on this site (and on Distans' own test page), e.g. https://www.example.se."),
    )
    greeting = forms.CharField(
        label=gettext_lazy("Greeting"), max_length=500, required=False,
        initial=gettext_lazy("Hello! How can we help you?"),
    )
    phone_number = forms.CharField(
        label=gettext_lazy("Phone number to this queue"), max_length=40, required=False,
        help_text=gettext_lazy("Optional, e.g. +46 8 123 456 00."),
    )

    def clean_allowed_origin(self) -> list[str]:
        from distans.channels_chat.queries import normalise_origin

        value = self.cleaned_data.get("allowed_origin") or ""
        return [normalise_origin(value)] if value else []

    def clean_phone_number(self) -> str:
        number = "".join((self.cleaned_data.get("phone_number") or "").split())
        if number and not re.fullmatch(r"\+?\d{3,20}", number):
            raise ValidationError(_("A phone number has digits only, optionally starting with +."))
        return number


class PeopleForm(forms.Form):
    people = forms.CharField(
        label=gettext_lazy("Agents to invite"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("One a line: name, e-mail. Each gets an e-mail with a link to choose a password."),
    )

    def clean_people(self) -> list[tuple[str, str]]:
        from django.core.validators import validate_email

        rows = []
        for number, line in enumerate((self.cleaned_data.get("people") or "").splitlines(), start=1):
            if not line.strip():
                continue
            name, _sep, email = line.rpartition(",")
            try:
                validate_email(email.strip())
            except ValidationError:
                raise ValidationError(
                    _("Line %(line)d: write the name, a comma and the e-mail address.") % {"line": number}
                ) from None
            if not name.strip():
                raise ValidationError(_("Line %(line)d: the name is missing.") % {"line": number})
            rows.append((name.strip(), email.strip().lower()))
        return rows
