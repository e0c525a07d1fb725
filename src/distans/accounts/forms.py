from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from distans.accounts import actions, queries
from distans.accounts.choices import Language


class LoginForm(AuthenticationForm):
    """Django's login form with lockout after repeated failures."""

    username = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean(self) -> dict[str, Any]:
        email = (self.cleaned_data.get("username") or "").lower()
        if email:
            wait_seconds = queries.seconds_until_unlocked(email)
            if wait_seconds:
                minutes = max(1, (wait_seconds + 59) // 60)
                raise forms.ValidationError(
                    ngettext(
                        "Too many failed logins. Try again in %(minutes)d minute.",
                        "Too many failed logins. Try again in %(minutes)d minutes.",
                        minutes,
                    )
                    % {"minutes": minutes},
                    code="locked",
                )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if email:
                remote = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
                actions.do_record_login_failure(email, remote)
            raise
        actions.do_clear_login_failures(email)
        return cleaned


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
