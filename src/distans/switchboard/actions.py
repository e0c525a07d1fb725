"""Switchboard writes: the directory (by hand, CSV, LDAP), away statuses, calendar
feeds, messages taken for people, and putting calls through."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from distans.accounts.audit import record_change
from distans.accounts.models import Person
from distans.core.errors import InvalidInput, StateConflict
from distans.switchboard import search
from distans.switchboard.choices import AwayKind, AwaySource, EntrySource, MessageVia
from distans.switchboard.models import (
    AwayStatus,
    DirectoryEntry,
    DirectorySource,
    PhoneMessage,
    SearchTerm,
)

FIELDS = ("name", "title", "department", "keywords", "phone", "mobile", "email", "calendar_url")
LIMITS = {
    "name": 200,
    "title": 200,
    "department": 200,
    "keywords": 2000,
    "phone": 40,
    "mobile": 40,
    "email": 254,
    "calendar_url": 500,
    "external_id": 200,
}


def _index(entry: DirectoryEntry) -> None:
    """Recompute the entry's search text and its term rows (one per word)."""
    terms = search.entry_words(
        entry.name,
        entry.title,
        entry.department,
        entry.keywords,
        entry.email.split("@")[0],
        entry.phone,
        entry.mobile,
    )
    text = search.search_text_of(terms)
    if text != entry.search_text or not entry.pk:
        entry.search_text = text
    DirectoryEntry.objects.filter(pk=entry.pk).update(search_text=text)
    SearchTerm.objects.filter(entry=entry).delete()
    SearchTerm.objects.bulk_create(
        SearchTerm(organisation_id=entry.organisation_id, entry=entry, term=t) for t in terms
    )


def clean_values(values: dict[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Trimmed field values and the problems with them (translated)."""
    clean = {k: str(values.get(k) or "").strip() for k in (*FIELDS, "external_id")}
    problems: list[str] = []
    if not clean["name"]:
        problems.append(_("The name is missing."))
    for key, limit in LIMITS.items():
        if len(clean[key]) > limit:
            problems.append(
                _("%(field)s is longer than %(limit)s characters.") % {"field": key, "limit": limit}
            )
    if clean["email"]:
        try:
            EmailValidator()(clean["email"])
        except ValidationError:
            problems.append(
                _("%(value)s is not an e-mail address.") % {"value": clean["email"][:80]}
            )
    for key in ("phone", "mobile"):
        if clean[key] and not all(c.isdigit() or c in "+-() " for c in clean[key]):
            problems.append(_("%(value)s is not a phone number.") % {"value": clean[key][:80]})
    if clean["calendar_url"]:
        try:
            URLValidator(schemes=["http", "https"])(clean["calendar_url"])
        except ValidationError:
            problems.append(
                _("%(value)s is not a web address.") % {"value": clean["calendar_url"][:80]}
            )
    return clean, problems


def _link_person(organisation_id: int, email: str) -> Person | None:
    if not email:
        return None
    return Person.objects.for_org(organisation_id).filter(email__iexact=email).first()


@transaction.atomic
def do_save_entry(
    organisation_id: int,
    actor: Person | None,
    values: dict[str, Any],
    entry: DirectoryEntry | None = None,
    source: str = EntrySource.MANUAL,
) -> DirectoryEntry:
    clean, problems = clean_values(values)
    if problems:
        raise InvalidInput(" ".join(problems))
    now = timezone.now()
    if entry is None:
        entry = DirectoryEntry(organisation_id=organisation_id, source=source, created_at=now)
    for key in (*FIELDS, "external_id"):
        if key not in values and entry.pk:
            continue  # an import without the column keeps what the entry has
        setattr(entry, key, clean[key])
    entry.person = _link_person(organisation_id, entry.email)
    entry.updated_at = now
    entry.save()
    _index(entry)
    return entry


# ---------------------------------------------------------------------------- imports


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # entries of the organisation that the file did not mention (never deleted)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line or 0, message)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "kept": self.kept,
            "problems": self.problems[:200],
        }


HEADERS = {
    "name": ("name", "namn", "navn", "full name", "displayname", "cn"),
    "title": ("title", "role", "function", "titel", "roll", "funktion", "tittel", "rolle"),
    "department": ("department", "avdelning", "förvaltning", "enhet", "avdeling", "ou"),
    "keywords": ("keywords", "nyckelord", "sökord", "stikkord"),
    "phone": ("phone", "telefon", "telephonenumber", "anknytning"),
    "mobile": ("mobile", "mobil", "mobiltelefon"),
    "email": ("email", "e-mail", "e-post", "epost", "mail"),
    "calendar_url": ("calendar", "calendar_url", "kalender", "ics"),
    "external_id": ("id", "external_id", "anställningsnummer", "employee id"),
}


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InvalidInput(_("The file is not text (UTF-8 or Windows-1252)."))


def parse_csv(data: bytes) -> tuple[list[tuple[int, dict[str, str]]], list[tuple[int, str]]]:
    """Rows (with their line numbers) and problems; a comma or semicolon separated file
    with a header line naming the columns (Swedish, Norwegian or English names)."""
    import csv
    import io

    text = _decode(data)
    if "\x00" in text:
        raise InvalidInput(_("The file is not text (UTF-8 or Windows-1252)."))
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidInput(_("The file is empty.")) from None
    columns: dict[int, str] = {}
    for index, title in enumerate(header):
        wanted = title.strip().casefold()
        for key, names in HEADERS.items():
            if wanted in names:
                columns[index] = key
    if "name" not in columns.values():
        raise InvalidInput(
            _("The first line must name the columns, among them a name column (name or namn).")
        )
    rows: list[tuple[int, dict[str, str]]] = []
    problems: list[tuple[int, str]] = []
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(record) > len(header):
                problems.append((line, _("The line has more columns than the header.")))
                continue
            rows.append((line, {key: record[i] for i, key in columns.items() if i < len(record)}))
    except csv.Error as exc:
        problems.append((reader.line_num, _("The line cannot be read: %(error)s") % {"error": exc}))
    return rows, problems


def _words_of(entry: DirectoryEntry) -> list[str]:
    return search.entry_words(
        entry.name,
        entry.title,
        entry.department,
        entry.keywords,
        entry.email.split("@")[0],
        entry.phone,
        entry.mobile,
    )


def _chunks(values: list[Any], size: int = 500) -> list[list[Any]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


class _Matcher:
    """Which entry a line is about, as ``DirectoryEntry.objects.filter(...).first()``
    would answer with every earlier line already saved: by external id, else by e-mail
    (any case), else an entry without either by name and department; the lowest id
    first. The organisation's entries the file can match are read once (a few ``IN``
    queries), then kept up to date in memory as lines create and change entries."""

    def __init__(self, organisation_id: int, cleaned: list[dict[str, str]]) -> None:
        from django.db.models.functions import Upper

        entries = DirectoryEntry.objects.for_org(organisation_id)
        ids = sorted({c["external_id"] for c in cleaned if c["external_id"]})
        emails = sorted({c["email"].upper() for c in cleaned if c["email"]})
        names = sorted({c["name"] for c in cleaned if not c["external_id"] and not c["email"]})
        found: dict[int, DirectoryEntry] = {}
        for chunk in _chunks(ids):
            found.update((e.pk, e) for e in entries.filter(external_id__in=chunk))
        for chunk in _chunks(emails):
            upper = entries.annotate(upper_email=Upper("email"))
            found.update((e.pk, e) for e in upper.filter(upper_email__in=chunk))
        for chunk in _chunks(names):
            blank = entries.filter(external_id="", email="", name__in=chunk)
            found.update((e.pk, e) for e in blank)
        self.by_id: dict[str, list[DirectoryEntry]] = {}
        self.by_email: dict[str, list[DirectoryEntry]] = {}
        self.by_name: dict[tuple[str, str], list[DirectoryEntry]] = {}
        for pk in sorted(found):
            self.add(found[pk])

    def _keys(self, entry: DirectoryEntry) -> list[tuple[dict[Any, list[DirectoryEntry]], Any]]:
        keys: list[tuple[dict[Any, list[DirectoryEntry]], Any]] = []
        if entry.external_id:
            keys.append((self.by_id, entry.external_id))
        if entry.email:
            keys.append((self.by_email, entry.email.upper()))
        if not entry.external_id and not entry.email:
            keys.append((self.by_name, (entry.name, entry.department)))
        return keys

    def add(self, entry: DirectoryEntry) -> None:
        for index, key in self._keys(entry):
            found = index.setdefault(key, [])
            found.append(entry)
            found.sort(key=lambda e: (e.pk is None, e.pk or 0))  # stable: new in line order

    def remove(self, entry: DirectoryEntry) -> None:
        for index, key in self._keys(entry):
            index[key] = [e for e in index.get(key, []) if e is not entry]

    def match(self, clean: dict[str, str]) -> DirectoryEntry | None:
        if clean["external_id"]:
            found = self.by_id.get(clean["external_id"])
        elif clean["email"]:
            found = self.by_email.get(clean["email"].upper())
        else:
            found = self.by_name.get((clean["name"], clean["department"]))
        return found[0] if found else None


def _import_rows(
    organisation_id: int,
    actor: Person | None,
    rows: list[tuple[int, dict[str, str]]],
    result: ImportResult,
    source: str,
) -> None:
    """Every line decided in memory (the same rules as saving them one by one with
    :func:`do_save_entry`), then written in batches: new entries and all new terms
    with ``bulk_create``, changed entries with ``bulk_update``."""
    checked = [(line, values, *clean_values(values)) for line, values in rows]
    matcher = _Matcher(organisation_id, [c for _, _, c, problems in checked if not problems])
    emails = {c["email"].upper() for _, _, c, problems in checked if not problems and c["email"]}
    people: dict[str, Person] = {}
    for chunk in _chunks(sorted(emails)):
        from django.db.models.functions import Upper

        found = Person.objects.for_org(organisation_id).annotate(upper_email=Upper("email"))
        for person in found.filter(upper_email__in=chunk).order_by("-pk"):
            people[person.email.upper()] = person  # the lowest id last: .first() by pk
    now = timezone.now()
    seen: dict[int, DirectoryEntry] = {}  # id() of the entry object → entry
    created: list[DirectoryEntry] = []
    changed: dict[int, DirectoryEntry] = {}
    for line, values, clean, problems in checked:
        if problems:
            result.problems.append((line, " ".join(problems)))
            continue
        existing = matcher.match(clean)
        if existing is not None and id(existing) in seen:
            result.problems.append(
                (line, _("The same person is already on an earlier line; this line was skipped."))
            )
            continue
        if existing is not None:
            compare = {k: clean[k] for k in values if k in clean}
            if all(getattr(existing, k) == v for k, v in compare.items()):
                result.unchanged += 1
                seen[id(existing)] = existing
                continue
        entry = existing or DirectoryEntry(
            organisation_id=organisation_id, source=source, created_at=now
        )
        if existing is not None:
            matcher.remove(entry)
        for key in (*FIELDS, "external_id"):
            if key not in values and entry.pk:
                continue  # an import without the column keeps what the entry has
            setattr(entry, key, clean[key])
        entry.person = people.get(entry.email.upper()) if entry.email else None
        entry.updated_at = now
        entry.search_text = search.search_text_of(_words_of(entry))
        matcher.add(entry)
        seen[id(entry)] = entry
        if existing is None:
            created.append(entry)
            result.created += 1
        else:
            result.updated += 1
            changed[entry.pk] = entry
    DirectoryEntry.objects.bulk_create(created, batch_size=500)
    if changed:
        DirectoryEntry.objects.bulk_update(
            list(changed.values()),
            [*FIELDS, "external_id", "person", "updated_at", "search_text"],
            batch_size=100,
        )
        for chunk in _chunks(sorted(changed)):
            SearchTerm.objects.filter(entry_id__in=chunk).delete()
    SearchTerm.objects.bulk_create(
        (
            SearchTerm(organisation_id=organisation_id, entry_id=entry.pk, term=term)
            for entry in [*created, *changed.values()]
            for term in _words_of(entry)
        ),
        batch_size=1000,
    )
    result.kept = DirectoryEntry.objects.for_org(organisation_id).count() - len(seen)


def _audit(organisation_id: int, actor: Person | None, what: str, result: ImportResult) -> None:
    target = DirectorySource.objects.get_or_create(organisation_id=organisation_id)[0]
    record_change(
        target.organisation,
        actor,
        f"directory.imported_{what}",
        target,
        before={},
        after={
            "source": what,
            **{k: v for k, v in result.as_dict().items() if k != "problems"},
            "problems": len(result.problems),
        },
    )


@transaction.atomic
def do_import_directory_csv(
    organisation_id: int, actor: Person | None, data: bytes
) -> ImportResult:
    """Add and update entries from a CSV file; a broken line is reported with its
    number and skipped, the others are imported; nothing is ever deleted."""
    rows, problems = parse_csv(data)
    result = ImportResult(problems=list(problems))
    _import_rows(organisation_id, actor, rows, result, EntrySource.CSV)
    _audit(organisation_id, actor, "csv", result)
    return result


LDAP_ATTRIBUTES = {
    "name": ("displayName", "cn"),
    "title": ("title",),
    "department": ("department", "ou"),
    "keywords": ("description",),
    "phone": ("telephoneNumber",),
    "mobile": ("mobile",),
    "email": ("mail",),
}


def _first(attributes: dict[str, Any], names: tuple[str, ...]) -> str:
    for name in names:
        value = attributes.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value:
            return str(value)
    return ""


def read_ldap(source: DirectorySource) -> list[tuple[int, dict[str, str]]]:
    """Every person below the search base (paged, so Active Directory's 1,000-entry
    limit is no limit)."""
    import ldap3
    from ldap3.core.exceptions import LDAPException

    if not source.ldap_url or not source.base_dn:
        raise InvalidInput(_("Set the server address and the search base first."))
    wanted = sorted(
        {a for names in LDAP_ATTRIBUTES.values() for a in names} | {"entryUUID", "objectGUID"}
    )
    try:
        server = ldap3.Server(source.ldap_url, get_info=ldap3.NONE, connect_timeout=10)
        connection = ldap3.Connection(
            server,
            user=source.bind_dn or None,
            password=source.bind_password or None,
            auto_bind=True,
            receive_timeout=30,
            read_only=True,
        )
        found = connection.extend.standard.paged_search(
            source.base_dn,
            source.user_filter or "(objectClass=person)",
            attributes=wanted,
            paged_size=500,
            generator=True,
        )
        rows: list[tuple[int, dict[str, str]]] = []
        for number, item in enumerate(found, start=1):
            if item.get("type") != "searchResEntry":
                continue
            attributes = item.get("attributes", {})
            values = {key: _first(attributes, names) for key, names in LDAP_ATTRIBUTES.items()}
            ident = _first(attributes, ("entryUUID", "objectGUID")) or item.get("dn", "")
            values["external_id"] = f"ldap:{ident}"[:200]
            rows.append((number, values))
        connection.unbind()
    except LDAPException as exc:
        raise InvalidInput(
            _("The directory server answered: %(error)s") % {"error": str(exc)[:300]}
        ) from exc
    return rows


def do_import_directory_ldap(organisation_id: int, actor: Person | None) -> ImportResult:
    source = DirectorySource.objects.get_or_create(organisation_id=organisation_id)[0]
    rows = read_ldap(source)  # outside the transaction: the server may be slow
    with transaction.atomic():
        result = ImportResult()
        _import_rows(organisation_id, actor, rows, result, EntrySource.LDAP)
        _audit(organisation_id, actor, "ldap", result)
    return result


@transaction.atomic
def do_save_directory_source(
    organisation_id: int, actor: Person | None, values: dict[str, str]
) -> DirectorySource:
    from distans.accounts.audit import snapshot

    source = DirectorySource.objects.get_or_create(organisation_id=organisation_id)[0]
    shown = ("ldap_url", "bind_dn", "base_dn", "user_filter")
    before = snapshot(source, shown)
    for key in (*shown, "bind_password"):
        if key == "bind_password" and not values.get(key):
            continue  # an empty password field keeps the stored one
        setattr(source, key, str(values.get(key) or "").strip())
    source.save()
    record_change(
        source.organisation,
        actor,
        "directory.source_changed",
        source,
        before=before,
        after=snapshot(source, shown),
    )
    return source


# ---------------------------------------------------------------------- away / presence


@transaction.atomic
def do_set_away(
    entry: DirectoryEntry,
    kind: str,
    until: dt.datetime | None,
    note: str = "",
    starts_at: dt.datetime | None = None,
) -> AwayStatus:
    if kind not in AwayKind.values:
        raise InvalidInput(_("Choose where you are."))
    now = timezone.now()
    if until is not None and until <= now:
        raise InvalidInput(_("The return time has already passed."))
    AwayStatus.objects.filter(entry=entry, source=AwaySource.SELF).delete()
    return AwayStatus.objects.create(
        organisation_id=entry.organisation_id,
        entry=entry,
        kind=kind,
        note=note.strip()[:200],
        starts_at=starts_at or now,
        until=until,
        source=AwaySource.SELF,
    )


@transaction.atomic
def do_clear_away(entry: DirectoryEntry) -> int:
    return AwayStatus.objects.filter(entry=entry, source=AwaySource.SELF).delete()[0]


@transaction.atomic
def do_set_calendar_url(entry: DirectoryEntry, url: str) -> DirectoryEntry:
    url = url.strip()
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise InvalidInput(_("%(value)s is not a web address.") % {"value": url[:80]}) from None
    entry.calendar_url = url[:500]
    entry.calendar_error = ""
    entry.save(update_fields=["calendar_url", "calendar_error"])
    if not url:
        AwayStatus.objects.filter(entry=entry, source=AwaySource.CALENDAR).delete()
    return entry


def do_fetch_calendar(
    entry: DirectoryEntry, now: dt.datetime | None = None, data: bytes | None = None
) -> int:
    """Read the entry's ICS feed and replace its calendar away statuses with the busy
    events of the coming two weeks. ``data`` given: parse that instead of fetching."""
    from distans.switchboard import calendar_feed

    now = now or timezone.now()
    try:
        if data is None:
            data = calendar_feed.fetch(entry.calendar_url)
        events = calendar_feed.busy_events(data, now, now + dt.timedelta(days=14))
    except calendar_feed.FeedError as exc:
        DirectoryEntry.objects.filter(pk=entry.pk).update(
            calendar_checked_at=now, calendar_error=str(exc)[:300]
        )
        return 0
    with transaction.atomic():
        AwayStatus.objects.filter(entry=entry, source=AwaySource.CALENDAR).delete()
        AwayStatus.objects.bulk_create(
            AwayStatus(
                organisation_id=entry.organisation_id,
                entry=entry,
                kind=e.kind,
                starts_at=e.start,
                until=e.end,
                source=AwaySource.CALENDAR,
            )
            for e in events
        )
        DirectoryEntry.objects.filter(pk=entry.pk).update(
            calendar_checked_at=now, calendar_error=""
        )
    return len(events)


# ---------------------------------------------------------------------------- messages


def _message_mail(message: PhoneMessage) -> EmailMessage:
    entry = message.entry
    language = entry.person.language if entry.person else settings.LANGUAGE_CODE
    with translation.override(language):
        mail = EmailMessage()
        mail["Subject"] = _("Phone message from %(caller)s") % {
            "caller": message.caller_name or message.caller_number or _("a caller")
        }
        mail["From"] = settings.DEFAULT_FROM_EMAIL
        mail["To"] = entry.email
        mail.set_content(
            render_to_string("switchboard/message_mail.txt", {"message": message, "entry": entry})
        )
    return mail


def sms_text(message: PhoneMessage) -> str:
    parts = [_("Message from %(caller)s") % {"caller": message.caller_name or _("a caller")}]
    if message.caller_number:
        parts.append(_("call back %(number)s") % {"number": message.caller_number})
    parts.append(message.text)
    return ": ".join(parts[:1]) + " " + ". ".join(parts[1:])


@transaction.atomic
def do_take_message(
    entry: DirectoryEntry, operator: Person, values: dict[str, Any]
) -> PhoneMessage:
    """Store a message for ``entry`` and forward it (e-mail through the outbox, or
    SMS through the SMS adapter). The message is the person's call-back task."""
    text = str(values.get("text") or "").strip()
    via = str(values.get("via") or MessageVia.EMAIL)
    number = str(values.get("caller_number") or "").strip()
    if not text:
        raise InvalidInput(_("Write the message."))
    if len(text) > 2000:
        raise InvalidInput(_("The message is longer than %(limit)s characters.") % {"limit": 2000})
    if number and not all(c.isdigit() or c in "+-() " for c in number):
        raise InvalidInput(_("%(value)s is not a phone number.") % {"value": number[:80]})
    if via == MessageVia.EMAIL and not entry.email:
        raise InvalidInput(
            _("%(name)s has no e-mail address; send an SMS instead.") % {"name": entry.name}
        )
    if via == MessageVia.SMS and not entry.mobile:
        raise InvalidInput(
            _("%(name)s has no mobile number; send an e-mail instead.") % {"name": entry.name}
        )
    if via not in MessageVia.values:
        raise InvalidInput(_("Choose how to forward the message."))
    message = PhoneMessage.objects.create(
        organisation_id=entry.organisation_id,
        entry=entry,
        taken_by=operator,
        caller_name=str(values.get("caller_name") or "").strip()[:200],
        caller_number=number[:40],
        text=text,
        via=via,
        call_back=bool(values.get("call_back")),
    )
    if via == MessageVia.EMAIL:
        from distans.channels_email.models import OutgoingPurpose
        from distans.channels_email.outbox import deliver_after_commit, queue_mail

        outgoing = queue_mail(
            entry.organisation_id, _message_mail(message), purpose=OutgoingPurpose.PHONE_MESSAGE
        )
        message.outgoing_mail = outgoing
        message.save(update_fields=["outgoing_mail"])
        deliver_after_commit(outgoing)
    else:
        from distans.sms import send_sms

        message.sms_status = send_sms(entry.organisation_id, entry.mobile, sms_text(message))
        message.save(update_fields=["sms_status"])
    return message


@transaction.atomic
def do_finish_message(message: PhoneMessage) -> PhoneMessage:
    if message.done_at is None:
        message.done_at = timezone.now()
        message.save(update_fields=["done_at"])
    return message


# ---------------------------------------------------------------------------- transfer


def do_put_through(
    operator: Person, call_pk: int, mode: str, entry: DirectoryEntry | None, number: str = ""
) -> Any:
    """Put the operator's connected call through to the entry's number (or ``number``)."""
    from distans.telephony.actions import do_request_transfer
    from distans.telephony.models import Call

    call = Call.objects.for_org(int(operator.organisation_id or 0)).filter(pk=call_pk).first()
    if call is None:
        raise StateConflict(_("That call has ended."))
    target = number or (entry.phone or entry.mobile if entry else "")
    if mode in ("blind", "consult") and not target:
        raise InvalidInput(
            _("%(name)s has no number to put the call through to.")
            % {"name": entry.name if entry else ""}
        )
    try:
        return do_request_transfer(call, operator, mode, target)
    except StateConflict as exc:
        raise StateConflict(_("The call cannot be put through now.")) from exc
