"""Forms of the settings pages. Choices are always limited to the actor's
organisation (and, for team leaders, to the teams they lead)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from distans.accounts.choices import Language, Role, SiteKind
from distans.accounts.models import Organisation, Person, Site, Team
from distans.accounts.permissions import PERMISSIONS, SCOPES, has_permission
from distans.administration.choices import WebhookEvent
from distans.contacts.choices import Channel

ROLE_FIELDS = {
    Role.AGENT: "is_agent",
    Role.TEAM_LEADER: "is_team_leader",
    Role.SUPERVISOR: "is_supervisor",
    Role.PLANNER: "is_planner",
    Role.ORG_ADMIN: "is_org_admin",
}


class AuditFilterForm(forms.Form):
    actor = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)
    action = forms.ChoiceField(label=_("What"), required=False)
    object_type = forms.ChoiceField(label=_("Kind of object"), required=False)
    text = forms.CharField(label=_("Object name contains"), required=False, max_length=100)
    start = forms.DateField(label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To (date, inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, choices: dict[str, list[Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everyone = [("", _("Anyone"))]
        self.fields["actor"].choices = everyone + [(p.pk, p.full_name or p.email) for p in choices["actors"]]  # type: ignore[attr-defined]
        from distans.administration.audit_display import action_label, object_type_label

        self.fields["action"].choices = [("", _("Anything"))] + [(a, action_label(a)) for a in choices["actions"]]  # type: ignore[attr-defined]
        self.fields["object_type"].choices = [("", _("Any kind"))] + [
            (t, object_type_label(t)) for t in choices["object_types"]
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError(_("The end date is before the start date."))
        return data

    def filters(self, organisation: Organisation) -> dict[str, Any]:
        zone = ZoneInfo(organisation.time_zone)
        data = self.cleaned_data

        def midnight(day: dt.date | None) -> dt.datetime | None:
            return dt.datetime.combine(day, dt.time(), zone) if day else None

        return {
            "actor_id": data.get("actor"),
            "action": data.get("action") or "",
            "object_type": data.get("object_type") or "",
            "text": data.get("text") or "",
            "start": midnight(data.get("start")),
            "end": midnight(data["end"] + dt.timedelta(days=1)) if data.get("end") else None,
        }


def _role_choices(actor_is_admin: bool) -> list[tuple[str, Any]]:
    if actor_is_admin:
        return list(Role.choices)
    return [(Role.AGENT.value, Role.AGENT.label)]


class PersonForm(forms.Form):
    """Who a person is: name, e-mail, team, default location, roles, language,
    mobile number. Team leaders choose among their own teams and give no roles but agent."""

    full_name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.none(), required=False)
    default_site = forms.ModelChoiceField(label=_("Default location"), queryset=Site.objects.none(), required=False)
    roles = forms.MultipleChoiceField(label=_("Roles"), widget=forms.CheckboxSelectMultiple, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    phone = forms.CharField(label=_("Mobile number"), max_length=40, required=False)

    def __init__(self, *args: Any, actor: Person, teams: Any, person: Person | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.person = person
        self.actor_is_admin = has_permission(actor, "organisation.manage")
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        self.fields["default_site"].queryset = Site.objects.for_org(actor.organisation_id).order_by("name")  # type: ignore[attr-defined,arg-type]
        self.fields["roles"].choices = _role_choices(self.actor_is_admin)  # type: ignore[attr-defined]
        if not self.actor_is_admin:
            self.fields["team"].required = True

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        taken = Person.objects.filter(email__iexact=email)
        if self.person is not None:
            taken = taken.exclude(pk=self.person.pk)
        if taken.exists():
            raise forms.ValidationError(_("Someone already has this e-mail address."))
        return email

    def clean_roles(self) -> list[str]:
        roles: list[str] = self.cleaned_data.get("roles") or []
        if not self.actor_is_admin:
            # A team leader keeps the person's other roles as they are.
            kept = [r for r in (self.person.roles if self.person else []) if r != Role.AGENT]
            return sorted({*kept, *roles})
        if self.person is not None and self.person.pk == self.actor.pk and Role.ORG_ADMIN not in roles:
            raise forms.ValidationError(_("You cannot take away your own admin role."))
        return roles


class InviteForm(PersonForm):
    pass


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    leader = forms.ModelChoiceField(label=_("Team leader"), queryset=Person.objects.none(), required=False)

    def __init__(self, *args: Any, organisation_id: int, team: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_id = organisation_id
        self.team = team
        self.fields["leader"].queryset = Person.objects.for_org(organisation_id).filter(is_active=True).order_by("full_name")  # type: ignore[attr-defined]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = Team.objects.for_org(self.organisation_id).filter(name__iexact=name)
        if self.team is not None:
            taken = taken.exclude(pk=self.team.pk)
        if taken.exists():
            raise forms.ValidationError(_("A team with this name exists already."))
        return name


class SiteForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=SiteKind.choices)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    seat_capacity = forms.IntegerField(label=_("Seats"), min_value=0, required=False)

    def __init__(self, *args: Any, organisation_id: int, site: Site | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_id = organisation_id
        self.site = site

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        taken = Site.objects.for_org(self.organisation_id).filter(name__iexact=name)
        if self.site is not None:
            taken = taken.exclude(pk=self.site.pk)
        if taken.exists():
            raise forms.ValidationError(_("A site with this name exists already."))
        return name




# The channels' names for the capacity fields (in this app's catalogue: the shared
# one lacks some of them).
CHANNEL_LABELS = {
    "phone": _("Phone"),
    "email": _("E-mail"),
    "chat": _("Chat"),
    "form": _("Web form"),
    "callback": _("Callback"),
}


class AgentForm(forms.Form):
    """An agent's routing settings (routing.AgentState): skills with levels, languages,
    queues, capacity per channel, softphone address."""

    skills = forms.CharField(
        label=_("Skills with levels"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line: skill = level from 1 to 10, e.g. “bygglov = 7”."),
    )  # fmt: skip
    languages = forms.MultipleChoiceField(label=_("Languages spoken"), choices=Language.choices, required=False, widget=forms.CheckboxSelectMultiple)
    queues = forms.MultipleChoiceField(label=_("Queues"), required=False, widget=forms.CheckboxSelectMultiple)
    endpoint_sip = forms.CharField(label=_("Softphone address"), max_length=200, required=False, help_text=_("For example sip:anna@pbx.example.org"))

    def __init__(self, *args: Any, queues: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queues"].choices = [(str(q.pk), q.name) for q in queues]  # type: ignore[attr-defined]
        for channel in list(Channel):
            self.fields[f"capacity_{channel.value}"] = forms.IntegerField(
                label=CHANNEL_LABELS.get(channel.value, channel.label), min_value=0, max_value=20, required=False
            )

    def capacity_fields(self) -> list[Any]:
        return [self[f"capacity_{c.value}"] for c in Channel]

    def clean_skills(self) -> dict[str, int]:
        return parse_skills(self.cleaned_data.get("skills") or "", separator="\n")

    def clean_endpoint_sip(self) -> str:
        value: str = (self.cleaned_data.get("endpoint_sip") or "").strip()
        if value and not value.lower().startswith(("sip:", "sips:")):
            raise forms.ValidationError(_("A softphone address begins with sip: or sips:."))
        return value

    def capacity(self) -> dict[str, int]:
        return {
            c.value: self.cleaned_data[f"capacity_{c.value}"]
            for c in Channel
            if self.cleaned_data.get(f"capacity_{c.value}") is not None
        }


def parse_skills(text: str, separator: str) -> dict[str, int]:
    """``"bygglov = 7"`` pieces → {"bygglov": 7}; a bad piece raises a translated error."""
    skills: dict[str, int] = {}
    for piece in text.split(separator):
        piece = piece.strip()
        if not piece:
            continue
        name, _sep, level = piece.partition("=")
        name = name.strip()
        try:
            number = int(level.strip()) if level.strip() else 5
        except ValueError:
            raise forms.ValidationError(
                _("“%(piece)s”: the level must be a whole number from 1 to 10."), params={"piece": piece}
            ) from None
        if not name or not 1 <= number <= 10 or len(name) > 64:
            raise forms.ValidationError(
                _("“%(piece)s”: write a skill name and a level from 1 to 10."), params={"piece": piece}
            )
        skills[name] = number
    return skills


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"), allow_empty_file=True)  # "empty" is said by the import


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    scopes = forms.MultipleChoiceField(label=_("What the key may do"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [(s, PERMISSIONS[s].label) for s in SCOPES]  # type: ignore[attr-defined]


class WebhookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.URLField(label=_("Address (https)"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(label=_("Events"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        from django.conf import settings

        relaxed = settings.DEBUG or getattr(settings, "DISTANS_WEBHOOKS_ALLOW_HTTP", False)
        if not url.startswith("https://") and not relaxed:
            raise forms.ValidationError(_("Use an https:// address."))
        if not relaxed and _is_internal_host(urlsplit(url).hostname or ""):
            raise forms.ValidationError(_("Use the address of a system outside this server's own network."))
        return url


def _is_internal_host(host: str) -> bool:
    """A name or address literal that points inside (loopback, private, link-local)."""
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local or address.is_reserved


class DataSubjectForm(forms.Form):
    """Who a data subject is: any of an e-mail address, a phone number or a personal
    identity number (personnummer, fødselsnummer)."""

    email = forms.EmailField(label=_("E-mail address"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone number"), required=False, max_length=40)
    identity_number = forms.CharField(
        label=_("Personal identity number"),
        required=False,
        max_length=20,
        help_text=_("Swedish personnummer or Norwegian fødselsnummer, with or without separators."),
    )

    def clean_phone(self) -> str:
        import re

        phone: str = self.cleaned_data["phone"].strip()
        if phone and (len(re.sub(r"\D", "", phone)) < 6 or re.search(r"[^\d\s()+./-]", phone)):
            raise forms.ValidationError(_("Give a phone number of at least six digits."))
        return phone

    def clean_identity_number(self) -> str:
        import re

        number: str = self.cleaned_data["identity_number"].strip()
        if number and (len(re.sub(r"\D", "", number)) not in (10, 11, 12) or re.search(r"[^\d\s+-]", number)):
            raise forms.ValidationError(_("Give ten or twelve digits (personnummer) or eleven (fødselsnummer)."))
        return number

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not any(cleaned.get(k) for k in ("email", "phone", "identity_number")):
            raise forms.ValidationError(_("Give an e-mail address, a phone number or a personal identity number."))
        return cleaned

    def criteria(self) -> dict[str, str]:
        return {k: self.cleaned_data.get(k) or "" for k in ("email", "phone", "identity_number")}


class EraseDataSubjectForm(DataSubjectForm):
    """The erasure: the cases shown when the admin decided, and the word typed."""

    cases = forms.CharField(widget=forms.HiddenInput)
    confirmation = forms.CharField(label=_("Type the word to confirm"), max_length=40)

    @staticmethod
    def word() -> str:
        return str(_("ERASE"))

    def clean_cases(self) -> list[int]:
        try:
            return [int(pk) for pk in self.cleaned_data["cases"].split(",") if pk]
        except ValueError:
            raise forms.ValidationError(_("The list of cases is damaged; search again.")) from None

    def clean_confirmation(self) -> str:
        typed: str = self.cleaned_data["confirmation"].strip()
        if typed.casefold() != self.word().casefold():
            raise forms.ValidationError(_("Type %(word)s to erase.") % {"word": self.word()})
        return typed
