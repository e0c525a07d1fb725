"""The organisation's single sign-on provider, as its admin sets it on Settings →
Sign-in: the endpoints left empty are read from the issuer's discovery document."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from distans.accounts.choices import Role
from distans.sso.models import OrganisationProvider
from distans.sso.providers import MAPPABLE_ROLES

ENDPOINTS = {
    "authorization_endpoint": "authorization_endpoint",
    "token_endpoint": "token_endpoint",
    "userinfo_endpoint": "userinfo_endpoint",
    "jwks_endpoint": "jwks_uri",
}


def _role_words() -> dict[str, str]:
    """Role names as people write them (code or label in any of our languages)."""
    from django.utils import translation

    words: dict[str, str] = {}
    for code in MAPPABLE_ROLES:
        words[code.replace("_", " ")] = code
        words[code] = code
        for language in ("sv", "nb", "en"):
            with translation.override(language):
                words[str(dict(Role.choices)[code]).lower()] = code
    return words


class ProviderForm(forms.ModelForm):
    client_secret = forms.CharField(
        label=_("Client secret"), required=False, max_length=1024,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the saved one."),
    )  # fmt: skip
    role_lines = forms.CharField(
        label=_("Role mapping"), required=False, max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One a line: the group's value at the provider = a role (agent, team leader, supervisor or planner). Organisation admins are never made this way. Empty: roles are set in Distans only."),
    )  # fmt: skip

    class Meta:
        model = OrganisationProvider
        fields = [
            "enabled", "name", "issuer", "client_id", "client_secret", "allowed_domains",
            "role_claim", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_endpoint",
        ]  # fmt: skip
        widgets = {"allowed_domains": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "issuer": _("The provider's address, e.g. https://login.microsoftonline.com/<tenant>/v2.0 or https://keycloak.example/realms/<realm>."),
            "allowed_domains": _("One a line, e.g. kommun.se: people who type such an address at login are sent to this provider, and only such addresses may sign in through it."),
            "role_claim": _("The claim that carries groups or roles, e.g. groups or roles."),
            "authorization_endpoint": _("Leave the four endpoints empty to read them from the issuer."),
        }  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["role_lines"].initial = "\n".join(
                f"{k} = {v.replace('_', ' ')}" for k, v in (self.instance.role_map or {}).items()
            )
        else:
            self.fields["client_secret"].required = True

    def clean_allowed_domains(self) -> str:
        domains = [
            d.strip().lower().lstrip("@")
            for d in self.cleaned_data["allowed_domains"].split()
            if d.strip()
        ]
        for domain in domains:
            if "." not in domain or any(c in domain for c in "/:@ "):
                raise forms.ValidationError(
                    _("“%(domain)s” is not an e-mail domain (like kommun.se).") % {"domain": domain}
                )
        taken = OrganisationProvider.objects.exclude(
            organisation_id=self.instance.organisation_id
        ).exclude(allowed_domains="")
        for other in taken:
            clash = set(domains) & set(other.domains())
            if clash:
                raise forms.ValidationError(
                    _("%(domain)s is used by another organisation's sign-in.")
                    % {"domain": sorted(clash)[0]}
                )
        return "\n".join(domains)

    def clean_role_lines(self) -> dict[str, str]:
        words = _role_words()
        mapping: dict[str, str] = {}
        for number, line in enumerate(self.cleaned_data["role_lines"].splitlines(), start=1):
            if not line.strip():
                continue
            value, sep, role = line.rpartition("=")
            role_code = words.get(role.strip().lower())
            if not sep or not value.strip() or role_code is None:
                raise forms.ValidationError(
                    _(
                        "Line %(line)s: write “group = role”, the role one of agent, team leader, supervisor, planner."
                    )
                    % {"line": number}
                )
            mapping[value.strip()] = role_code
        return mapping

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        issuer = data.get("issuer")
        if issuer and not self.errors and not all(data.get(f) for f in ENDPOINTS):
            discovered = _discover(issuer)
            if discovered is None:
                raise forms.ValidationError(
                    _(
                        "The provider's settings could not be read from %(url)s. Check the issuer, or fill in the four endpoints."
                    )
                    % {"url": issuer.rstrip("/") + "/.well-known/openid-configuration"}
                )
            for name, key in ENDPOINTS.items():
                if not data.get(name):
                    data[name] = discovered.get(key, "")
            if not all(data.get(f) for f in ENDPOINTS):
                raise forms.ValidationError(
                    _("The provider does not name all four endpoints; fill in the missing ones.")
                )
        return data

    def save(self, commit: bool = True) -> OrganisationProvider:
        provider: OrganisationProvider = super().save(commit=False)
        for name in ENDPOINTS:
            setattr(provider, name, self.cleaned_data[name])
        provider.role_map = self.cleaned_data.get("role_lines") or {}
        if commit:
            provider.save()
        return provider


def _discover(issuer: str) -> dict[str, Any] | None:
    import httpx

    try:
        response = httpx.get(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=10)
        document = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None
    return document if isinstance(document, dict) else None
