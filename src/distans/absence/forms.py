from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from distans.absence.choices import AbsenceKind, ReadinessItem, ReadinessStatus


class AbsenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AbsenceKind.choices)
    first_day = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(
        label=_("Last day (if known)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)
    person = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReadinessForm(forms.Form):
    item = forms.ChoiceField(label=_("Item"), choices=ReadinessItem.choices)
    status = forms.ChoiceField(label=_("Status"), choices=ReadinessStatus.choices)
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)


class ProblemForm(forms.Form):
    item = forms.ChoiceField(
        label=_("Concerns"),
        choices=[("", _("Something else"))] + list(ReadinessItem.choices),
        required=False,
    )
    description = forms.CharField(
        label=_("What does not work?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SwapForm(forms.Form):
    shift = forms.IntegerField(label=_("My shift"))
    return_shift = forms.IntegerField(label=_("Their shift in return"), required=False)
    colleague = forms.IntegerField(label=_("Colleague"), required=False)
    note = forms.CharField(label=_("Note (optional)"), max_length=200, required=False)


class DecideForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    reason = forms.CharField(label=_("Reason (when rejecting)"), max_length=500, required=False)


class ResolveForm(forms.Form):
    answer = forms.CharField(label=_("Answer to the person"), max_length=500, required=False)
