"""Forms of the visits app: the visitor's details, staff's day tools, and the
settings pages (services, visitor log, meeting links)."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from distans.accounts.models import Person, Site
from distans.routing.models import Queue
from distans.visits.choices import MeetingMode
from distans.visits.models import VisitService, VisitSettings

_PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")


class VisitorForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(label=_("Your e-mail"), max_length=254)
    phone = forms.CharField(
        label=_("Mobile phone (for a reminder by SMS, optional)"), max_length=32, required=False
    )
    digital = forms.TypedChoiceField(
        label=_("How do you want to meet?"),
        choices=[("0", _("At the office")), ("1", _("Digital meeting (video link)"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="0",
        required=False,
    )
    consent = forms.BooleanField(
        label=_(
            "I agree that my name, e-mail and phone number are kept until the visit has taken place and then deleted."
        ),
    )

    def __init__(self, *args: Any, meeting_mode: str = MeetingMode.SITE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if meeting_mode != MeetingMode.CHOICE:
            del self.fields["digital"]
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs.update(autocomplete="tel", inputmode="tel")

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Please write your name."))
        return name

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        if phone and not _PHONE.match(phone):
            raise forms.ValidationError(
                _("Write the number with digits only, e.g. +46 70 123 45 67.")
            )
        return re.sub(r"[ ()-]", "", phone)


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CloseDayForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())
    day = forms.DateField(label=_("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label=_("Reason (told to the visitors)"), max_length=300, required=False
    )
    confirm = forms.BooleanField(
        label=_("Yes, cancel every booked visit on this day and tell the visitors")
    )

    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "site").queryset = Site.objects.for_org(organisation_id).order_by("name")


def _choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


class PersonChoices(forms.ModelMultipleChoiceField):
    """People by their names (a person's text is their e-mail address)."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.full_name)


class VisitServiceForm(forms.ModelForm[VisitService]):
    staff = PersonChoices(
        queryset=Person.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=VisitService._meta.get_field("staff").verbose_name,
        help_text=VisitService._meta.get_field("staff").help_text,
    )

    class Meta:
        model = VisitService
        fields = [
            "name", "name_nb", "name_en", "description", "site", "hours_queue",
            "duration_minutes", "buffer_minutes", "min_notice_hours", "horizon_days",
            "capacity_per_slot", "capacity_per_day", "staff", "meeting_mode",
            "reminder_hours", "active",
        ]  # fmt: skip
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organisation_id = organisation_id
        _choices(self, "site").queryset = Site.objects.for_org(organisation_id).order_by("name")
        _choices(self, "hours_queue").queryset = Queue.objects.for_org(organisation_id).order_by(
            "name"
        )
        staff = _choices(self, "staff")
        staff.queryset = (
            Person.objects.for_org(organisation_id).filter(is_active=True).order_by("full_name")
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        from distans.core.errors import InvalidInput
        from distans.core.visits import ServiceRules

        try:
            ServiceRules(
                duration_minutes=cleaned.get("duration_minutes") or 0,
                buffer_minutes=cleaned.get("buffer_minutes") or 0,
                min_notice_minutes=(cleaned.get("min_notice_hours") or 0) * 60,
                horizon_days=cleaned.get("horizon_days") or 0,
                capacity_per_slot=cleaned.get("capacity_per_slot") or 0,
                capacity_per_day=cleaned.get("capacity_per_day"),
            )
        except InvalidInput:
            raise forms.ValidationError(
                _(
                    "Check the numbers: a visit lasts 5 minutes to 8 hours, the buffer at most 4 hours, the horizon at most 366 days, and a slot and a day take at least one visitor."
                )
            ) from None
        name = cleaned.get("name")
        if (
            name
            and VisitService.objects.for_org(self.organisation_id)
            .filter(name=name)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error("name", _("Another service already has this name."))
        return cleaned

    def validate_unique(self) -> None:
        # The organisation is set by the action; the name's uniqueness is checked in clean().
        return None


class VisitSettingsForm(forms.ModelForm[VisitSettings]):
    class Meta:
        model = VisitSettings
        fields = ["keep_days", "meeting_pattern", "sms_reminders", "booking_only"]

    def clean_keep_days(self) -> int:
        days: int = self.cleaned_data["keep_days"]
        if not 1 <= days <= 3650:
            raise forms.ValidationError(_("Keep the log 1 to 3650 days."))
        return days

    def clean_meeting_pattern(self) -> str:
        pattern: str = self.cleaned_data["meeting_pattern"].strip()
        if not pattern.startswith("https://") or "{token}" not in pattern:
            raise forms.ValidationError(
                _(
                    "The link must start with https:// and contain {token}, e.g. https://meet.jit.si/{org}-{token}."
                )
            )
        try:
            pattern.format(**{"org": "org", "token": "t0"})
        except (KeyError, IndexError, ValueError):
            raise forms.ValidationError(
                _("Only {org} and {token} may be used in braces.")
            ) from None
        return pattern

    def validate_unique(self) -> None:
        return None
