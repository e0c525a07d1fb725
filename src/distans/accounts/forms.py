from __future__ import annotations

from email.message import EmailMessage
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader
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
        remote = self.request.META.get("REMOTE_ADDR", "") if self.request else ""
        address_wait = queries.seconds_until_address_unlocked(remote)
        if address_wait:  # checked before the password is hashed
            minutes = max(1, (address_wait + 59) // 60)
            raise forms.ValidationError(
                ngettext(
                    "Too many failed logins from your network address. Try again in %(minutes)d minute.",
                    "Too many failed logins from your network address. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
                code="address_locked",
            )
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
                actions.do_record_login_failure(email, remote)
            raise
        actions.do_clear_login_failures(email)
        return cleaned


class LimitedPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending at most DISTANS_PASSWORD_RESETS_PER_EMAIL mails an
    hour to one address and DISTANS_PASSWORD_RESETS_PER_ADDRESS for one client address
    (else anyone could mail-bomb staff through the form). Over the limit the page
    answers as always (no enumeration) and sends nothing."""

    def save(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        from distans.web import ratelimit

        email = self.cleaned_data["email"].strip().lower()
        remote = request.META.get("REMOTE_ADDR", "") if request is not None else ""
        hour = 3600
        if not ratelimit.allow("reset-ip", remote, (settings.DISTANS_PASSWORD_RESETS_PER_ADDRESS, hour)):
            return
        if not ratelimit.allow("reset-email", email, (settings.DISTANS_PASSWORD_RESETS_PER_EMAIL, hour)):
            return
        super().save(*args, request=request, **kwargs)


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)


class OutboxPasswordResetForm(LimitedPasswordResetForm):
    """Django's reset form, but the mail goes into the outbox (channels_email) instead
    of being sent inside the request: the answer takes the same time whether or not
    the address has an account, and the outbox records whether the link went out
    (``outbox.system_mail_failing`` tells the done page, for every address alike)."""

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        from distans.channels_email.models import OutgoingPurpose
        from distans.channels_email.outbox import queue_mail

        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        message = EmailMessage()
        message["From"] = from_email or settings.DEFAULT_FROM_EMAIL
        message["To"] = to_email
        message["Subject"] = subject
        message.set_content(loader.render_to_string(email_template_name, context))
        queue_mail(context["user"].organisation_id, message, purpose=OutgoingPurpose.ACCOUNT)
