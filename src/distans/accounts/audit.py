"""Recording changes made through Distans's pages: who, when, before and after.

Any app may call :func:`record_change` from its actions (in the same transaction as
the change)::

    before = snapshot(queue, ["name", "offer_timeout_seconds"])
    ... change and save ...
    record_change(org, actor, "queue.changed", queue, before, snapshot(queue, [...]))

Entries hold only the keys that changed (both sides), so the audit page shows a
readable difference; a change that changed nothing records nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import models

from distans.accounts.models import AuditEntry, Organisation, Person


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field's value."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time, Decimal)):
        return value.isoformat() if hasattr(value, "isoformat") else str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def snapshot(obj: models.Model | None, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields' current values (a foreign key as its text, not its id)."""
    if obj is None:
        return {}
    return {name: _plain(getattr(obj, name)) for name in fields}


def _entry(
    organisation: Organisation,
    actor: Person | None,
    action: str,
    target: models.Model,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> AuditEntry | None:
    before = {k: _plain(v) for k, v in (before or {}).items()}
    after = {k: _plain(v) for k, v in (after or {}).items()}
    keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    if not keys and (before or after):
        return None
    return AuditEntry(
        organisation=organisation,
        actor=actor,
        action=action,
        object_type=target._meta.label_lower,
        object_id=str(target.pk),
        object_repr=str(target)[:200],
        changes={
            "before": {k: before[k] for k in keys if k in before},
            "after": {k: after[k] for k in keys if k in after},
        },
    )


def record_change(
    organisation: Organisation,
    actor: Person | None,
    action: str,
    target: models.Model,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> AuditEntry | None:
    """Append one audit entry for ``target``; ``None`` when nothing changed.

    ``action`` is a short dotted name (``person.invited``, ``queue.changed``);
    ``before`` is empty for a creation, ``after`` empty for a removal."""
    entry = _entry(organisation, actor, action, target, before, after)
    if entry is not None:
        entry.save()
    return entry


def record_changes(
    organisation: Organisation,
    actor: Person | None,
    changes: Iterable[tuple[str, models.Model, Mapping[str, Any] | None, Mapping[str, Any] | None]],
) -> int:
    """Many entries at once (one insert per 500): ``(action, target, before, after)``
    each, recorded as :func:`record_change` records one. Returns how many."""
    entries = [
        e for a, t, b, af in changes if (e := _entry(organisation, actor, a, t, b, af)) is not None
    ]
    AuditEntry.objects.bulk_create(entries, batch_size=500)
    return len(entries)
