"""The demo organisation: a municipal contact center like the seeds' (Swedish).

Loading is idempotent: running ``make demo`` twice reuses the data. Apps that add
demo data (queues, topics, schedules …) register a loader in ``DEMO_LOADERS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

from distans.accounts.models import Organisation, Person, Site, Team

DEMO_PASSWORD = "distans-demo"  # noqa: S105 — documented demo login, demo data only
DEMO_SLUG = "vasterby-kommun"
DEMO_DOMAIN = "vasterby.example"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    team: str | None
    roles: tuple[str, ...]
    language: str = "sv"


TEAMS = ["Lag Norr", "Lag Syd", "Lag Väst"]
PEOPLE = [
    DemoPerson("agent", "Anna Lindqvist", "Lag Norr", ("agent",)),
    DemoPerson("erik", "Erik Johansson", "Lag Norr", ("agent",)),
    DemoPerson("fatima", "Fatima Hassan", "Lag Norr", ("agent",)),
    DemoPerson("teamleader", "Karin Berg", "Lag Norr", ("agent", "team_leader")),
    DemoPerson("lars", "Lars Nilsson", "Lag Syd", ("agent",)),
    DemoPerson("maja", "Maja Andersson", "Lag Syd", ("agent",)),
    DemoPerson("omar", "Omar Ali", "Lag Syd", ("agent",)),
    DemoPerson("sofia", "Sofia Karlsson", "Lag Syd", ("agent", "team_leader")),
    DemoPerson("johan", "Johan Persson", "Lag Väst", ("agent",)),
    DemoPerson("ingrid", "Ingrid Solberg", "Lag Väst", ("agent",), "nb"),
    DemoPerson("mikael", "Mikael Ek", "Lag Väst", ("agent",)),
    DemoPerson("elin", "Elin Holm", "Lag Väst", ("agent", "team_leader")),
    DemoPerson("supervisor", "Jenny Ejlertsson", None, ("supervisor",)),
    DemoPerson("planner", "Sara Lund", None, ("planner",)),
    DemoPerson("admin", "Martin Arkel", None, ("org_admin", "supervisor")),
]

DEMO_LOADERS: list[Callable[[Organisation], None]] = []


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


@transaction.atomic
def load_demo() -> Organisation:
    organisation, _ = Organisation.objects.get_or_create(
        slug=DEMO_SLUG, defaults={"name": "Västerby kommun – Kontaktcenter"}
    )
    # Through the setup and administration apps' actions (audited, validated), as an
    # admin would: sites, teams, then people invited and their invitations accepted.
    from distans.administration.actions import do_save_team
    from distans.setup.actions import do_create_site, do_create_team

    sites = {site.name: site for site in Site.objects.for_org(organisation)}
    if "Kontaktcenter" not in sites:
        do_create_site(organisation, None, "Kontaktcenter", "office", "Stadshusgatan 1, Västerby", 8)
    if "Hemma" not in sites:
        do_create_site(organisation, None, "Hemma", "home")
    teams = {team.name: team for team in Team.objects.for_org(organisation)}
    for name in TEAMS:
        if name not in teams:
            teams[name] = do_create_team(organisation, None, name)
    admin = _demo_admin(organisation)
    for spec in PEOPLE:
        if demo_email(spec.email) != admin.email:
            person = _demo_person(admin, spec, teams)
            if "team_leader" in spec.roles and spec.team and teams[spec.team].leader_id is None:
                teams[spec.team] = do_save_team(admin, teams[spec.team], {"name": spec.team, "leader": person})
    _import_loaders()
    for loader in _in_app_order(DEMO_LOADERS):
        loader(organisation)
    demo_api_key(organisation)
    return organisation


def _demo_admin(organisation: Organisation) -> Person:
    """The admin who sets the rest up (bootstrapped like ``distans createadmin``)."""
    spec = next(p for p in PEOPLE if "org_admin" in p.roles)
    email = demo_email(spec.email)
    admin = Person.objects.filter(email=email).first()
    if admin is None:
        admin = Person.objects.create_user(
            email, DEMO_PASSWORD, full_name=spec.name, organisation=organisation, language=spec.language,
            is_agent=False, is_supervisor="supervisor" in spec.roles, is_org_admin=True, is_staff=True,
        )  # fmt: skip
    return admin


def _demo_person(admin: Person, spec: DemoPerson, teams: dict[str, Team]) -> Person:
    """A demo person as the admin adds one on Settings → People: created, invited, and
    the invitation accepted with the demo password."""
    from distans.administration.actions import (
        do_accept_invitation,
        do_create_invitation,
        do_create_person,
    )

    email = demo_email(spec.email)
    person = Person.objects.filter(email=email).first()
    if person is not None:
        return person
    person = do_create_person(admin, {
        "full_name": spec.name, "email": email, "language": spec.language, "roles": list(spec.roles),
        "team": teams[spec.team] if spec.team else None,
    })  # fmt: skip
    mail = do_create_invitation(admin, person, "http://demo.invalid")
    token = mail.body.split("/account/invitation/", 1)[1].split("/", 1)[0]
    accepted = do_accept_invitation(token, DEMO_PASSWORD)
    assert accepted is not None, "the demo invitation was not accepted"
    return accepted


def _in_app_order(loaders: list[Callable[[Organisation], None]]) -> list[Callable[[Organisation], None]]:
    """The loaders in INSTALLED_APPS order (routing's queues before the channels that
    use them), whatever order their modules happened to be imported in: importing one
    app's demo module early (e.g. for a constant) must not make it load first."""
    from django.apps import apps

    order = {config.name: index for index, config in enumerate(apps.get_app_configs())}
    return sorted(loaders, key=lambda loader: order.get(loader.__module__.rsplit(".", 1)[0], len(order)))


def _import_loaders() -> None:
    """Apps put their demo loaders in ``<app>/demo.py``; importing registers them."""
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("distans.") and config.name != "distans.demo":
            try:
                import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise


def demo_api_key(organisation: Organisation) -> str:
    """The API key the demo traffic uses (kept under ./var/, created once)."""
    from django.conf import settings

    from distans.accounts.actions import do_create_api_token
    from distans.accounts.models import ApiToken
    from distans.accounts.permissions import SCOPES

    path = settings.VAR_DIR / "demo_api_key"
    if path.exists():
        key = path.read_text().strip()
        import hashlib

        digest = hashlib.sha256(key.encode()).hexdigest()
        if ApiToken.objects.filter(key_hash=digest, organisation=organisation, is_active=True).exists():
            return key
    key, _ = do_create_api_token(organisation, "Demo traffic", scopes=SCOPES)
    path.write_text(key)
    path.chmod(0o600)
    return key


def demo_logins() -> list[tuple[str, str, str]]:
    """(role, e-mail, password) for the README and the demo banner."""
    return [
        ("agent", demo_email("agent"), DEMO_PASSWORD),
        ("team leader", demo_email("teamleader"), DEMO_PASSWORD),
        ("supervisor", demo_email("supervisor"), DEMO_PASSWORD),
        ("planner", demo_email("planner"), DEMO_PASSWORD),
        ("admin", demo_email("admin"), DEMO_PASSWORD),
    ]
