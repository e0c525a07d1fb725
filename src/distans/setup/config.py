"""The organisation's setup as data: ``distans config export`` / ``import``.

One JSON document (``"distans_config": 1``) with the organisation's settings, sites,
teams, skills, queues (hours, holidays, ad-hoc days, rules, texts), chat widgets,
mailboxes (without passwords), phone lines and telephony settings (without the
signing secret). Items are matched by a natural key — sites and teams by name,
queues by code, widgets by their public key, mailboxes by address, lines by number —
so the file moves between installs. Import creates and changes, never deletes: what
the install has beyond the file is listed and kept. It runs in one transaction
through the same writes as the settings pages (each change audited): anything
invalid and nothing is stored. Lists are sorted by their key, so
``export(import(export)) == export`` holds on an empty install
(tests/web/test_setup_config.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from distans.accounts import audit
from distans.accounts.models import Organisation, Person, Site, Team
from distans.channels_chat.models import ChatWidget
from distans.channels_email.models import Mailbox
from distans.routing.models import Queue
from distans.setup import actions
from distans.setup.settings_data import QUEUE_FIELDS, queue_settings
from distans.telephony.models import Line, TelephonySettings

FORMAT_VERSION = 1
SITE_FIELDS = ("name", "kind", "address", "seat_capacity")
WIDGET_FIELDS = ("key", "name", "allowed_origins", "greetings", "topics", "active")
MAILBOX_FIELDS = (
    "address", "active", "imap_host", "imap_port", "imap_username", "use_ssl", "folder",
    "smtp_host", "smtp_port", "smtp_username", "smtp_use_tls", "from_name",
    "case_tag_template", "auto_acknowledge", "max_message_bytes",
)  # fmt: skip
LINE_FIELDS = ("number", "name")
TELEPHONY_FIELDS = ("webhook_url", "callback_max_attempts", "callback_valid_hours", "prefer_mobile_at_home")
ORGANISATION_FIELDS = ("name", "slug", "time_zone", "country")


def _pick(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {f: getattr(obj, f) for f in fields}


def export_config(organisation: Organisation) -> dict[str, Any]:
    queues = list(Queue.objects.for_org(organisation).order_by("code"))
    skills: set[str] = set()
    for queue in queues:
        skills |= set(queue.required_skills or {})
    from distans.routing.models import AgentState

    for state_skills in AgentState.objects.for_org(organisation).values_list("skills", flat=True):
        skills |= set(state_skills or {})
    telephony = TelephonySettings.objects.for_org(organisation).first()
    return {
        "distans_config": FORMAT_VERSION,
        "organisation": _pick(organisation, ORGANISATION_FIELDS),
        "sites": [_pick(s, SITE_FIELDS) for s in Site.objects.for_org(organisation).order_by("name")],
        "teams": [{"name": t.name} for t in Team.objects.for_org(organisation).order_by("name")],
        "skills": sorted(skills),
        "queues": [queue_settings(q) for q in queues],
        "chat_widgets": [
            {**_pick(w, WIDGET_FIELDS), "queue": w.queue.code}
            for w in ChatWidget.objects.for_org(organisation).select_related("queue").order_by("key")
        ],
        "mailboxes": [
            {**_pick(m, MAILBOX_FIELDS), "queue": m.queue.code}
            for m in Mailbox.objects.for_org(organisation).select_related("queue").order_by("address")
        ],
        "phone_lines": [
            {**_pick(line, LINE_FIELDS), "queue": line.queue.code}
            for line in Line.objects.for_org(organisation).select_related("queue").order_by("number")
        ],
        "telephony": _pick(telephony, TELEPHONY_FIELDS) if telephony else None,
    }


@dataclass
class Change:
    section: str
    key: str
    kind: str  # "new", "changed", "kept" (in the install, not in the file)
    fields: dict[str, tuple[Any, Any]]

    def lines(self) -> list[str]:
        head = {"new": "+", "changed": "~", "kept": "="}[self.kind]
        text = [f"{head} {self.section} {self.key}: {self.kind}"]
        for name, (old, new) in sorted(self.fields.items()):
            text.append(f"    {name}: {_short(old)} → {_short(new)}")
        return text


def _short(value: Any) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 200 else text[:197] + "…"


def _diff(section: str, key: str, old: dict[str, Any] | None, new: dict[str, Any]) -> Change | None:
    if old is None:
        return Change(section, key, "new", {k: (None, v) for k, v in new.items()})
    fields = {k: (old.get(k), v) for k, v in new.items() if old.get(k) != v}
    return Change(section, key, "changed", fields) if fields else None


_SECTIONS = (
    ("sites", "name"),
    ("teams", "name"),
    ("queues", "code"),
    ("chat_widgets", "key"),
    ("mailboxes", "address"),
    ("phone_lines", "number"),
)


def plan_import(organisation: Organisation | None, data: dict[str, Any]) -> list[Change]:
    """What importing ``data`` into ``organisation`` (None: a new one) would change."""
    check_format(data)
    current = export_config(organisation) if organisation is not None else _empty()
    changes: list[Change] = []
    org_change = _diff("organisation", data["organisation"].get("slug", ""), current["organisation"] if organisation else None, {k: v for k, v in data["organisation"].items() if k != "slug"})
    if org_change:
        changes.append(org_change)
    for section, key in _SECTIONS:
        mine = {item[key]: item for item in current[section]}
        theirs = {item[key]: item for item in data.get(section) or []}
        for name, item in theirs.items():
            change = _diff(section, str(name), mine.get(name), item)
            if change:
                changes.append(change)
        for name in sorted(set(mine) - set(theirs)):
            changes.append(Change(section, str(name), "kept", {}))
    if data.get("telephony") is not None:
        change = _diff("telephony", "", current["telephony"], data["telephony"])
        if change:
            changes.append(change)
    return changes


def _empty() -> dict[str, Any]:
    return {"organisation": {}, "telephony": None, **{section: [] for section, _ in _SECTIONS}}


def check_format(data: Any) -> None:
    if not isinstance(data, dict) or data.get("distans_config") != FORMAT_VERSION:
        raise ValidationError(f"not a Distans setup file (version {FORMAT_VERSION})")
    if not isinstance(data.get("organisation"), dict):
        raise ValidationError("the file has no organisation")
    for section, key in _SECTIONS:
        for item in data.get(section) or []:
            if not isinstance(item, dict) or not item.get(key):
                raise ValidationError(f"{section}: every item needs its {key}")


def _where(section: str, key: str, error: ValidationError) -> ValidationError:
    return ValidationError(f"{section} {key}: {' '.join(error.messages)}")


@transaction.atomic
def do_import_config(
    organisation: Organisation | None, data: dict[str, Any], actor: Person | None = None
) -> tuple[Organisation, list[Change]]:
    """Make the install's setup match ``data`` (create and change; nothing deleted),
    all or nothing. Raises ValidationError naming the item at fault."""
    changes = plan_import(organisation, data)
    org_data = data["organisation"]
    if organisation is None:
        slug = org_data.get("slug") or slugify(org_data.get("name", ""))[:50] or "org"
        if Organisation.objects.filter(slug=slug).exists():
            raise ValidationError(f"an organisation with the short name {slug} exists already")
        organisation = Organisation.objects.create(name=org_data.get("name") or slug, slug=slug)
        audit.record_change(organisation, actor, "organisation_created", organisation, None, {"name": organisation.name})
    wanted = {k: org_data[k] for k in ("name", "time_zone", "country") if k in org_data}
    if wanted != {k: getattr(organisation, k) for k in wanted}:
        try:
            actions.do_update_organisation(organisation, actor, wanted)
        except ValidationError as exc:
            raise _where("organisation", organisation.slug, exc) from None
    for item in data.get("sites") or []:
        _upsert(organisation, actor, Site, {"name": item["name"]}, item, SITE_FIELDS, "site")
    for item in data.get("teams") or []:
        _upsert(organisation, actor, Team, {"name": item["name"]}, item, ("name",), "team")
    by_code = {q.code: q for q in Queue.objects.for_org(organisation)}
    for item in data.get("queues") or []:
        settings = {k: v for k, v in item.items() if k in QUEUE_FIELDS}
        try:
            by_code[item["code"]] = actions.do_save_queue(organisation, actor, by_code.get(item["code"]), settings)
        except ValidationError as exc:
            raise _where("queues", item["code"], exc) from None

    def queue_of(section: str, key: str, code: str) -> Queue:
        if code not in by_code:
            raise ValidationError(f"{section} {key}: no queue with the code {code}")
        return by_code[code]

    for item in data.get("chat_widgets") or []:
        if ChatWidget.all_objects.filter(key=item["key"]).exclude(organisation=organisation).exists():
            raise ValidationError(f"chat_widgets {item['key']}: the key belongs to another organisation")
        values = {**{k: item[k] for k in WIDGET_FIELDS if k in item}, "queue": queue_of("chat_widgets", item["key"], item.get("queue", ""))}
        _upsert(organisation, actor, ChatWidget, {"key": item["key"]}, values, (*WIDGET_FIELDS, "queue"), "chat_widget")
    for item in data.get("mailboxes") or []:
        values = {**{k: item[k] for k in MAILBOX_FIELDS if k in item}, "queue": queue_of("mailboxes", item["address"], item.get("queue", ""))}
        _upsert(organisation, actor, Mailbox, {"address": item["address"]}, values, (*MAILBOX_FIELDS, "queue"), "mailbox", exclude_clean=["imap_password", "smtp_password"])
    for item in data.get("phone_lines") or []:
        values = {**{k: item[k] for k in LINE_FIELDS if k in item}, "queue": queue_of("phone_lines", item["number"], item.get("queue", ""))}
        _upsert(organisation, actor, Line, {"number": item["number"]}, values, (*LINE_FIELDS, "queue"), "phone_line")
    if data.get("telephony") is not None:
        _upsert(organisation, actor, TelephonySettings, {}, data["telephony"], TELEPHONY_FIELDS, "telephony_settings")
    return organisation, changes


def _plain(value: Any) -> Any:
    return value.code if isinstance(value, Queue) else value


def _upsert(
    organisation: Organisation,
    actor: Person | None,
    model: Any,
    lookup: dict[str, Any],
    values: dict[str, Any],
    fields: tuple[str, ...],
    name: str,
    exclude_clean: list[str] | None = None,
) -> Any:
    obj = model.objects.for_org(organisation).filter(**lookup).first()
    before = None if obj is None else {f: _plain(getattr(obj, f)) for f in fields}
    if obj is None and hasattr(model, "all_objects") and model.all_objects.filter(**lookup).exists():
        # An archived widget or line (a continuity plan's) keeps its key or number.
        raise ValidationError(f"{name} {next(iter(lookup.values()), '')}: in use by an archived {name}")
    if obj is None:
        obj = model(organisation=organisation, **lookup)
    for field in fields:
        if field in values:
            setattr(obj, field, values[field])
    after = {f: _plain(getattr(obj, f)) for f in fields}
    if before == after:
        return obj
    key = next(iter(lookup.values()), "")
    try:
        obj.full_clean(exclude=["organisation", "queue", *(exclude_clean or [])], validate_unique=False)
    except ValidationError as exc:
        raise ValidationError(f"{name} {key}: {'; '.join(exc.messages)}") from None
    obj.save()
    audit.record_change(organisation, actor, f"{name}_{'created' if before is None else 'changed'}", obj, before, after)
    return obj


def dry_run_import(organisation: Organisation | None, data: dict[str, Any]) -> list[Change]:
    """What importing would change, checked by really importing inside a transaction
    that is then rolled back: an invalid item fails the dry run as it would the import
    (nothing is stored, nothing published: after-commit work never runs)."""
    with transaction.atomic():
        _organisation, changes = do_import_config(organisation, data)
        transaction.set_rollback(True)
    return changes
