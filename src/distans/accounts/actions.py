"""Writes for organisations, people and the audit log."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from distans.accounts.models import ApiToken, AuditEntry, LoginFailure, Organisation, Person


def do_record_audit(
    organisation: Organisation,
    actor: Person | None,
    action: str,
    obj: models.Model,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """The older form (free-form ``changes``); new code calls
    :func:`distans.accounts.audit.record_change` with before and after."""
    return AuditEntry.objects.create(
        organisation=organisation,
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        changes=changes or {},
    )


@transaction.atomic
def do_set_person_language(person: Person, language: str) -> None:
    old = person.language
    person.language = language
    person.save(update_fields=["language"])
    if person.organisation_id and old != language:
        from distans.accounts.audit import record_change

        record_change(person.organisation, person, "language_changed", person, {"language": old}, {"language": language})  # type: ignore[arg-type]


def do_record_login_failure(email: str, remote_addr: str) -> None:
    LoginFailure.objects.create(email=email.lower(), remote_addr=remote_addr[:64])


def do_clear_login_failures(email: str) -> None:
    LoginFailure.objects.filter(email=email.lower()).delete()


def do_prune_login_failures(older_than_seconds: int) -> int:
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    deleted, _ = LoginFailure.objects.filter(at__lt=cutoff).delete()
    return deleted


def do_create_api_token(
    organisation: Organisation,
    name: str,
    *,
    scopes: list[str] | tuple[str, ...],
    created_by: Person | None = None,
) -> tuple[str, ApiToken]:
    """Return (key, token). The key is shown once; only its hash is stored. A key
    holds only ``scopes`` (permission names marked ``scope`` in accounts/permissions.py)."""
    import hashlib
    import secrets

    from distans.accounts.permissions import SCOPES

    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown API scopes: {unknown}")
    key = "dst_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organisation=organisation,
        name=name,
        key_hash=hashlib.sha256(key.encode()).hexdigest(),
        prefix=key[:8],
        scopes=list(scopes),
        created_by=created_by,
    )
    return key, token
