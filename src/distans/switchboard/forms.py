from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distans.switchboard.choices import AwayKind, MessageVia


class MessageForm(forms.Form):
    caller_name = forms.CharField(label=_("Caller's name"), max_length=200, required=False)
    caller_number = forms.CharField(label=_("Number to call back"), max_length=40, required=False)
    text = forms.CharField(
        label=_("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    via = forms.ChoiceField(
        label=_("Forward by"), choices=MessageVia.choices, initial=MessageVia.EMAIL
    )
    call_back = forms.BooleanField(label=_("Wants to be called back"), required=False, initial=True)


class AwayForm(forms.Form):
    kind = forms.ChoiceField(label=_("Where are you?"), choices=AwayKind.choices)
    until_date = forms.DateField(
        label=_("Back on (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until_time = forms.TimeField(
        label=_("Back at (time)"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    note = forms.CharField(label=_("Note for the switchboard"), max_length=200, required=False)

    def until(self) -> dt.datetime | None:
        day = self.cleaned_data.get("until_date")
        time = self.cleaned_data.get("until_time")
        if day is None and time is None:
            return None
        day = day or timezone.localdate()
        return timezone.make_aware(dt.datetime.combine(day, time or dt.time(0)))


class CalendarForm(forms.Form):
    calendar_url = forms.URLField(
        label=_("Calendar feed address (ICS)"),
        max_length=500,
        required=False,
        assume_scheme="https",
    )


class CsvImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class LdapForm(forms.Form):
    ldap_url = forms.CharField(
        label=_("Server address"),
        max_length=300,
        required=False,
        help_text=_("For example ldaps://ad.kommun.se:636"),
    )
    bind_dn = forms.CharField(label=_("Bind DN"), max_length=300, required=False)
    bind_password = forms.CharField(
        label=_("Bind password"),
        max_length=300,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to keep the stored password."),
    )
    base_dn = forms.CharField(label=_("Search base"), max_length=300, required=False)
    user_filter = forms.CharField(label=_("Filter"), max_length=300, required=False)
