"""The embeddable web form: name, e-mail or phone, topic, message, one attachment, a
honeypot and a signed start time."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core import signing
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from distans.channels_chat import limits

HONEYPOT_FIELD = "website"
# Allowed attachment types, recognised by their first bytes (the browser's claimed type
# and the file name are not trusted).
MAGIC = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
]
ALLOWED_EXTENSIONS = {".pdf", ".png", ".jpg", ".jpeg", ".gif", ".txt"}


def sniff_content_type(head: bytes) -> str | None:
    for magic, content_type in MAGIC:
        if head.startswith(magic):
            return content_type
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # a multi-byte character cut at the end is fine
                return None
        return "text/plain"
    return None


#: the web form's configurable fields and what each may be (ChatWidget.form_fields)
FORM_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("optional", "required", "hidden"),
    "phone": ("optional", "required", "hidden"),
    "attachment": ("optional", "hidden"),
}


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    topic = forms.ChoiceField(label=_("Topic"), required=False, choices=())
    message = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=limits.MESSAGE_MAX_CHARS * 5,
    )
    attachment = forms.FileField(
        label=_("Attachment (PDF, image or text, at most 5 MB)"), required=False
    )
    website = forms.CharField(label=_("Leave this field empty"), required=False)
    started = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, topics: list[str] | None = None, fields: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, choice in (fields or {}).items():
            if name not in FORM_FIELDS or choice not in FORM_FIELDS[name]:
                continue
            if choice == "hidden":
                del self.fields[name]
            elif choice == "required":
                self.fields[name].required = True
        if "phone" not in self.fields:  # the answer goes by e-mail then
            self.fields["email"].required = True
        topic_field = self.fields["topic"]
        assert isinstance(topic_field, forms.ChoiceField)
        if topics:
            topic_field.choices = [("", _("Choose a topic"))] + [(t, t) for t in topics]
            topic_field.required = True
        else:
            del self.fields["topic"]
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        for name, autocomplete in (("email", "email"), ("name", "name"), ("phone", "tel")):
            if name in self.fields:
                self.fields[name].widget.attrs.update({"autocomplete": autocomplete})
        if not self.is_bound:
            self.initial["started"] = signing.dumps("form", salt="distans-chat-form")

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get(HONEYPOT_FIELD))

    def clean_phone(self) -> str:
        phone = str(self.cleaned_data.get("phone", "")).strip()
        if phone and not all(c.isdigit() or c in "+ -()" for c in phone):
            raise forms.ValidationError(_("A phone number has only digits, spaces and + - ( )."))
        return phone

    def clean_attachment(self) -> UploadedFile | None:
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        if upload.size is not None and upload.size > limits.ATTACHMENT_MAX_BYTES:
            raise forms.ValidationError(_("The attachment is larger than 5 MB."))
        name = (upload.name or "").lower()
        extension = name[name.rfind(".") :] if "." in name else ""
        head = upload.read(2048)
        upload.seek(0)
        content_type = sniff_content_type(head) if head else None
        if extension not in ALLOWED_EXTENSIONS or content_type is None:
            raise forms.ValidationError(
                _("The attachment must be a PDF, an image (PNG, JPEG, GIF) or a text file.")
            )
        if (extension == ".txt") != (content_type == "text/plain"):
            raise forms.ValidationError(_("The attachment's content does not match its file name."))
        upload.content_type = content_type
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("email") and not data.get("phone") and not self.errors.get("email"):
            raise forms.ValidationError(
                _("Give an e-mail address or a phone number so we can answer.")
            )
        try:
            signing.loads(str(data.get("started", "")), salt="distans-chat-form", max_age=24 * 3600)
        except signing.BadSignature as exc:
            raise forms.ValidationError(_("The form has expired. Send it again.")) from exc
        return data
