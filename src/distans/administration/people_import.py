"""CSV import of people: name, e-mail, team, site, role, skills.

:func:`plan_import` reads and checks every row without writing (the dry-run
preview); :func:`do_import_people` applies a plan without errors in one transaction,
so a broken file stores nothing. Headers may be English or Swedish/Norwegian; the
separator may be a comma, a semicolon (Excel in Sweden) or a tab.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import override

from distans.accounts.choices import Role
from distans.accounts.models import Person, Site, Team
from distans.administration import actions, queries
from distans.administration.forms import parse_skills

MAX_BYTES = 1_000_000
MAX_ROWS = 5000
HEADERS = {
    "name": ("name", "namn", "full_name"),
    "email": ("email", "e-mail", "e-post", "epost"),
    "team": ("team", "lag", "arbetslag"),
    "site": ("site", "plats", "kontor", "sted"),
    "role": ("role", "roles", "roll", "roller", "rolle"),
    "skills": ("skills", "kompetenser", "färdigheter", "ferdigheter", "kompetanse"),
}
REQUIRED = ("name", "email")


class ImportFileError(Exception):
    """The file as a whole cannot be read (its message is translated)."""


@dataclass
class PlannedRow:
    line: int
    name: str
    email: str
    team: str
    site: str
    roles: list[str]
    skills: dict[str, int]
    errors: list[str] = field(default_factory=list)
    existing: Person | None = None

    @property
    def role_labels(self) -> list[str]:
        labels = dict(Role.choices)
        return [str(labels.get(r, r)) for r in self.roles]

    @property
    def action(self) -> str:
        if self.errors:
            return _("Error")
        return _("Update") if self.existing else _("New")


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    new_teams: list[str]

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors)


def decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 1 MB. Split it into smaller files."))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            _("The file is not UTF-8 text (first broken character on line %(line)s). "
              "Save it as “CSV UTF-8” and try again.") % {"line": line}
        ) from None


def _role_lookup() -> dict[str, str]:
    names: dict[str, str] = {}
    for value, label in Role.choices:
        names[value] = value
        names[value.replace("_", " ")] = value
        for language in ("sv", "nb", "en"):
            with override(language):
                names[str(label).lower()] = value
    names["admin"] = Role.ORG_ADMIN
    return names


def _split(text: str) -> list[str]:
    for separator in ("|", ";", ","):
        if separator in text:
            return [p.strip() for p in text.split(separator) if p.strip()]
    return [text.strip()] if text.strip() else []


def _reader(text: str) -> Any:
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    return csv.reader(io.StringIO(text), delimiter=delimiter)


def _rows(text: str) -> list[list[str]]:
    reader = _reader(text)
    try:
        return list(reader)
    except csv.Error:
        raise ImportFileError(
            _("Line %(line)s cannot be read as CSV (a stray quote mark or a control character?).")
            % {"line": reader.line_num}
        ) from None


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plan_import(actor: Person, text: str) -> ImportPlan:
    control = CONTROL.search(text)
    if control is not None:  # NUL and friends: the database refuses them in text
        raise ImportFileError(
            _("Line %(line)s cannot be read as CSV (a stray quote mark or a control character?).")
            % {"line": text.count("\n", 0, control.start()) + 1}
        )
    rows = _rows(text)
    while rows and not any(cell.strip() for cell in rows[-1]):
        rows.pop()
    if not rows:
        raise ImportFileError(_("The file is empty."))
    header = [cell.strip().lower() for cell in rows[0]]
    columns: dict[str, int] = {}
    for key, aliases in HEADERS.items():
        for index, cell in enumerate(header):
            if cell in aliases:
                columns[key] = index
                break
    missing = [key for key in REQUIRED if key not in columns]
    if missing:
        raise ImportFileError(
            _("The first line must name the columns; missing: %(missing)s. Expected: name, email, team, site, role, skills.")
            % {"missing": ", ".join(missing)}
        )
    if len(rows) - 1 > MAX_ROWS:
        raise ImportFileError(_("At most %(n)s people per file.") % {"n": MAX_ROWS})
    if len(rows) == 1:
        raise ImportFileError(_("The file has column names but no people."))

    org_id = actor.organisation_id
    teams = {t.name.lower(): t for t in Team.objects.for_org(org_id)}  # type: ignore[arg-type]
    my_teams = {t.pk for t in queries.manageable_teams(actor)}
    sites = {s.name.lower(): s for s in Site.objects.for_org(org_id)}  # type: ignore[arg-type]
    manageable = {p.email.lower(): p for p in queries.manageable_people(actor)}
    is_admin = queries.is_org_admin(actor)
    role_names = _role_lookup()
    seen: set[str] = set()
    new_teams: dict[str, str] = {}
    planned: list[PlannedRow] = []

    for number, cells in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in cells):
            continue

        def cell(key: str, cells: list[str] = cells) -> str:
            index = columns.get(key)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        row = PlannedRow(number, cell("name"), cell("email").lower(), cell("team"), cell("site"), [], {})
        if len(cells) < len(header):
            row.errors.append(_("The row has fewer columns than the first line."))
        if not row.name:
            row.errors.append(_("The name is missing."))
        elif len(row.name) > 200:
            row.errors.append(_("The name is longer than 200 characters."))
        try:
            validate_email(row.email)
        except ValidationError:
            row.errors.append(_("“%(email)s” is not an e-mail address.") % {"email": row.email})
        if row.email in seen:
            row.errors.append(_("The e-mail address appears twice in the file."))
        seen.add(row.email)
        if row.email and not row.errors:
            row.existing = manageable.get(row.email)
            if row.existing is None and Person.objects.filter(email__iexact=row.email).exists():
                row.errors.append(_("Someone you cannot manage already has this e-mail address."))
        if row.team:
            team = teams.get(row.team.lower())
            if team is None and is_admin:
                new_teams.setdefault(row.team.lower(), row.team)
            elif team is None or team.pk not in my_teams:
                row.errors.append(_("You cannot add people to the team “%(team)s”.") % {"team": row.team})
        elif not is_admin:
            row.errors.append(_("Name one of your teams."))
        if row.site and row.site.lower() not in sites:
            row.errors.append(_("There is no site named “%(site)s”. Add it under Sites first.") % {"site": row.site})
        given = _split(cell("role"))
        for role in given:
            value = role_names.get(role.lower())
            if value is None:
                row.errors.append(_("Unknown role “%(role)s”.") % {"role": role})
            elif value != Role.AGENT and not is_admin:
                row.errors.append(_("Only an administrator may give the role “%(role)s”.") % {"role": role})
            elif value not in row.roles:
                row.roles.append(value)
        if row.existing is not None and (not given or not is_admin):
            # No roles given keeps the person's; a team leader only adds "agent".
            row.roles = sorted({*row.existing.roles, *row.roles})
        elif not given:
            row.roles = [Role.AGENT.value]
        try:
            row.skills = parse_skills(cell("skills").replace(";", "|").replace(",", "|"), separator="|")
        except ValidationError as exc:
            row.errors.extend(exc.messages)
        planned.append(row)
    return ImportPlan(planned, sorted(new_teams.values()))


@transaction.atomic
def do_import_people(actor: Person, plan: ImportPlan) -> list[Person]:
    """Create or update every row of an error-free plan; all or nothing."""
    if not plan.ok:
        raise ValueError("a plan with errors is not applied")
    org_id = actor.organisation_id
    for name in plan.new_teams:
        actions.do_save_team(actor, None, {"name": name, "leader": None})
    teams = {t.name.lower(): t for t in Team.objects.for_org(org_id)}  # type: ignore[arg-type]
    sites = {s.name.lower(): s for s in Site.objects.for_org(org_id)}  # type: ignore[arg-type]
    people = []
    for row in plan.rows:
        data: dict[str, Any] = {
            "full_name": row.name,
            "email": row.email,
            "team": teams.get(row.team.lower()) if row.team else None,
            "default_site": sites.get(row.site.lower()) if row.site else None,
            "roles": row.roles,
        }
        if row.existing is not None:
            person = actions.do_save_person(actor, row.existing, data)
        else:
            person = actions.do_create_person(actor, {**data, "language": actor.language})
        if row.skills and "agent" in row.roles:
            _set_skills(actor, person, row.skills)
        people.append(person)
    return people


def _set_skills(actor: Person, person: Person, skills: dict[str, int]) -> None:
    from distans.routing.models import AgentState

    state = AgentState.objects.filter(person=person).first()
    data = {
        "skills": skills,
        "languages": state.languages if state else [],
        "capacity": state.capacity if state else {},
        "endpoint_sip": state.endpoint_sip if state else "",
        "queues": [q.pk for q in state.queues.all()] if state else [],
    }
    actions.do_save_agent_settings(actor, person, data)
