"""Navigation by permission (the one table in ``accounts/permissions.py``), for the
base template.

``NAVIGATION`` is the menu's only source: its order, its groups and which permission
(any one of) shows each entry. A top-level entry is a plain ``(url name, label,
permissions)`` tuple; a ``NavGroup`` is a disclosure menu of such tuples. Visibility is
decided per entry by the permission table; a group is shown only when at least one of
its entries is visible, and a group with exactly one visible entry shows that entry
directly (nobody opens a menu for one link). ``navigation_entries()`` lists every entry
flat (the permission tests walk it).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from distans.accounts.permissions import SETTINGS_PERMISSIONS, has_any_permission

# (url name, label, permissions of which one shows the entry)
NavEntry = tuple[str, Any, tuple[str, ...]]


class NavGroup(NamedTuple):
    key: str  # stable, for tests and the page's markup (data-nav-group)
    label: Any
    entries: tuple[NavEntry, ...]


NAVIGATION: list[NavEntry | NavGroup] = [
    # The daily tools, always one click away.
    ("home", _("Home"), ()),
    ("desk:index", _("Desktop"), ("desk.use",)),
    ("wallboard:index", _("Wallboard"), ("wallboard.view",)),
    NavGroup(
        "team",
        pgettext_lazy("navigation group", "Team"),
        (
            ("team:index", _("My team"), ("team.view",)),
            ("announcements:index", _("Announcements"), ("announcements.view",)),
            ("wellbeing:checkins", _("Check-ins"), ("checkins.manage",)),
            ("wellbeing:pulse", _("Pulse survey"), ("wellbeing.answer",)),
            ("absence:index", _("Absence and swaps"), ("absence.report",)),
            ("absence:team", _("Team's day"), ("absence.lead",)),
            ("absence:it", _("IT problems"), ("absence.it",)),
            ("switchboard:away", _("My away status"), ("switchboard.away",)),
        ),
    ),
    ("visits:day", _("Visits"), ("visits.receive",)),
    ("switchboard:index", _("Switchboard"), ("switchboard.operate",)),
    NavGroup(
        "management",
        pgettext_lazy("navigation group", "Management"),
        (
            ("reports:index", _("Reports"), ("reports.view",)),
            ("planning:index", _("Planning"), ("planning.manage",)),
            ("topics:index", _("Topics"), ("topics.manage",)),
            ("continuity:index", _("Continuity plans"), ("continuity.manage",)),
            ("switchboard:directory", _("Directory"), ("directory.manage",)),
            # Only while the demo's mail catcher runs (distans demo).
            ("channels_email:caught", _("Sent e-mail (demo)"), ("mail.caught",)),
        ),
    ),
    ("administration:index", _("Settings"), SETTINGS_PERMISSIONS),
    ("admin:index", _("Administration"), ("admin.use",)),
]


def navigation_entries() -> list[NavEntry]:
    """Every entry of the menu, groups flattened, in menu order."""
    flat: list[NavEntry] = []
    for item in NAVIGATION:
        flat.extend(item.entries if isinstance(item, NavGroup) else [item])
    return flat


def _entry_visible(user: Any, entry: NavEntry) -> bool:
    url_name, _label, needed = entry
    if needed and not has_any_permission(user, needed):
        return False
    return url_name != "channels_email:caught" or bool(settings.DISTANS_MAIL_CATCHER_PORT)


def visible_navigation(user: Any) -> list[tuple[str, Any]]:
    """(url name, label) of the entries this person sees, flat (installed apps or not)."""
    return [
        (url_name, label)
        for url_name, label, needed in navigation_entries()
        if _entry_visible(user, (url_name, label, needed))
    ]


def _link(entry: NavEntry, current: str) -> dict[str, Any] | None:
    url_name, label, _needed = entry
    try:
        url = reverse(url_name)
    except NoReverseMatch:
        return None  # the app providing it is not installed
    active = current == url if url == "/" else current.startswith(url)
    return {"kind": "link", "url": url, "label": label, "active": active}


def navigation_for(user: Any, current: str) -> list[dict[str, Any]]:
    """The menu this person sees on the page at ``current``: links and groups (a group
    holds ``children``; it is ``active`` when the current page is one of them)."""
    items: list[dict[str, Any]] = []
    for item in NAVIGATION:
        if isinstance(item, NavGroup):
            children = [
                link
                for entry in item.entries
                if _entry_visible(user, entry) and (link := _link(entry, current))
            ]
            if len(children) == 1:
                items.append(children[0])  # one link needs no menu
            elif children:
                active = any(child["active"] for child in children)
                items.append(
                    {
                        "kind": "group",
                        "key": item.key,
                        "label": item.label,
                        "active": active,
                        "children": children,
                    }
                )
        elif _entry_visible(user, item) and (link := _link(item, current)):
            items.append(link)
    return items


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    return {"navigation": navigation_for(user, request.path)}
