from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from distans.accounts.choices import Role
from distans.announcements.choices import AudienceKind
from distans.announcements.models import Announcement

FIELDS = [
    "title_sv", "body_sv", "title_nb", "body_nb", "title_en", "body_en",
    "priority", "blocks_available", "audience_kind", "valid_from", "valid_until",
    "send_at", "by_email", "to_chat", "remind_after_hours", "escalate_after_hours",
]  # fmt: skip

LOCAL = {"type": "datetime-local"}


class AnnouncementForm(forms.ModelForm):  # type: ignore[type-arg]
    teams = forms.MultipleChoiceField(label=_("Teams"), required=False)
    sites = forms.MultipleChoiceField(label=_("Sites"), required=False)
    roles = forms.MultipleChoiceField(label=_("Roles"), required=False, choices=Role.choices)
    skills = forms.MultipleChoiceField(label=_("Skills"), required=False)
    queues = forms.MultipleChoiceField(label=_("Queues"), required=False)
    article_ids = forms.MultipleChoiceField(label=_("Knowledge articles"), required=False)
    ask_new_ack = forms.BooleanField(
        label=_("Ask everyone to acknowledge the changed text again"), required=False
    )

    class Meta:
        model = Announcement
        fields = FIELDS
        widgets = {
            "body_sv": forms.Textarea(attrs={"rows": 6}),
            "body_nb": forms.Textarea(attrs={"rows": 4}),
            "body_en": forms.Textarea(attrs={"rows": 4}),
            "valid_from": forms.DateTimeInput(attrs=LOCAL, format="%Y-%m-%dT%H:%M"),
            "valid_until": forms.DateTimeInput(attrs=LOCAL, format="%Y-%m-%dT%H:%M"),
            "send_at": forms.DateTimeInput(attrs=LOCAL, format="%Y-%m-%dT%H:%M"),
        }
        help_texts = {"body_sv": _("Markdown: **bold**, *italic*, lists with -, links.")}

    def __init__(self, *args: Any, organisation_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from distans.accounts.models import Site, Team
        from distans.desk.models import Article
        from distans.routing.models import AgentState, Queue

        self.organisation_id = organisation_id
        self.fields["teams"].choices = [
            (str(t.pk), t.name) for t in Team.objects.for_org(organisation_id).order_by("name")
        ]
        self.fields["sites"].choices = [
            (str(s.pk), s.name) for s in Site.objects.for_org(organisation_id).order_by("name")
        ]
        self.fields["queues"].choices = [
            (str(q.pk), q.name) for q in Queue.objects.for_org(organisation_id).order_by("name")
        ]
        skills = sorted(
            {
                k
                for row in AgentState.objects.for_org(organisation_id).values_list(
                    "skills", flat=True
                )
                for k in (row or {})
            }
        )
        self.fields["skills"].choices = [(s, s) for s in skills]
        self.fields["article_ids"].choices = [
            (str(a.pk), a.title) for a in Article.objects.for_org(organisation_id).order_by("title")
        ]
        for name in ("valid_from", "valid_until", "send_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        instance = self.instance
        if instance.pk:
            key = {AudienceKind.TEAMS: "teams", AudienceKind.SITES: "sites", AudienceKind.ROLES: "roles",
                   AudienceKind.SKILLS: "skills", AudienceKind.QUEUES: "queues"}.get(instance.audience_kind)  # fmt: skip
            if key:
                self.initial[key] = [str(v) for v in instance.audience_values]
            self.initial["article_ids"] = [
                str(pk) for pk in instance.articles.values_list("pk", flat=True)
            ]
        if not (instance.pk and instance.sent_at):
            del self.fields["ask_new_ack"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("audience_kind")
        key = {AudienceKind.TEAMS: "teams", AudienceKind.SITES: "sites", AudienceKind.ROLES: "roles",
               AudienceKind.SKILLS: "skills", AudienceKind.QUEUES: "queues"}.get(kind)  # fmt: skip
        data["audience_values"] = list(data.get(key) or []) if key else []
        if key and not data["audience_values"]:
            self.add_error(key, _("Choose at least one for this audience."))
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end <= start:
            self.add_error("valid_until", _("The end of validity must come after its start."))
        return data

    def saved_fields(self) -> dict[str, Any]:
        fields = {name: self.cleaned_data[name] for name in FIELDS}
        fields["audience_values"] = self.cleaned_data["audience_values"]
        return fields

    def chosen_articles(self) -> list[Any]:
        from distans.desk.models import Article

        ids = [int(v) for v in self.cleaned_data.get("article_ids") or []]
        return list(Article.objects.for_org(self.organisation_id).filter(pk__in=ids))


class PhaseForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        from distans.announcements.models import Phase

        model = Phase
        fields = ["name", "starts_on", "ends_on", "review_on", "rules"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "review_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "rules": forms.Textarea(attrs={"rows": 5}),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("ends_on") and data.get("starts_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("A phase cannot end before it starts."))
        return data


class NewsletterSettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        from distans.announcements.models import NewsletterSettings

        model = NewsletterSettings
        fields = ["weekly", "weekday", "hour"]
        widgets = {"hour": forms.NumberInput(attrs={"min": 0, "max": 23})}
