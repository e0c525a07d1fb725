from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from distans.planning.demand import PlanInputs


class PlanInputsForm(forms.Form):
    """The queue's planning settings; the same form drives the what-if chart."""

    service_level_percent = forms.FloatField(
        label=_("Service level target (%)"), min_value=1, max_value=99
    )
    answer_within_seconds = forms.IntegerField(
        label=_("Answered within (seconds)"), min_value=1, max_value=3600
    )
    aht_seconds = forms.IntegerField(
        label=_("Average handle time (seconds)"), min_value=1, max_value=36000
    )
    shrinkage_percent = forms.FloatField(label=_("Shrinkage (%)"), min_value=0, max_value=90)
    patience_seconds = forms.IntegerField(
        label=_("Average patience (seconds, optional: Erlang A)"),
        min_value=1,
        max_value=36000,
        required=False,
    )
    uplift_percent = forms.FloatField(
        label=_("Uplift (%, e.g. 40 for +40 %)"), min_value=-100, max_value=1000
    )
    uplift_from = forms.DateField(
        label=_("Uplift from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    uplift_until = forms.DateField(
        label=_("Uplift until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    uplift_note = forms.CharField(label=_("Uplift note"), max_length=200, required=False)

    @staticmethod
    def initial_from(inputs: PlanInputs) -> dict[str, object]:
        return {
            "service_level_percent": round(inputs.service_level * 100, 1),
            "answer_within_seconds": round(inputs.answer_within_seconds),
            "aht_seconds": round(inputs.aht_seconds),
            "shrinkage_percent": round(inputs.shrinkage * 100, 1),
            "patience_seconds": round(inputs.patience_seconds) if inputs.patience_seconds else None,
            "uplift_percent": round((inputs.uplift_factor - 1) * 100, 1),
            "uplift_from": inputs.uplift_from,
            "uplift_until": inputs.uplift_until,
            "uplift_note": inputs.uplift_note,
        }

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        first, last = data.get("uplift_from"), data.get("uplift_until")
        if isinstance(first, dt.date) and isinstance(last, dt.date) and last < first:
            raise forms.ValidationError(_("The uplift must end on or after its first day."))
        return data

    def inputs(self) -> PlanInputs:
        data = self.cleaned_data
        return PlanInputs(
            service_level=data["service_level_percent"] / 100,
            answer_within_seconds=data["answer_within_seconds"],
            aht_seconds=data["aht_seconds"],
            shrinkage=data["shrinkage_percent"] / 100,
            patience_seconds=data.get("patience_seconds"),
            uplift_factor=1 + data["uplift_percent"] / 100,
            uplift_from=data.get("uplift_from"),
            uplift_until=data.get("uplift_until"),
            uplift_note=data.get("uplift_note") or "",
        )


class GenerateForm(forms.Form):
    week_start = forms.DateField(
        label=_("Week starting"), widget=forms.DateInput(attrs={"type": "date"})
    )
