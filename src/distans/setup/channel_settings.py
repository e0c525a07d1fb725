"""Channel settings: chat widgets (with their web form), mailboxes, phone lines.

Writes here follow actions.py's rules (audited, validated before anything is
stored); secrets (mailbox passwords) are encrypted at rest by the model field
(accounts/fields.py), appear in the audit log only as "changed", and are never sent
back to the browser: an empty password field keeps the saved one.
"""

from __future__ import annotations

import imaplib
import re
import smtplib
import ssl
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from distans.accounts.models import Organisation
from distans.channels_chat.models import ChatWidget
from distans.channels_chat.queries import normalise_origin
from distans.channels_email.models import Mailbox
from distans.routing.models import Queue
from distans.setup.settings_data import TEXT_LANGUAGES
from distans.telephony.models import Line

SECRET_FIELDS = ("imap_password", "smtp_password")


def queues_taking(organisation: Organisation, *channels: str) -> Any:
    """The organisation's queues that take one of ``channels`` (a queue that names no
    channels takes them all): the choices of a channel's queue field."""
    pks = [
        q.pk
        for q in Queue.objects.for_org(organisation)
        if not q.channels or any(channel in q.channels for channel in channels)
    ]
    return Queue.objects.for_org(organisation).filter(pk__in=pks).order_by("name")


def contrast_with_white(colour: str) -> float:
    """WCAG 2.1 contrast ratio of white text on ``#rrggbb``."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)
    return 1.05 / (luminance + 0.05)


FIELD_CHOICES = [
    ("optional", gettext_lazy("shown, optional")),
    ("required", gettext_lazy("shown, required")),
    ("hidden", gettext_lazy("not shown")),
]


class WidgetForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    queue = forms.ModelChoiceField(label=gettext_lazy("Queue"), queryset=Queue.objects.none())
    allowed_origins = forms.CharField(
        label=gettext_lazy("Allowed websites"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One address a line, e.g. https://www.example.se. The widget works only there."),
    )
    colour = forms.CharField(
        label=gettext_lazy("Colour"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text=gettext_lazy("Background of the button and header, with white text on it."),
    )
    topics = forms.CharField(
        label=gettext_lazy("Topics of the web form"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("One a line: the choices people pick from in the form."),
    )
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    form_name = forms.ChoiceField(label=gettext_lazy("Web form: name"), choices=FIELD_CHOICES, initial="optional", required=False)
    form_phone = forms.ChoiceField(
        label=gettext_lazy("Web form: phone number"), choices=FIELD_CHOICES, initial="optional", required=False,
        help_text=gettext_lazy("Without a phone number field the e-mail address is required."),
    )  # fmt: skip
    form_attachment = forms.ChoiceField(
        label=gettext_lazy("Web form: attachment"), choices=FIELD_CHOICES[::2], initial="optional", required=False
    )

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["queue"].queryset = queues_taking(organisation, "chat", "form")  # type: ignore[attr-defined]
        names = {
            "sv": pgettext("language in a label", "Swedish"),
            "nb": pgettext("language in a label", "Norwegian"),
            "en": pgettext("language in a label", "English"),
        }
        for language in TEXT_LANGUAGES:
            self.fields[f"greeting_{language}"] = forms.CharField(
                label=_("Greeting (%(language)s)") % {"language": names[language]}, required=False, max_length=500
            )
        for language in TEXT_LANGUAGES:
            self.fields[f"confirmation_{language}"] = forms.CharField(
                label=_("Confirmation after the web form (%(language)s)") % {"language": names[language]},
                required=False,
                max_length=500,
            )

    def clean_allowed_origins(self) -> list[str]:
        origins = []
        for line in (self.cleaned_data.get("allowed_origins") or "").splitlines():
            if not line.strip():
                continue
            origin = normalise_origin(line.strip())
            if not re.fullmatch(r"https?://[A-Za-z0-9.\-]+(:\d+)?", origin or ""):
                raise ValidationError(_("“%(text)s” is not a website address such as https://www.example.se.") % {"text": line.strip()})
            origins.append(origin)
        return sorted(set(origins))

    def clean_colour(self) -> str:
        colour = (self.cleaned_data.get("colour") or "").strip().lower()
        if not colour:
            return ""
        if not re.fullmatch(r"#[0-9a-f]{6}", colour):
            raise ValidationError(_("Give the colour as #rrggbb."))
        if contrast_with_white(colour) < 4.5:
            raise ValidationError(
                _("White text on %(colour)s has contrast %(ratio).1f:1; at least 4.5:1 is needed. Choose a darker colour.")
                % {"colour": colour, "ratio": contrast_with_white(colour)}
            )
        return colour

    def clean_topics(self) -> list[str]:
        return [t.strip() for t in (self.cleaned_data.get("topics") or "").splitlines() if t.strip()]

    def to_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "queue": data["queue"],
            "allowed_origins": data["allowed_origins"],
            "colour": data["colour"],
            "topics": data["topics"],
            "active": bool(data.get("active")),
            "greetings": {lang: data[f"greeting_{lang}"] for lang in TEXT_LANGUAGES if data.get(f"greeting_{lang}")},
            "form_confirmation": {
                lang: data[f"confirmation_{lang}"] for lang in TEXT_LANGUAGES if data.get(f"confirmation_{lang}")
            },
            # only what differs from the default (shown, optional)
            "form_fields": {
                name: data[f"form_{name}"] for name in ("name", "phone", "attachment")
                if data.get(f"form_{name}") not in (None, "", "optional")
            },
        }


def widget_initial(widget: ChatWidget | None) -> dict[str, Any]:
    if widget is None:
        return {"active": True}
    initial: dict[str, Any] = {
        "name": widget.name,
        "queue": widget.queue_id,
        "allowed_origins": "\n".join(widget.allowed_origins or []),
        "colour": widget.colour,
        "topics": "\n".join(widget.topics or []),
        "active": widget.active,
        **{f"form_{name}": (widget.form_fields or {}).get(name, "optional") for name in ("name", "phone", "attachment")},
    }
    for lang in TEXT_LANGUAGES:
        initial[f"greeting_{lang}"] = (widget.greetings or {}).get(lang, "")
        initial[f"confirmation_{lang}"] = (widget.form_confirmation or {}).get(lang, "")
    return initial


class MailboxForm(forms.ModelForm):
    class Meta:
        model = Mailbox
        fields = [
            "address", "queue", "active", "imap_host", "imap_port", "use_ssl", "imap_username",
            "imap_password", "folder", "smtp_host", "smtp_port", "smtp_use_tls", "smtp_username",
            "smtp_password", "from_name", "auto_acknowledge",
        ]  # fmt: skip
        widgets = {name: forms.PasswordInput(render_value=False) for name in SECRET_FIELDS}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organisation = organisation
        self.fields["queue"].queryset = queues_taking(organisation, "email")  # type: ignore[attr-defined]
        if self.instance.pk:
            for name in SECRET_FIELDS:
                self.fields[name].required = False
                self.fields[name].help_text = _("Saved. Leave empty to keep it; type a new one to replace it.")

    def _keep(self, name: str) -> str:
        """An empty password field keeps the saved password (never sent to the page)."""
        value = self.cleaned_data.get(name) or ""
        if not value and self.instance.pk:
            return str(getattr(Mailbox.objects.get(pk=self.instance.pk), name))
        return value

    def clean_imap_password(self) -> str:
        return self._keep("imap_password")

    def clean_smtp_password(self) -> str:
        return self._keep("smtp_password")


class LineForm(forms.ModelForm):
    class Meta:
        model = Line
        fields = ["number", "name", "queue"]
        labels = {"number": gettext_lazy("Phone number"), "name": gettext_lazy("Name"), "queue": gettext_lazy("Queue")}

    def __init__(self, *args: Any, organisation: Organisation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.organisation = organisation
        self.fields["queue"].queryset = queues_taking(organisation, "phone", "callback")  # type: ignore[attr-defined]
        self.fields["queue"].help_text = _("Calls to this number join this queue (choose the switchboard queue for the switchboard).")

    def clean_number(self) -> str:
        number = "".join((self.cleaned_data.get("number") or "").split())
        if not re.fullmatch(r"\+?\d{3,20}", number):
            raise ValidationError(_("A phone number has digits only, optionally starting with +."))
        clash = Line.all_objects.for_org(self.instance.organisation).filter(number=number).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("The number %(number)s is already in use.") % {"number": number})
        return number


def test_mailbox_connection(mailbox: Mailbox, timeout: float = 10.0) -> list[tuple[str, bool, str]]:
    """Log in to the mailbox's IMAP and SMTP servers (nothing fetched or sent).
    Returns (server, worked, translated message) for each."""
    results: list[tuple[str, bool, str]] = []
    try:
        client: Any
        if mailbox.use_ssl:
            client = imaplib.IMAP4_SSL(mailbox.imap_host, mailbox.imap_port, ssl_context=ssl.create_default_context(), timeout=timeout)
        else:
            client = imaplib.IMAP4(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
        try:
            client.login(mailbox.imap_username, mailbox.imap_password)
            status, _data = client.select(mailbox.folder, readonly=True)
            if status != "OK":
                raise imaplib.IMAP4.error(f"folder {mailbox.folder}")
        finally:
            try:
                client.logout()
            except Exception:  # noqa: S110 - the result is what counts
                pass
        results.append(("IMAP", True, _("Logged in and opened the folder.")))
    except imaplib.IMAP4.error:
        results.append(("IMAP", False, _("The server refused the user name, the password or the folder.")))
    except (TimeoutError, OSError, ssl.SSLError):
        results.append(("IMAP", False, _("Could not reach the server (address, port or TLS).")))
    if not mailbox.smtp_host:
        results.append(("SMTP", False, _("No SMTP server: replies cannot be sent.")))
        return results
    try:
        with smtplib.SMTP(mailbox.smtp_host, mailbox.smtp_port, timeout=timeout) as smtp:
            if mailbox.smtp_use_tls:
                smtp.starttls(context=ssl.create_default_context())
            if mailbox.smtp_username:
                smtp.login(mailbox.smtp_username, mailbox.smtp_password)
            smtp.noop()
        results.append(("SMTP", True, _("Connected and logged in.")))
    except smtplib.SMTPAuthenticationError:
        results.append(("SMTP", False, _("The server refused the user name or the password.")))
    except (TimeoutError, smtplib.SMTPException, OSError, ssl.SSLError):
        results.append(("SMTP", False, _("Could not reach the server (address, port or TLS).")))
    return results
