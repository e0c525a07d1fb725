"""How audit entries read on the audit page: actions, kinds of object and field names
in the reader's language, roles and yes/no as words (entries store codes)."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from distans.accounts.choices import Role

ACTIONS: dict[str, Any] = {
    "created": gettext_lazy("created"),
    "changed": gettext_lazy("changed"),
    "language_changed": gettext_lazy("language changed"),
    "person.created": gettext_lazy("person added"),
    "person.changed": gettext_lazy("person changed"),
    "person.invited": gettext_lazy("person invited"),
    "person.joined": gettext_lazy("invitation accepted"),
    "person.deactivated": gettext_lazy("person deactivated"),
    "person.reactivated": gettext_lazy("person reactivated"),
    "agent.changed": gettext_lazy("agent settings changed"),
    "team.created": gettext_lazy("team added"),
    "team.changed": gettext_lazy("team changed"),
    "site.created": gettext_lazy("site added"),
    "site.changed": gettext_lazy("site changed"),
    "api_key.created": gettext_lazy("API key created"),
    "api_key.revoked": gettext_lazy("API key revoked"),
    "webhook.created": gettext_lazy("webhook added"),
    "webhook.changed": gettext_lazy("webhook changed"),
    "webhook.secret_replaced": gettext_lazy("webhook secret replaced"),
    "data_subject.exported": gettext_lazy("a data subject's data exported"),
    "data_subject_erased": gettext_lazy("a data subject's data erased"),
    "directory.imported_csv": gettext_lazy("directory imported from a CSV file"),
    "directory.imported_ldap": gettext_lazy("directory imported from LDAP"),
    "directory.source_changed": gettext_lazy("directory server settings changed"),
    "planning_settings.changed": gettext_lazy("planning settings changed"),
    "shift_template.created": gettext_lazy("shift template added"),
    "shift_template.changed": gettext_lazy("shift template changed"),
    "availability.created": gettext_lazy("working hours added"),
    "availability.changed": gettext_lazy("working hours changed"),
}

FIELDS: dict[str, Any] = {
    "roles": gettext_lazy("roles"),
    "queue_names": gettext_lazy("queues"),
    "invitation_expires_at": gettext_lazy("invitation valid until"),
    "password_set": gettext_lazy("password chosen"),
    "secret": gettext_lazy("signing secret"),
    "fields": gettext_lazy("fields"),
    "contacts": gettext_lazy("contacts"),
    "cases": gettext_lazy("cases"),
    "messages": gettext_lazy("messages"),
    "attachments": gettext_lazy("attachments"),
    "raw_mails": gettext_lazy("stored e-mails"),
}


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def object_type_label(object_type: str) -> str:
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return str(model._meta.verbose_name)


def field_label(object_type: str, name: str) -> str:
    if name in FIELDS:
        return str(FIELDS[name])
    try:
        return str(apps.get_model(object_type)._meta.get_field(name).verbose_name)
    except (LookupError, ValueError, Exception):
        return name


def _value(name: str, value: Any) -> Any:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "roles" and isinstance(value, list):
        labels = dict(Role.choices)
        return ", ".join(str(labels.get(v, v)) for v in value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} = {v}" for k, v in value.items())
    return value


def changed_values(object_type: str, changes: Any) -> list[tuple[str, Any, Any]]:
    """(field, before, after) of an entry; older entries stored other shapes."""
    if not isinstance(changes, dict):
        return []
    if "before" in changes or "after" in changes:
        before, after = changes.get("before") or {}, changes.get("after") or {}
        keys = list(dict.fromkeys([*before, *after]))
        return [(field_label(object_type, k), _value(k, before.get(k)), _value(k, after.get(k))) for k in keys]
    rows = []
    for key, value in changes.items():
        if isinstance(value, list) and len(value) == 2 and key not in ("fields", "cases"):
            rows.append((field_label(object_type, key), _value(key, value[0]), _value(key, value[1])))
        elif key == "fields":
            rows.append((field_label(object_type, key), None, ", ".join(field_label(object_type, f) for f in value)))
        else:
            rows.append((field_label(object_type, key), None, _value(key, value)))
    return rows
