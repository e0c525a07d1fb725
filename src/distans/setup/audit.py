"""The one place this app writes the audit log: who, when, before and after.

Kept in one function so that it can be switched to the administration app's audit
helper when that exists, without touching the actions.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from distans.accounts.audit import record_change
from distans.accounts.models import AuditEntry, Organisation, Person


def record(
    organisation: Organisation,
    actor: Person | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry | None:
    """Append one entry through the organisation's one audit helper."""
    return record_change(organisation, actor, action, obj, before, after)
