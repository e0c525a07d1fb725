"""Writes of the second factor: start and confirm enrolment, turn it off. Each change is
in the audit log."""

from __future__ import annotations

from typing import Any

from django.db import transaction

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
