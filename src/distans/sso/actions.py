"""Writes of the second factor: start and confirm enrolment, turn it off. Each change is
in the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from distans.accounts.audit import record_change
from distans.sso.models import SecondFactor
from distans.sso.queries import NAME


@transaction.atomic
def do_start_second_factor(person: Any) -> SecondFactor:
    """A new, unconfirmed key (replacing an earlier unconfirmed one)."""
    SecondFactor.objects.filter(user=person, name=NAME, confirmed=False).delete()
    return SecondFactor.objects.create(organisation=person.organisation, user=person, name=NAME, confirmed=False)


@transaction.atomic
def do_confirm_second_factor(person: Any, code: str) -> bool:
    """Turn the pending key on when ``code`` is right; False (nothing changed) if not."""
    device = SecondFactor.objects.filter(user=person, name=NAME, confirmed=False).first()
    if device is None or not device.verify_token(code):
        return False
    SecondFactor.objects.filter(user=person, name=NAME, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_change(person.organisation, person, "second_factor.enabled", person, {}, {})
    return True


@transaction.atomic
def do_remove_second_factor(person: Any, code: str) -> bool:
    """Turn the second factor off, only with a valid code from it."""
    device = SecondFactor.objects.filter(user=person, name=NAME, confirmed=True).first()
    if device is None or not device.verify_token(code):
        return False
    SecondFactor.objects.filter(user=person, name=NAME).delete()
    record_change(person.organisation, person, "second_factor.removed", person, {}, {})
    return True


def do_check_second_factor(person: Any, code: str) -> bool:
    """At login: is ``code`` right (each code once; failures slow further tries)."""
    device = SecondFactor.objects.filter(user=person, name=NAME, confirmed=True).first()
    return device is not None and bool(device.verify_token(code))


ROLE_FIELDS = ["is_agent", "is_team_leader", "is_supervisor", "is_planner"]


@transaction.atomic
def do_apply_mapped_roles(person: Any, roles: set[str]) -> None:
    """Set a person's roles from their organisation provider's groups at sign-in: the
    four mappable roles exactly as mapped; organisation admin is never touched."""
    from distans.sso.providers import MAPPABLE_ROLES

    before = {f: getattr(person, f) for f in ROLE_FIELDS}
    for role, field_name in MAPPABLE_ROLES.items():
        setattr(person, field_name, role in roles)
    after = {f: getattr(person, f) for f in ROLE_FIELDS}
    if after != before:
        person.save(update_fields=ROLE_FIELDS)
        record_change(person.organisation, None, "person.roles_from_sso", person, before, after)


PROVIDER_FIELDS = [
    "enabled", "name", "issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint",
    "jwks_endpoint", "client_id", "allowed_domains", "role_claim", "role_map",
]  # fmt: skip


@transaction.atomic
def do_save_provider(organisation: Any, actor: Any, form: Any) -> Any:
    """Save the organisation's single sign-on provider (a validated form); audited,
    the client secret only as changed."""
    from distans.accounts.audit import snapshot
    from distans.sso.models import OrganisationProvider

    stored = OrganisationProvider.objects.filter(organisation=organisation).first()
    before = snapshot(stored, PROVIDER_FIELDS) if stored else {}
    old_secret = stored.client_secret if stored else ""
    provider = form.save(commit=False)
    provider.organisation = organisation
    if not form.cleaned_data.get("client_secret"):
        provider.client_secret = old_secret
    provider.save()
    after = snapshot(provider, PROVIDER_FIELDS)
    if provider.client_secret != old_secret:
        before["client_secret"], after["client_secret"] = "•••", "••• " + str(_("(changed)"))
    record_change(organisation, actor, "sso_provider.changed" if stored else "sso_provider.created", provider, before, after)
    return provider
