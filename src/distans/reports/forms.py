from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from distans.core.reports.records import DIMENSIONS

GRANULARITIES = [("interval", _("15 minutes")), ("hour", _("Hour")), ("day", _("Day")), ("week", _("Week")),
                 ("month", _("Month"))]  # fmt: skip
DIMENSION_LABELS = {"queue": _("Queue"), "channel": _("Channel"), "topic": _("Topic"), "team": _("Team"),
                    "agent": _("Agent"), "location": _("Location")}  # fmt: skip
MAX_DAYS = 400


class ReportForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    by = forms.ChoiceField(label=_("Period"), choices=GRANULARITIES, initial="day")
    group = forms.ChoiceField(
        label=_("Group by"),
        required=False,
        choices=[("", _("Nothing"))] + [(d, DIMENSION_LABELS[d]) for d in DIMENSIONS],
    )

    def __init__(self, data: Any, choices: dict[str, list[tuple[str, str]]]) -> None:
        today = timezone.localdate()
        defaults = {
            "start": (today - timedelta(days=6)).isoformat(),
            "end": today.isoformat(),
            "by": "day",
        }
        merged = {**defaults, **{k: v for k, v in data.items() if v not in ("", None)}}
        super().__init__(merged)
        self.dimension_filters = {}
        for dimension in DIMENSIONS:
            self.fields[f"f_{dimension}"] = forms.MultipleChoiceField(
                label=DIMENSION_LABELS[dimension],
                required=False,
                choices=choices.get(dimension, []),
            )
            self.data = self.data.copy() if hasattr(self.data, "copy") else dict(self.data)
            if hasattr(data, "getlist"):
                self.data[f"f_{dimension}"] = data.getlist(f"f_{dimension}")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start: date | None = cleaned.get("start")
        end: date | None = cleaned.get("end")
        if start and end:
            if end < start:
                raise forms.ValidationError(_("The end date is before the start date."))
            if (end - start).days > MAX_DAYS:
                raise forms.ValidationError(_("Choose at most %(days)s days.") % {"days": MAX_DAYS})
        return cleaned

    def filters(self) -> dict[str, set[str]]:
        return {
            d: set(self.cleaned_data.get(f"f_{d}") or [])
            for d in DIMENSIONS
            if self.cleaned_data.get(f"f_{d}")
        }
