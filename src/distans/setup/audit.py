"""The one place this app writes the audit log: who, when, before and after.

Kept in one function so that it can be switched to the administration app's audit
helper when that exists, without touching the actions.
"""

from __future__ import annotations

from typing import Any

from django.db import models

from distans.accounts.actions import do_record_audit
from distans.accounts.models import AuditEntry, Organisation, Person


def record(
    organisation: Organisation,
    actor: Person | None,
    action: str,
    obj: models.Model,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEntry:
    """Append one entry; ``changes`` holds only the keys that differ."""
    before = before or {}
    after = after or {}
    keys = sorted(set(before) | set(after))
    changed = {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}
    return do_record_audit(
        organisation, actor, action, obj, {"before": before, "after": after, "changed": changed}
    )
