from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from distans.topics.models import Topic


class TopicForm(forms.ModelForm):
    keywords_text = forms.CharField(
        label=_("Keywords"),
        required=False,
        help_text=_("Separate with commas; used before any contact is registered."),
    )

    class Meta:
        model = Topic
        fields = ["code", "name", "parent", "active", "ordering"]

    def __init__(self, *args: Any, organisation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        queryset = Topic.objects.for_org(organisation)
        if self.instance.pk:
            queryset = queryset.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = queryset  # type: ignore[attr-defined]
        self.fields["keywords_text"].initial = ", ".join(self.instance.keywords or [])
        self.organisation = organisation

    def clean_code(self) -> str:
        code = str(self.cleaned_data["code"])
        clash = (
            Topic.objects.for_org(self.organisation).filter(code=code).exclude(pk=self.instance.pk)
        )
        if clash.exists():
            raise forms.ValidationError(_("Another topic has this code."))
        return code

    def keywords(self) -> list[str]:
        return [
            k.strip() for k in self.cleaned_data.get("keywords_text", "").split(",") if k.strip()
        ]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
