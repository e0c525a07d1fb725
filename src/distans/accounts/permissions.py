"""The one table of who may do what.

Every permission names the roles that hold it; views (``@requires``), the API
(``Caller.may``), the live socket's groups and the navigation (``web/context.py``) all
read :data:`PERMISSIONS`, so a change here changes every door at once.
``tests/web/test_permissions.py`` checks that the menu, the views and the API agree
for every role.

Permissions marked ``scope=True`` may also be granted to an API key; a key holds only
the scopes it was given (it has no role).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from distans.accounts.choices import Role

A, TL, S, P, ADM = Role.AGENT, Role.TEAM_LEADER, Role.SUPERVISOR, Role.PLANNER, Role.ORG_ADMIN
EVERYONE = frozenset({A, TL, S, P, ADM})


@dataclass(frozen=True)
class Rule:
    label: Promise  # completes "Your role does not allow you to …"
    roles: frozenset[str]
    scope: bool = False  # may be granted to an API key


PERMISSIONS: dict[str, Rule] = {
    # pages
    "team.view": Rule(_("see your own team"), EVERYONE),
    "announcements.view": Rule(_("read announcements and ask staff questions"), EVERYONE),
    "announcements.publish": Rule(_("publish announcements and answer staff questions"), frozenset({TL, S, ADM}), True),
    "absence.report": Rule(_("report your own absence and readiness for home work"), EVERYONE, True),
    "absence.lead": Rule(_("follow your teams' absence, staffing, breaks and readiness, and decide shift swaps"), frozenset({TL, S, P, ADM}), True),
    "absence.it": Rule(_("handle the IT problems staff report"), frozenset({ADM})),
    "checkins.manage": Rule(_("follow your teams' check-ins and daily meetings"), frozenset({TL, S, ADM})),
    # Private check-in notes: the person's own team leader and HR (organisation admins);
    # wellbeing/queries.py may_read_notes narrows team leaders to their own teams.
    "checkins.notes": Rule(_("read private check-in notes"), frozenset({TL, ADM})),
    "wellbeing.answer": Rule(_("answer the anonymous pulse survey"), EVERYONE),
    "wellbeing.results": Rule(_("read pulse survey results and answer comments"), frozenset({TL, S, ADM})),
    "wellbeing.configure": Rule(_("change the pulse survey's questions and limits"), frozenset({ADM})),
    "desk.use": Rule(_("use the agent desktop"), frozenset({A, TL})),
    "switchboard.operate": Rule(_("answer the switchboard: find people, put calls through, take messages"), frozenset({A, TL, S})),
    "switchboard.away": Rule(_("set your own away status and read your phone messages"), EVERYONE),
    "directory.manage": Rule(_("manage the organisation's directory and import it"), frozenset({ADM})),
    "articles.edit": Rule(_("write knowledge articles"), frozenset({TL, S, ADM})),
    "wallboard.view": Rule(_("watch the wallboard"), frozenset({TL, S, ADM})),
    "reports.view": Rule(_("read reports"), frozenset({TL, S, P, ADM})),
    "planning.manage": Rule(_("plan staffing and schedules"), frozenset({S, P, ADM})),
    "topics.manage": Rule(_("change the topic tree"), frozenset({S, ADM})),
    "people.manage": Rule(_("manage people (team leaders: their own teams)"), frozenset({TL, ADM})),
    "organisation.manage": Rule(_("change teams, sites and roles"), frozenset({ADM})),
    "continuity.manage": Rule(_("prepare and switch continuity plans"), frozenset({S, ADM})),
    "queues.manage": Rule(_("change queues and opening hours"), frozenset({S, ADM})),
    "channels.manage": Rule(_("change channels"), frozenset({ADM})),
    "integrations.manage": Rule(_("manage API keys and webhooks"), frozenset({ADM})),
    "audit.view": Rule(_("read the audit log"), frozenset({ADM})),
    "privacy.manage": Rule(_("find, export and erase a data subject's data"), frozenset({ADM})),
    "visits.receive": Rule(_("receive visitors: the day's visits, check-in and notes"), frozenset({A, TL, S, ADM})),
    "visits.close_day": Rule(_("close a day for visits and cancel its bookings"), frozenset({TL, S, ADM})),
    "visits.configure": Rule(_("define the services visitors can book"), frozenset({S, ADM})),
    "mail.caught": Rule(_("read the mail the demo's mail catcher caught"), frozenset({S, ADM})),
    "account.second_factor": Rule(_("protect your login with a second factor"), frozenset({S, ADM})),
    "admin.use": Rule(_("use the technical administration"), frozenset({ADM})),
    # the API (also scopes for keys)
    "contacts.create": Rule(_("create and steer contacts through the API"), frozenset({TL, S, ADM}), True),
    "contacts.read": Rule(_("read every contact through the API"), frozenset({TL, S, ADM}), True),
    "live.read": Rule(_("read queue and agent states through the API"), frozenset({TL, S, ADM}), True),
    "telephony.adapter": Rule(_("connect a phone system"), frozenset(), True),
    "mail.inbound": Rule(_("deliver incoming e-mail"), frozenset(), True),
}

SCOPES: list[str] = [name for name, rule in PERMISSIONS.items() if rule.scope]

# Who sees the whole organisation on the wallboard and in reports; anyone else holding
# wallboard.view or reports.view (team leaders) sees their own teams' people and the
# queues those people serve (``accounts/scope.py``).
WHOLE_ORGANISATION = frozenset({S, P, ADM})

# A settings page is reachable when the person holds any of these.
SETTINGS_PERMISSIONS = (
    "people.manage",
    "organisation.manage",
    "queues.manage",
    "channels.manage",
    "integrations.manage",
    "audit.view",
    "privacy.manage",
    "visits.configure",
)


def roles_of(user: Any) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    if not getattr(user, "organisation_id", None) or not getattr(user, "is_active", True):
        return set()
    return set(user.roles)


def has_permission(user: Any, permission: str) -> bool:
    """Whether a logged-in person of an organisation holds ``permission``.

    The technical administration (``admin.use``) is also open to installation
    superusers, who belong to no organisation."""
    if permission == "admin.use" and getattr(user, "is_superuser", False):
        return bool(getattr(user, "is_active", False))
    return bool(roles_of(user) & PERMISSIONS[permission].roles)


def has_any_permission(user: Any, permissions: tuple[str, ...] | list[str]) -> bool:
    return any(has_permission(user, p) for p in permissions)


def role_labels(roles: frozenset[str] | set[str]) -> list[str]:
    return [str(label) for value, label in Role.choices if value in roles]


def forbidden(request: HttpRequest, *permissions: str) -> HttpResponse:
    """The translated 403 page: what the person's role lacks and who has it."""
    lacking = [PERMISSIONS[p] for p in permissions]
    holders: set[str] = set().union(*(rule.roles for rule in lacking)) if lacking else set()
    return render(
        request,
        "403.html",
        {
            "lacking": [rule.label for rule in lacking],
            "my_roles": role_labels(roles_of(request.user)),
            "holders": role_labels(holders),
        },
        status=403,
    )


View = Callable[..., HttpResponse]


def requires(*permissions: str) -> Callable[[View], View]:
    """View decorator: log in first, then hold at least one of ``permissions``."""
    for permission in permissions:
        if permission not in PERMISSIONS:
            raise KeyError(f"unknown permission {permission!r}")

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            if not has_any_permission(request.user, permissions):
                return forbidden(request, *permissions)
            return view(request, *args, **kwargs)

        # Stacked decorators each add a check (all must pass); the menu names the
        # outermost one. Tests read these to compare the views with the table.
        wrapper.required_permissions = permissions  # type: ignore[attr-defined]
        wrapper.permission_checks = [*getattr(view, "permission_checks", []), permissions]  # type: ignore[attr-defined]
        return wrapper

    return decorate
